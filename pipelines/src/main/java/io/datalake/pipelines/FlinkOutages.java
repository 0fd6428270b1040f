package io.datalake.pipelines;

import io.datalake.options.DatalakeOptions;
import java.util.Map;
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
    if (!FlinkRunConfiguration.addDefaults(flink, Map.of(CANCELLATION_TIMEOUT, "0")).isEmpty()) {
      LOG.info(
          "datalake: {}: 0 (a task stuck on an unreachable service waits for it instead of failing its TaskManager)",
          CANCELLATION_TIMEOUT);
    }
  }
}
