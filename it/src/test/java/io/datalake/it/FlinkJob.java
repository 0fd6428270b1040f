package io.datalake.it;

import io.datalake.testing.Await;
import io.datalake.testing.LocalServices;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * A run of the pipeline on the embedded FlinkRunner in its own JVM, started as a user starts it
 * (the bundled jar), its output in a log file: so that a test can SIGKILL it, restart it with
 * --resume, bound its heap, and wait for what it writes. The one place the ITs start such a JVM.
 */
final class FlinkJob implements AutoCloseable {
  /** The jar under test; {@code -Ddatalake.it.jar=...} runs another build (e.g. an older one). */
  static final Path JAR =
      Path.of(
          System.getProperty(
              "datalake.it.jar",
              Path.of(
                      System.getProperty("datalake.project.dir", ".."),
                      "pipelines",
                      "target",
                      "datalake-pipelines-bundled.jar")
                  .toString()));

  private final Process process;
  private final Path log;

  private FlinkJob(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /** Starts the jar with these JVM options and pipeline arguments, its output in {@code log}. */
  static FlinkJob start(List<String> jvmOptions, List<String> args, Path log) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.add("-jar");
    command.add(JAR.toString());
    command.addAll(args);
    Files.createDirectories(log.toAbsolutePath().getParent());
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    // The job finds the local S3Proxy's keys as a worker finds real ones: through AWS's default
    // provider chain (here its environment), never in its options.
    builder.environment().putAll(LocalServices.awsEnvironment());
    Process process = builder.start();
    return new FlinkJob(process, log);
  }

  /** The options of a Flink job that checkpoints every 2 s into {@code checkpoints} and resumes. */
  static List<String> flinkArgs(String jobName, Path checkpoints) {
    return flinkArgs(jobName, checkpoints, 2000, 5, true);
  }

  /**
   * The options of a streaming Flink job (parallelism 2) named {@code jobName} (--resume restores
   * only a checkpoint of the same job name), checkpointing every {@code checkpointMillis} into
   * {@code checkpoints}, reporting progress every {@code progressSeconds}.
   */
  static List<String> flinkArgs(
      String jobName, Path checkpoints, int checkpointMillis, int progressSeconds, boolean resume) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--runner=FlinkRunner",
                "--flinkMaster=[local]",
                "--parallelism=2",
                "--checkpointingInterval=" + checkpointMillis,
                "--checkpointDir=" + checkpoints,
                "--jobName=" + jobName,
                "--progressSeconds=" + progressSeconds));
    if (resume) {
      args.add("--resume");
    }
    return args;
  }

  Path log() {
    return log;
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Waits up to {@code seconds} for the JVM to end by itself; whether it did. */
  boolean waitFor(int seconds) throws InterruptedException {
    return process.waitFor(seconds, TimeUnit.SECONDS);
  }

  /** The JVM's exit code; it must have ended. */
  int exitValue() {
    return process.exitValue();
  }

  /** SIGKILL: no shutdown hook, no final checkpoint. Returns the exit code (137). */
  int kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new AssertionError(
          "the job's JVM (pid " + process.pid() + ") did not die within 30 s of SIGKILL");
    }
    return process.exitValue();
  }

  /** Waits for a condition, failing with the log's tail on timeout or when the JVM has died. */
  void await(String what, int seconds, BooleanSupplier condition) throws Exception {
    await(what, seconds, condition, () -> "");
  }

  /**
   * Like {@link #await(String, int, BooleanSupplier)}; a failure also says what {@code status} saw.
   */
  void await(String what, int seconds, BooleanSupplier condition, Supplier<String> status)
      throws Exception {
    poll(what, seconds, 1000, condition, status);
  }

  /**
   * Waits until the log has a line containing {@code text}, looking every 100 ms: a test that
   * injects a fault at that point must not be late by a second.
   */
  void awaitLog(String text, int seconds) throws Exception {
    poll("\"" + text + "\" in " + log, seconds, 100, () -> logText().contains(text), () -> "");
  }

  private void poll(
      String what, int seconds, long pollMillis, BooleanSupplier condition, Supplier<String> status)
      throws Exception {
    Await.until(
        what,
        seconds,
        pollMillis,
        () -> {
          if (condition.getAsBoolean()) {
            return true;
          }
          // A JVM that has ended writes nothing more; the condition is looked at once more, as it
          // may have come true just before the end.
          if (!process.isAlive() && !condition.getAsBoolean()) {
            throw new AssertionError(
                "The job's JVM exited ("
                    + process.exitValue()
                    + ") while waiting for "
                    + what
                    + " "
                    + status.get()
                    + ":\n"
                    + tail(60));
          }
          return false;
        },
        () -> " " + status.get() + ":\n" + tail(60));
  }

  /** The whole log so far ("" before the JVM has written it). */
  String logText() {
    try {
      return new String(Files.readAllBytes(log), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /** The log's last lines, headed by its path. */
  String tail(int lines) {
    List<String> all = List.of(logText().split("\n"));
    return "last lines of "
        + log
        + ":\n"
        + String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }

  /**
   * SIGTERM: the job stops as on Ctrl-C (its shutdown hook runs). Whether the JVM ended within
   * {@code seconds}.
   */
  boolean terminate(int seconds) throws InterruptedException {
    process.destroy();
    return process.waitFor(seconds, TimeUnit.SECONDS);
  }

  /** Stops the JVM if it still runs: SIGTERM, and SIGKILL if it has not ended 30 s later. */
  @Override
  public void close() throws InterruptedException {
    if (process.isAlive() && !terminate(30)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  /**
   * The number of the newest completed checkpoint ({@code chk-N} with its {@code _metadata}, which
   * Flink writes last), or -1 before the first.
   */
  static long latestCheckpoint(Path checkpoints) {
    try (Stream<Path> walk = Files.walk(checkpoints)) {
      return walk.filter(p -> p.getFileName().toString().equals("_metadata"))
          .map(p -> p.getParent().getFileName().toString())
          .filter(name -> name.matches("chk-\\d+"))
          .mapToLong(name -> Long.parseLong(name.substring(4)))
          .max()
          .orElse(-1);
    } catch (IOException | java.io.UncheckedIOException e) {
      return -1; // a checkpoint folder removed while it was listed: look again later
    }
  }

  /** Whether a checkpoint was completed (Flink writes its {@code _metadata} last). */
  static boolean hasCheckpoint(Path checkpoints) {
    try (Stream<Path> walk = Files.walk(checkpoints)) {
      return walk.anyMatch(p -> p.getFileName().toString().equals("_metadata"));
    } catch (IOException e) {
      return false;
    }
  }
}
