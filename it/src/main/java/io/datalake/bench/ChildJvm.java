package io.datalake.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One measured run in its own JVM: started directly (no shell, so the pid is the JVM's), output to
 * a log file, GC log to a file, and its memory sampled from {@code /proc/<pid>/status} every 200
 * ms: the largest VmRSS seen and the last VmHWM (the kernel's own high-water mark); its CPU time
 * from {@code /proc/<pid>/stat} at the same samples (the last one, at most 200 ms before the end).
 * Peak heap comes from the GC log: the largest heap occupancy before a collection, the largest
 * after one (live data), and the occupancy at exit.
 */
final class ChildJvm implements AutoCloseable {
  /** Children still running, stopped by the shutdown hook if the benchmark is interrupted. */
  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  for (Process p : LIVE) {
                    p.destroy();
                  }
                  for (Process p : LIVE) {
                    try {
                      if (!p.waitFor(15, TimeUnit.SECONDS)) {
                        p.destroyForcibly();
                      }
                    } catch (InterruptedException e) {
                      p.destroyForcibly();
                    }
                  }
                }));
  }

  private static final Pattern GC_PAUSE =
      Pattern.compile("(\\d+)([KMG])->(\\d+)([KMG])\\((\\d+)([KMG])\\)");
  private static final Pattern GC_EXIT_USED =
      Pattern.compile("heap\\s+total\\s+(\\d+)K,\\s+used\\s+(\\d+)K");

  private final String name;
  private final Process process;
  private final Path log;
  private final Path gcLog;
  private final long startNanos;
  private final long startMillis = System.currentTimeMillis();
  private final Thread sampler;
  private volatile long maxRssKb;
  private volatile long hwmKb;
  private volatile double cpuSeconds = Double.NaN;
  private final ProcessCpu.ThreadCpu threadCpu = new ProcessCpu.ThreadCpu();
  private volatile long endNanos;

  private ChildJvm(String name, Process process, Path log, Path gcLog, long startNanos) {
    this.name = name;
    this.process = process;
    this.log = log;
    this.gcLog = gcLog;
    this.startNanos = startNanos;
    LIVE.add(process);
    sampler = new Thread(this::sample, "rss-" + name);
    sampler.setDaemon(true);
    sampler.start();
  }

  /**
   * Starts {@code java <jvmArgs> -cp <classpath> <mainClass> <args>}, its output in {@code
   * <dir>/<name>.log} and its GC log in {@code <dir>/<name>.gc.log}.
   */
  /**
   * Environment variables every child gets: the S3 keys as AWS_ACCESS_KEY_ID and
   * AWS_SECRET_ACCESS_KEY, so that Beam's default AWS provider chain finds them and they are in no
   * option, command line or log (a child's log starts with its command).
   */
  private static final java.util.Map<String, String> ENVIRONMENT =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * Whether every child records a JFR profile into {@code <dir>/<name>.jfr} ({@code --jfr-all}):
   * where the time of any part goes (the snapshot roll-up, the S3 + ClickHouse batch), not only the
   * Flink batch's ({@code --jfr N}).
   */
  private static volatile boolean profileAll;

  static void profileAll(boolean value) {
    profileAll = value;
  }

  static void awsCredentials(String accessKey, String secretKey) {
    ENVIRONMENT.put("AWS_ACCESS_KEY_ID", accessKey);
    ENVIRONMENT.put("AWS_SECRET_ACCESS_KEY", secretKey);
  }

  /** A JVM option that selects a garbage collector: {@code -XX:+Use<Name>GC}. */
  static boolean selectsCollector(String option) {
    return option.startsWith("-XX:+Use") && option.endsWith("GC");
  }

  static ChildJvm start(
      String name,
      Path dir,
      String heap,
      List<String> jvmArgs,
      String classpath,
      String mainClass,
      List<String> args)
      throws IOException {
    Files.createDirectories(dir);
    Path log = dir.resolve(name + ".log");
    Path gcLog = dir.resolve(name + ".gc.log");
    Files.deleteIfExists(gcLog);
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx" + heap);
    if (jvmArgs.stream().noneMatch(ChildJvm::selectsCollector)) {
      // The same collector on every machine (the JVM picks Serial on a small one), unless the run
      // asks for another (two collectors selected stop the JVM before it starts).
      command.add("-XX:+UseG1GC");
    }
    command.add("-Xlog:gc,gc+heap+exit:file=" + gcLog + ":uptime");
    // As ./datalake run starts the pipeline: a stream's checkpoints need them (FlinkCheckpoints).
    command.add("--add-opens=java.base/java.util=ALL-UNNAMED");
    command.add("--add-opens=java.base/java.lang=ALL-UNNAMED");
    command.addAll(jvmArgs);
    if (profileAll && jvmArgs.stream().noneMatch(a -> a.startsWith("-XX:StartFlightRecording"))) {
      Path jfr = dir.resolve(name + ".jfr");
      Files.deleteIfExists(jfr);
      command.addAll(Profile.jvmArgs(jfr));
    }
    command.add("-cp");
    command.add(classpath);
    command.add(mainClass);
    command.addAll(args);
    Files.writeString(log, "# " + String.join(" ", command) + "\n");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(ENVIRONMENT);
    builder.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    long start = System.nanoTime();
    return new ChildJvm(name, builder.start(), log, gcLog, start);
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  Path log() {
    return log;
  }

  /** Seconds since the start. */
  double elapsedSeconds() {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  /** Wall-clock time of the start, epoch milliseconds. */
  long startMillis() {
    return startMillis;
  }

  private void sample() {
    long samples = 0;
    Path status = Path.of("/proc", Long.toString(process.pid()), "status");
    while (process.isAlive()) {
      try {
        for (String line : Files.readAllLines(status)) {
          if (line.startsWith("VmRSS:")) {
            maxRssKb = Math.max(maxRssKb, kb(line));
          } else if (line.startsWith("VmHWM:")) {
            hwmKb = Math.max(hwmKb, kb(line));
          }
        }
      } catch (IOException | RuntimeException e) {
        // the process is gone between the check and the read
      }
      double cpu = ProcessCpu.seconds(process.pid());
      if (!Double.isNaN(cpu)) {
        cpuSeconds = cpu;
      }
      if (samples++ % 5 == 0) {
        // Every second: a Flink JVM has some 150 threads, each one file to read.
        threadCpu.sample(process.pid());
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private static long kb(String line) {
    return Long.parseLong(line.replaceAll("[^0-9]", ""));
  }

  /** Waits for the end; on timeout stops the child and returns its result all the same. */
  Result waitFor(Duration timeout) throws InterruptedException {
    boolean ended = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (!ended) {
      stop();
    }
    endNanos = System.nanoTime();
    return result(!ended);
  }

  /** SIGTERM, then SIGKILL after 30 s; returns the result. */
  Result stop() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    }
    if (endNanos == 0) {
      endNanos = System.nanoTime();
    }
    return result(false);
  }

  private Result result(boolean timedOut) throws InterruptedException {
    sampler.join(2000);
    LIVE.remove(process);
    long peakBefore = 0;
    long peakAfter = 0;
    long committed = 0;
    long atExit = 0;
    int collections = 0;
    try {
      if (Files.exists(gcLog)) {
        for (String line : Files.readAllLines(gcLog)) {
          Matcher m = GC_PAUSE.matcher(line);
          if (m.find() && line.contains("Pause")) {
            collections++;
            peakBefore = Math.max(peakBefore, bytes(m.group(1), m.group(2)));
            if (line.contains("Pause Young") || line.contains("Pause Full")) {
              // Remark and Cleanup are phases of a concurrent cycle: they free nothing yet.
              peakAfter = Math.max(peakAfter, bytes(m.group(3), m.group(4)));
            }
            committed = Math.max(committed, bytes(m.group(5), m.group(6)));
          }
          Matcher e = GC_EXIT_USED.matcher(line);
          if (e.find()) {
            atExit = Math.max(atExit, Long.parseLong(e.group(2)) * 1024);
            committed = Math.max(committed, Long.parseLong(e.group(1)) * 1024);
          }
        }
      }
    } catch (IOException e) {
      // no GC figures
    }
    return new Result(
        name,
        process.isAlive() ? -1 : process.exitValue(),
        timedOut,
        (endNanos - startNanos) / 1e9,
        Math.max(maxRssKb, 0) * 1024,
        hwmKb * 1024,
        Math.max(peakBefore, atExit),
        peakAfter,
        committed,
        collections,
        cpuSeconds,
        threadCpu.byKind(),
        log.toString());
  }

  private static long bytes(String n, String unit) {
    long v = Long.parseLong(n);
    return switch (unit) {
      case "K" -> v * 1024;
      case "M" -> v * 1024 * 1024;
      default -> v * 1024 * 1024 * 1024;
    };
  }

  /** The last lines of the log, for a failure message. */
  String tail(int lines) {
    try {
      List<String> all = Files.readAllLines(log);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      stop();
    }
  }

  /**
   * What a child run measured. Heap: {@code peakHeapBytes} is the largest occupancy seen by the GC
   * (before a collection, or at exit), {@code peakLiveBytes} the largest after a collection.
   */
  record Result(
      String name,
      int exitCode,
      boolean timedOut,
      double wallSeconds,
      long peakRssBytes,
      long hwmBytes,
      long peakHeapBytes,
      long peakLiveBytes,
      long heapCommittedBytes,
      int collections,
      double cpuSeconds,
      Map<String, Double> threadCpuSeconds,
      String log) {
    long rss() {
      return Math.max(peakRssBytes, hwmBytes);
    }
  }
}
