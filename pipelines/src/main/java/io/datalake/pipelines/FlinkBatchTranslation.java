package io.datalake.pipelines;

import io.datalake.options.DatalakeOptions;
import io.datalake.options.FlinkBatchOptions;
import io.datalake.options.LakeFormatOptions;
import java.util.List;
import java.util.Map;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.runners.flink.translation.wrappers.streaming.io.source.FlinkSource;
import org.apache.beam.sdk.options.PipelineOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which Flink API a batch runs on ({@code --flinkBatchTranslation}). Beam translates a batch to
 * Flink's DataSet API unless told otherwise. There, a step is chained to the one before it only
 * when that one has a single reader and a single output, so every parsed row was encoded and
 * decoded once for the lake writer's input, once more for the freshness figures and once more for a
 * union with the dead letters; and Flink's optimizer, to keep the branches that meet again at the
 * dead letters from deadlocking, made the parse step's output blocking: the whole input was parsed
 * (and spilled) before the first row was written. The DataStream API in batch mode chains the parse
 * step to the lake writer and to the freshness figures (side outputs chain too), so a row goes from
 * its record to its Parquet file in one thread, as an object: 500,000 records went from 7,930 to
 * 9,800 records/s in the benchmark's profiles.
 *
 * <p>A batch to the Iceberg lake stays on the DataSet API: its commit step is
 * {@code @RequiresStableInput}, which Beam's DataStream translation accepts only with checkpoints.
 *
 * <p>Beam 2.70's DataStream translation makes every {@code Impulse} a {@code
 * FlinkSource.boundedImpulse()} carrying default options, and deserializing options registers them
 * as the JVM's file systems' settings ({@code SerializablePipelineOptions.readObject}): whichever
 * task opened last won, and a batch to S3Proxy lost --awsRegion and --endpoint (LakeBatchIT). This
 * module's copy of {@code FlinkSource} lets the launcher hand the run's options to the impulses
 * ({@code FlinkSource.useOptionsForImpulses}); where Beam's own class is found instead, a batch
 * that is not on local files stays on the DataSet API.
 *
 * <p>On the embedded cluster the DataStream translation also needs {@code jobmanager.scheduler:
 * Default}: Flink 1.19 gives a batch job the adaptive batch scheduler, whose job graph leaves the
 * parallelism open, so the embedded cluster sized itself to one slot and ran the two halves of the
 * parse step one after the other. A Flink configuration that sets the scheduler is kept; a cluster
 * schedules with its own configuration.
 */
final class FlinkBatchTranslation {
  private static final Logger LOG = LoggerFactory.getLogger(FlinkBatchTranslation.class);

  static final String SCHEDULER = "jobmanager.scheduler";

  private FlinkBatchTranslation() {}

  /**
   * Whether {@code FlinkSource} is this module's copy, which hands the run's options to the bounded
   * impulses; false when Beam's own class came first on the class path.
   */
  static final boolean IMPULSES_TAKE_RUN_OPTIONS = impulsesTakeRunOptions();

  private static boolean impulsesTakeRunOptions() {
    try {
      FlinkSource.class.getMethod("useOptionsForImpulses", PipelineOptions.class);
      return true;
    } catch (NoSuchMethodException beamsOwnClass) {
      return false;
    }
  }

  /**
   * The options the bounded impulses of the next translation carry: this run's for a DataStream
   * batch, Beam's defaults (null) otherwise, so that a later run in the same JVM (the tests run
   * many) never carries an earlier run's.
   */
  private static void impulsesCarry(PipelineOptions options) {
    if (IMPULSES_TAKE_RUN_OPTIONS) {
      FlinkSource.useOptionsForImpulses(options);
    }
  }

  /** Whether the lake and the input are plain paths or file:// URIs (unset: nothing to read). */
  static boolean onLocalFiles(DatalakeOptions options) {
    return local(options.getLake()) && local(options.getInput());
  }

  private static boolean local(String path) {
    return path == null || FlinkCheckpoints.asUri(path).startsWith("file:");
  }

  /** Why this batch stays on the DataSet API, or null when it may run on the DataStream API. */
  private static String dataSetReason(DatalakeOptions options) {
    if (options.getFlinkBatchTranslation() == FlinkBatchOptions.FlinkBatchTranslation.dataset) {
      return "--flinkBatchTranslation=dataset";
    }
    if (options.getLakeFormat() == LakeFormatOptions.LakeFormat.iceberg) {
      // The Iceberg commit step is @RequiresStableInput, which Beam's DataStream translation
      // accepts only with checkpoints, and a batch has none.
      return "the Iceberg lake's commits need stable input, which Beam's DataStream translation"
          + " of a batch does not give";
    }
    if (!IMPULSES_TAKE_RUN_OPTIONS && !onLocalFiles(options)) {
      return "the lake or the input is not on local files, and Beam's own FlinkSource (found"
          + " instead of datalake's copy) gives some workers the default file-system settings (no"
          + " --awsRegion, no --endpoint) instead of the run's";
    }
    return null;
  }

  static void configure(DatalakeOptions options, boolean streaming) {
    if (streaming || !FlinkRunner.class.equals(options.getRunner())) {
      impulsesCarry(null);
      return;
    }
    FlinkPipelineOptions flink = options.as(FlinkPipelineOptions.class);
    // Beam's own switch, given on the command line, is taken as asked.
    String reason = flink.getUseDataStreamForBatch() ? null : dataSetReason(options);
    if (reason != null) {
      impulsesCarry(null);
      LOG.info("datalake: batch on Flink's DataSet API: {}", reason);
      return;
    }
    flink.setUseDataStreamForBatch(true);
    impulsesCarry(options);
    List<String> added =
        FlinkCheckpoints.embedded(flink)
            ? FlinkRunConfiguration.addDefaults(flink, Map.of(SCHEDULER, "Default"))
            : List.of();
    LOG.info(
        "datalake: batch on Flink's DataStream API{} (--flinkBatchTranslation=dataset for the DataSet"
            + " API)",
        added.isEmpty() ? "" : ", every task scheduled at once (" + SCHEDULER + ": Default)");
  }
}
