package io.datalake.pipelines;

import io.datalake.options.DatalakeOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Flink settings that let a streaming job outlive an outage of a service it writes to. A ClickHouse
 * insert stuck on a frozen server keeps its task from finishing its cancellation when the job fails
 * over (ClickHouseIO flushes its rows again on each bundle timer, each try waiting for the driver's
 * socket timeout). Flink's watchdog then declares the TaskManager dead after {@code
 * task.cancellation.timeout} (180 s): on the embedded cluster no TaskManager is left and the job
 * waits for slots forever, on a standalone cluster the TaskManager process exits (measured with a
 * 5-minute SIGSTOP of ClickHouse). With the watchdog off the stuck task ends as soon as ClickHouse
 * answers, and the job restarts and catches up. The setting is the job's own (ExecutionConfig reads
 * it from the configuration the runner loads from {@code --flinkConfDir}), so it reaches a cluster
 * too; a value already in the user's configuration is kept.
 */
final class FlinkOutages {
  private static final Logger LOG = LoggerFactory.getLogger(FlinkOutages.class);
  static final String CANCELLATION_TIMEOUT = "task.cancellation.timeout";

  private FlinkOutages() {}

  static void configure(DatalakeOptions options, boolean streaming) {
    if (!streaming || !FlinkRunner.class.equals(options.getRunner())) {
      return;
    }
    FlinkPipelineOptions flink = options.as(FlinkPipelineOptions.class);
    String userConfDir = flink.getFlinkConfDir();
    if (userConfDir == null || userConfDir.isBlank()) {
      // Without --flinkConfDir the runner reads $FLINK_CONF_DIR: keep what is there.
      userConfDir = System.getenv("FLINK_CONF_DIR");
    }
    try {
      Path dir = Files.createTempDirectory("datalake-flink-conf");
      dir.toFile().deleteOnExit();
      String file = "config.yaml";
      boolean set = false;
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
        set =
            Files.exists(dir.resolve(file))
                && Files.readString(dir.resolve(file), StandardCharsets.UTF_8)
                    .lines()
                    .anyMatch(l -> l.trim().startsWith(CANCELLATION_TIMEOUT));
      }
      if (!set) {
        Files.writeString(
            dir.resolve(file),
            "\n" + CANCELLATION_TIMEOUT + ": 0\n",
            StandardCharsets.UTF_8,
            StandardOpenOption.CREATE,
            StandardOpenOption.APPEND);
        dir.resolve(file).toFile().deleteOnExit();
        LOG.info(
            "datalake: {}: 0 (a task stuck on an unreachable service waits for it instead of failing its TaskManager)",
            CANCELLATION_TIMEOUT);
      }
      flink.setFlinkConfDir(dir.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the Flink configuration of the run", e);
    }
  }
}
