package io.datalake.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * A streaming job on the embedded FlinkRunner in its own JVM, started as a user starts it (the
 * bundled jar), so that a test can SIGKILL it, restart it with --resume and bound its heap.
 */
final class FlinkJob implements AutoCloseable {
  /** The jar under test; {@code -Ddatalake.it.jar=...} runs another build (e.g. an older one). */
  static final Path JAR =
      Path.of(
          System.getProperty(
              "datalake.it.jar",
              Path.of(System.getProperty("datalake.project.dir", ".."), "pipelines", "target", "datalake-pipelines-bundled.jar")
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
    Files.createDirectories(log.getParent());
    Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    return new FlinkJob(process, log);
  }

  /** The options of a Flink job that checkpoints every 2 s into {@code checkpoints} and resumes. */
  static List<String> flinkArgs(String jobName, Path checkpoints) {
    return List.of(
        "--runner=FlinkRunner",
        "--flinkMaster=[local]",
        "--parallelism=2",
        "--checkpointingInterval=2000",
        "--checkpointDir=" + checkpoints,
        "--resume",
        "--jobName=" + jobName,
        "--progressSeconds=5");
  }

  Path log() {
    return log;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** SIGKILL: no shutdown hook, no final checkpoint. Returns the exit code (137). */
  int kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new AssertionError("the job's JVM did not die within 30 s of SIGKILL");
    }
    return process.exitValue();
  }

  /** Waits for a condition, failing with the log's tail on timeout or when the JVM has died. */
  void await(String what, int seconds, BooleanSupplier condition) throws Exception {
    await(what, seconds, condition, () -> "");
  }

  /** Like {@link #await(String, int, BooleanSupplier)}; a failure also says what {@code status} saw. */
  void await(String what, int seconds, BooleanSupplier condition, Supplier<String> status) throws Exception {
    long deadline = System.currentTimeMillis() + seconds * 1000L;
    while (!condition.getAsBoolean()) {
      if (!process.isAlive()) {
        throw new AssertionError(
            "The job's JVM exited (" + process.exitValue() + ") while waiting for " + what + " " + status.get() + ":\n" + tail(60));
      }
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError(
            "Timed out after " + seconds + " s waiting for " + what + " " + status.get() + ":\n" + tail(60));
      }
      Thread.sleep(1000);
    }
  }

  String tail(int lines) throws IOException {
    List<String> all = Files.readAllLines(log);
    return log + ":\n" + String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  static boolean hasCheckpoint(Path checkpoints) {
    try (Stream<Path> walk = Files.walk(checkpoints)) {
      return walk.anyMatch(p -> p.getFileName().toString().equals("_metadata"));
    } catch (IOException e) {
      return false;
    }
  }

  /** How often each id is in a table of the lake (finished files only); empty while a file is being finished. */
  static Map<String, Integer> lakeIdCounts(Path lake, String table) {
    try {
      Map<String, Integer> counts = new HashMap<>();
      for (LakeFiles.LakeRecord row : LakeFiles.rows(lake, table)) {
        counts.merge(row.string("id"), 1, Integer::sum);
      }
      return counts;
    } catch (IOException e) {
      return Map.of();
    }
  }

  /** The lake's dead letters as (source, step, error); a replayed letter counts once. */
  static Set<List<String>> deadLetters(Path lake) {
    try {
      Set<List<String>> letters = new HashSet<>();
      com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
      for (String line : LakeFiles.deadLetters(lake)) {
        com.fasterxml.jackson.databind.JsonNode l = json.readTree(line);
        letters.add(List.of(l.path("source").asText(), l.path("step").asText(), l.path("error").asText()));
      }
      return letters;
    } catch (IOException e) {
      return Set.of();
    }
  }
}
