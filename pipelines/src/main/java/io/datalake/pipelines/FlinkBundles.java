package io.datalake.pipelines;

import io.datalake.options.DatalakeOptions;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The size of a streaming job's bundles on the FlinkRunner. ClickHouseIO inserts what one bundle
 * gave it, so Flink's default bundle of 1,000 elements cut every batch of --clickhouseBatchRows
 * (5,000) rows into five inserts, each a new part for ClickHouse to merge. With bundles at least as
 * large as a batch, a batch reaches ClickHouse in one insert (two when a bundle begins inside
 * another batch). Bundles still end after --maxBundleTimeMills (1 s) and at every checkpoint, so
 * latency and the checkpoint's guarantees do not change; a bundle's rows are held by ClickHouseIO
 * only up to one batch. Only Beam's default of 1,000 is raised: a size given on the command line
 * other than 1,000 is kept.
 */
final class FlinkBundles {
  private static final Logger LOG = LoggerFactory.getLogger(FlinkBundles.class);

  /** FlinkPipelineOptions' default --maxBundleSize in streaming (5,000 in batch). */
  static final long BEAM_DEFAULT_SIZE = 1000L;

  private FlinkBundles() {}

  static void configure(DatalakeOptions options, boolean streaming) {
    if (!streaming || !FlinkRunner.class.equals(options.getRunner())) {
      return;
    }
    FlinkPipelineOptions flink = options.as(FlinkPipelineOptions.class);
    Integer batchRows = options.getClickhouseBatchRows();
    if (options.getClickhouseUrl() == null
        || options.getClickhouseUrl().isBlank()
        || batchRows == null
        || flink.getMaxBundleSize() == null
        || flink.getMaxBundleSize() != BEAM_DEFAULT_SIZE
        || batchRows <= BEAM_DEFAULT_SIZE) {
      return;
    }
    flink.setMaxBundleSize((long) batchRows);
    LOG.info(
        "datalake: Flink bundles of up to {} elements (--clickhouseBatchRows), so that one batch is"
            + " one ClickHouse insert (Beam's default is {}; --maxBundleSize sets it)",
        batchRows,
        BEAM_DEFAULT_SIZE);
  }
}
