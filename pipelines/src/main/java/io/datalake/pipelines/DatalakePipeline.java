package io.datalake.pipelines;

import io.datalake.options.DatalakeOptions;
import io.datalake.options.SourceOptions;
import io.datalake.transforms.DatalakeGraph;
import io.datalake.transforms.io.ReadJsonLines;
import io.datalake.transforms.model.SourceRecord;
import io.datalake.transforms.parse.DroppedFields;
import io.datalake.transforms.pii.PiiKeyset;
import io.datalake.transforms.pii.PiiPolicy;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.values.PCollection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The datalake pipeline: reads records (files in batch), turns them into typed, PII-encrypted,
 * event-time partitioned Parquet tables, and routes whatever it cannot handle to dead letters. A
 * batch run ends with a summary read back from what it wrote.
 */
public final class DatalakePipeline {
  private static final Logger LOG = LoggerFactory.getLogger(DatalakePipeline.class);

  private DatalakePipeline() {}

  public static void main(String[] args) {
    PipelineOptionsFactory.register(DatalakeOptions.class);
    DatalakeOptions options =
        PipelineOptionsFactory.fromArgs(args).withValidation().as(DatalakeOptions.class);
    run(options);
  }

  /**
   * Builds and runs the pipeline. A batch run waits for the end and prints its summary, and fails
   * when the summary does not account for every input record.
   */
  public static PipelineResult run(DatalakeOptions options) {
    RunPlan plan = RunPlan.of(options);
    LOG.info(
        "datalake: source={} input={} lake={} runId={} runner={} piiKeyset={}",
        options.getSource(),
        options.getInput(),
        plan.lake(),
        plan.runId(),
        options.getRunner().getSimpleName(),
        plan.keyset());
    if (plan.keyset().isDevelopment()) {
      LOG.warn("datalake: using the PUBLIC development PII keyset: for local trials only, never for real data");
    }
    Pipeline pipeline = Pipeline.create(options);
    PCollection<SourceRecord> records =
        pipeline.apply("ReadJsonLines", new ReadJsonLines(options.getInput(), options.getMaxRecordBytes()));
    records.apply(
        "Datalake",
        DatalakeGraph.builder()
            .keyset(plan.keyset())
            .policy(PiiPolicy.load(options.getPiiPolicy()))
            .droppedFields(DroppedFields.parse(options.getDropFields()))
            .lake(plan.lake())
            .runId(plan.runId())
            .hourlyPartitions(options.getPartitionByHour())
            .shardsPerPartition(options.getShardsPerPartition())
            .parquetCompression(options.getParquetCompression())
            .warehouse(plan.warehouse())
            .build());
    PipelineResult result = pipeline.run();
    if (options.getSource() == SourceOptions.Source.files) {
      PipelineResult.State state = result.waitUntilFinish();
      if (state != PipelineResult.State.DONE) {
        throw new IllegalStateException("The batch run ended " + state);
      }
      BatchSummary summary = BatchSummary.read(result, plan.lake(), plan.runId(), options.getPartitionByHour(), plan.warehouse());
      System.out.println(summary.render());
      if (!summary.balanced()) {
        throw new IllegalStateException(
            "The run does not account for every record (lake, dead letters and ClickHouse): see the summary above");
      }
    }
    return result;
  }
}
