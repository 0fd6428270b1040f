package io.datalake.pipelines;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.beam.runners.flink.FlinkPipelineOptions;

/**
 * The Flink configuration a run brings: the user's ({@code --flinkConfDir}, else {@code
 * $FLINK_CONF_DIR}) copied to a folder of the run's own, plus keys the pipeline needs that the user
 * did not set. The runner loads it for the embedded cluster and for the job's own settings on a
 * cluster alike.
 */
final class FlinkRunConfiguration {
  /**
   * {@code datalake-flink-conf-<pid>-<random>} under {@code java.io.tmpdir}: removed when the JVM
   * exits, and by a later run once a JVM killed with SIGKILL is gone (the fault suite left 18 of
   * them in two CI runs when the name carried no process id).
   */
  static final String PREFIX = "datalake-flink-conf-";

  /** Whether this JVM has removed the folders of gone JVMs yet: once is enough. */
  private static final AtomicBoolean TIDIED = new AtomicBoolean();

  private FlinkRunConfiguration() {}

  /**
   * Adds each of {@code keys} that the user's configuration does not set, and points {@code
   * --flinkConfDir} at the copy. Returns the keys added (a key already set is kept as it is).
   */
  static List<String> addDefaults(FlinkPipelineOptions flink, Map<String, String> keys) {
    return write(flink, keys, false);
  }

  /**
   * Sets each of {@code keys} in a copy of the run's configuration, replacing the value the user's
   * configuration gives: settings of this run alone, such as the checkpoint it restores ({@code
   * execution.savepoint.path}). Points {@code --flinkConfDir} at the copy.
   */
  static void force(FlinkPipelineOptions flink, Map<String, String> keys) {
    write(flink, keys, true);
  }

  private static List<String> write(
      FlinkPipelineOptions flink, Map<String, String> keys, boolean force) {
    String userConfDir = flink.getFlinkConfDir();
    if (userConfDir == null || userConfDir.isBlank()) {
      // Without --flinkConfDir the runner reads $FLINK_CONF_DIR: keep what is there.
      userConfDir = System.getenv("FLINK_CONF_DIR");
    }
    try {
      Path base = Path.of(System.getProperty("java.io.tmpdir"));
      if (TIDIED.compareAndSet(false, true)) {
        FlinkTempFiles.removeFoldersOfGoneProcesses(base, PREFIX);
      }
      Path dir = Files.createTempDirectory(base, PREFIX + ProcessHandle.current().pid() + "-");
      dir.toFile().deleteOnExit();
      String file = "config.yaml";
      String current = "";
      if (userConfDir != null && !userConfDir.isBlank()) {
        try (Stream<Path> files = Files.list(Paths.get(userConfDir))) {
          for (Path f :
              files.filter(Files::isRegularFile).sorted(Comparator.naturalOrder()).toList()) {
            Files.copy(f, dir.resolve(f.getFileName()));
            dir.resolve(f.getFileName()).toFile().deleteOnExit();
          }
        }
        // Flink 1.19 reads config.yaml when there is one, else the legacy flink-conf.yaml.
        file =
            Files.exists(dir.resolve("config.yaml"))
                    || !Files.exists(dir.resolve("flink-conf.yaml"))
                ? "config.yaml"
                : "flink-conf.yaml";
        if (Files.exists(dir.resolve(file))) {
          current = Files.readString(dir.resolve(file), StandardCharsets.UTF_8);
        }
      }
      List<String> added = new ArrayList<>();
      StringBuilder lines = new StringBuilder("\n");
      for (Map.Entry<String, String> key : keys.entrySet()) {
        if (force) {
          // A key given twice is an error in config.yaml (standard YAML): drop the user's line.
          current =
              current
                  .lines()
                  .filter(l -> !l.trim().startsWith(key.getKey() + ":"))
                  .collect(Collectors.joining("\n", "", "\n"));
        }
        if (force || current.lines().noneMatch(l -> l.trim().startsWith(key.getKey()))) {
          lines.append(key.getKey()).append(": ").append(key.getValue()).append('\n');
          added.add(key.getKey());
        }
      }
      if (!added.isEmpty()) {
        Files.writeString(dir.resolve(file), current + lines, StandardCharsets.UTF_8);
        dir.resolve(file).toFile().deleteOnExit();
      }
      flink.setFlinkConfDir(dir.toString());
      return added;
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot write the Flink configuration of the run ("
              + String.join(", ", keys.keySet())
              + ")",
          e);
    }
  }
}
