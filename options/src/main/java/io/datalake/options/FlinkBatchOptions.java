package io.datalake.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/** How a batch runs on the FlinkRunner: which of Flink's APIs Beam translates the graph to. */
public interface FlinkBatchOptions extends PipelineOptions {
  /** Flink's two APIs a Beam batch can run on. */
  enum FlinkBatchTranslation {
    datastream,
    dataset
  }

  @Description(
      "Flink API a batch runs on (FlinkRunner; streams always run on the DataStream API)."
          + " datastream: the DataStream API in batch mode (Beam's --useDataStreamForBatch); the"
          + " steps from a parsed record to its Parquet file run chained in one thread and hand"
          + " rows on as objects, and the embedded cluster schedules every task at once"
          + " (jobmanager.scheduler: Default, unless the Flink configuration sets it). dataset:"
          + " the DataSet API (Beam's own default), which encodes and decodes a row again for each"
          + " step with several outputs or readers, and parsed the whole input before writing any"
          + " of it; about a fifth slower in the benchmark, kept to compare with. Always dataset for a batch"
          + " to the Iceberg lake (its commits need stable input, which Beam's DataStream"
          + " translation gives only with checkpoints).")
  @Default.Enum("datastream")
  FlinkBatchTranslation getFlinkBatchTranslation();

  void setFlinkBatchTranslation(FlinkBatchTranslation value);
}
