package io.datalake.pipelines;

import io.datalake.options.DatalakeOptions;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;

/**
 * How often a streaming job's sources emit watermarks on the FlinkRunner. Unset, each of Beam's
 * unbounded source readers logs a WARN at start ("AutoWatermarkInterval is not set") and then uses
 * {@code max(10, --maxBundleTimeMills / 5)} ms, 200 ms by default: four WARNs per start of a
 * two-worker job that an on-call engineer reads as trouble. The interval is set to that same value,
 * so nothing changes but the log; an interval given on the command line is kept.
 */
final class FlinkWatermarks {
  private FlinkWatermarks() {}

  /** The least interval Beam's readers use, ms. */
  static final long MIN_INTERVAL_MILLIS = 10;

  static void configure(DatalakeOptions options, boolean streaming) {
    if (!streaming || !FlinkRunner.class.equals(options.getRunner())) {
      return;
    }
    FlinkPipelineOptions flink = options.as(FlinkPipelineOptions.class);
    if (flink.getAutoWatermarkInterval() == null) {
      flink.setAutoWatermarkInterval(
          Math.max(MIN_INTERVAL_MILLIS, flink.getMaxBundleTimeMills() / 5));
    }
  }
}
