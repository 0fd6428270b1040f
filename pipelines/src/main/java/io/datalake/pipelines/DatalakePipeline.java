package io.datalake.pipelines;

import io.datalake.options.DatalakeOptions;
import io.datalake.options.SourceOptions;
import io.datalake.transforms.DatalakeGraph;
import io.datalake.transforms.io.ReadJsonLines;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.lake.iceberg.IcebergLakeTables;
import io.datalake.transforms.lake.iceberg.IcebergSnapshotExpiry;
import io.datalake.transforms.metrics.MetricsEndpoint;
import io.datalake.transforms.model.SourceRecord;
import io.datalake.transforms.stream.KafkaTopology;
import io.datalake.transforms.stream.ReadKafkaTopics;
import io.datalake.transforms.warehouse.ClickHouseWarehouseIO;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.values.PCollection;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
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
    // Every option is checked before anything is contacted or changed: a bad option fails here,
    // before a Kafka connection, an input listing or a ClickHouse table.
    RunPlan plan = PreRunSteps.step("ValidateOptions", () -> RunPlan.of(options));
    boolean streaming = options.getSource() == SourceOptions.Source.kafka;
    if (streaming) {
      PreRunSteps.step("CheckKafkaTopics", () -> PreRunSteps.checkKafkaTopics(options));
    } else {
      // Also fails when there is no input at all, --runId or not.
      String digest =
          PreRunSteps.step("HashInput", () -> PreRunSteps.hashInput(options.getInput()));
      if (plan.runId() == null) {
        plan = plan.withRunId(digest);
      }
    }
    // Before anything is prepared: a lake that cannot be written (S3 down, its keys refused) ends
    // the run here, not after half a minute of work, with the reason deep in a stack trace.
    String lake = plan.lake();
    PreRunSteps.step("CheckLake", () -> PreRunSteps.checkLake(lake));
    if (plan.warehouse() != null) {
      ClickHouseWarehouseIO.Write unprepared = plan.warehouse().withRunId(plan.runId());
      plan =
          plan.withWarehouse(
              PreRunSteps.step("PrepareWarehouse", () -> PreRunSteps.prepareWarehouse(unprepared)));
    }
    if (plan.iceberg() != null) {
      // The lake's counterpart of PrepareWarehouse: tables created or given their new columns, or
      // the run refused with the difference, before anything is written.
      RunPlan prepared = plan;
      IcebergSnapshotExpiry.checkKeepDays(options.getIcebergKeepSnapshotsDays());
      PreRunSteps.step(
          "PrepareLakeTables",
          () ->
              IcebergLakeTables.prepare(
                  prepared.iceberg(),
                  RecordKinds.builtIn(),
                  options.getPartitionByHour(),
                  options.getParquetCompression()));
    }
    LOG.info(
        "datalake: source={} input={} lake={} runId={} runner={} piiKeyset={}",
        options.getSource(),
        options.getInput(),
        plan.lake(),
        plan.runId(),
        options.getRunner().getSimpleName(),
        plan.keyset());
    if (plan.keyset().isDevelopment()) {
      LOG.warn(
          "datalake: using the PUBLIC development PII keyset: for local trials only, never for real data");
    }
    if (streaming) {
      options.setStreaming(true);
    }
    MetricsEndpoint metrics = RunMetrics.start(options, streaming);
    // The partitions to read are settled before the graph: a restored checkpoint keeps reading the
    // ones it had, and partitions added since get a source of their own.
    KafkaTopology kafkaNow = streaming ? kafkaNow(options) : null;
    // Before FlinkCheckpoints: a resume copies this configuration and adds the restore path to it.
    FlinkOutages.configure(options, streaming);
    FlinkTempFiles.configure(options);
    FlinkBundles.configure(options, streaming);
    FlinkWatermarks.configure(options, streaming);
    FlinkBatchTranslation.configure(options, streaming);
    RunMetrics.configureFlinkReporter(options);
    KafkaTopology topology =
        FlinkCheckpoints.configure(
            options,
            streaming,
            kafkaNow,
            recreated -> dropCommittedOffsets(options, kafkaNow, recreated));
    S3Uploads.configure(options);
    RunRecord record =
        RunRecord.of(options, plan.lake(), plan.runId(), streaming, plan.warehouse());
    // This JVM waits on a batch to its end, and on a stream that runs in it (the DirectRunner,
    // the embedded Flink cluster); a stream handed to a cluster or Dataflow runs on without it.
    record.started(!streaming || FlinkCheckpoints.stepsRunInThisJvm(options));
    Pipeline pipeline;
    try {
      pipeline = graph(options, plan, streaming, topology);
    } catch (RuntimeException | Error e) {
      // The record says running: a graph that cannot be built ends the run it started.
      record.ended(false, null);
      if (metrics != null) {
        metrics.close();
      }
      throw e;
    }
    if (!streaming) {
      PipelineResult result;
      try (MetricsEndpoint endpoint = metrics) {
        result = runBatch(pipeline, plan, options, record);
      }
      if (plan.iceberg() != null) {
        // After the commits and the summary (which reads this run's snapshots): the history the
        // lake keeps, and the files only expired snapshots referenced.
        IcebergSnapshotExpiry.afterRun(
            plan.iceberg(), options.getIcebergKeepSnapshotsDays(), java.time.Instant.now());
      }
      return result;
    }
    PipelineResult result = runStream(pipeline, options, record);
    if (metrics != null) {
      metrics.watchingJob(() -> result.getState() == PipelineResult.State.RUNNING);
    }
    return result;
  }

  /** The run's graph: the source of {@code --source}, then {@link DatalakeGraph}. */
  private static Pipeline graph(
      DatalakeOptions options, RunPlan plan, boolean streaming, @Nullable KafkaTopology topology) {
    Pipeline pipeline = Pipeline.create(options);
    PCollection<SourceRecord> records =
        streaming
            ? pipeline.apply(
                "ReadKafkaTopics",
                ReadKafkaTopics.from(options.getBootstrapServers())
                    .withConsumerGroup(options.getConsumerGroup())
                    .withTopics(ReadKafkaTopics.topics(options.getTopics()))
                    .withConsumerProperties(KafkaClientProperties.of(options))
                    .withMaxOutOfOrderness(
                        Duration.standardSeconds(options.getMaxOutOfOrdernessSeconds()))
                    .withReadAhead(Duration.standardSeconds(options.getKafkaReadAheadSeconds()))
                    .withMaxRecordBytes(options.getMaxRecordBytes())
                    .withTopology(
                        topology, Duration.standardSeconds(options.getTopologyCheckSeconds())))
            : pipeline.apply(
                "ReadJsonLines",
                ReadJsonLines.from(options.getInput())
                    .withMaxRecordBytes(options.getMaxRecordBytes()));
    DatalakeGraph graph =
        DatalakeGraph.of(plan.keyset(), plan.policy(), plan.lake(), plan.runId())
            .withDroppedFields(plan.droppedFields())
            .withHourlyPartitions(options.getPartitionByHour())
            .withShardsPerPartition(options.getShardsPerPartition())
            .withBatchFilesPerWorker(options.getBatchFilesPerWorker())
            .withParquetCompression(options.getParquetCompression())
            .withWarehouse(plan.warehouse())
            .withMaxFuture(Duration.standardSeconds(options.getMaxFutureSeconds()))
            .withProgressEvery(options.getProgressSeconds())
            .withSnapshots(options.getSnapshots())
            .withIcebergLake(plan.iceberg())
            .withIcebergCommitInterval(
                Duration.standardSeconds(options.getIcebergCommitIntervalSeconds()))
            .withIcebergKeepSnapshotsDays(options.getIcebergKeepSnapshotsDays());
    if (streaming) {
      graph =
          graph.withEventTimeWindows(
              Duration.standardSeconds(options.getWindowSeconds()),
              Duration.standardSeconds(options.getAllowedLatenessSeconds()),
              Duration.standardSeconds(options.getMaxOutOfOrdernessSeconds()));
    }
    records.apply("Datalake", graph);
    return pipeline;
  }

  /**
   * Starts a stream and records its end where this JVM can see it: a job that has ended by the time
   * the runner returns (the DirectRunner blocks until then) writes {@code succeeded} or {@code
   * failed}; a job that runs in this JVM (the DirectRunner, the embedded Flink cluster) and is
   * stopped with it (SIGTERM, Ctrl-C) writes how it stood then, {@code stopped} if it was still
   * running. A job handed to a cluster or to Dataflow runs on after this JVM exits: its record
   * stays {@code running}, as does one of a JVM killed with SIGKILL.
   */
  private static PipelineResult runStream(
      Pipeline pipeline, DatalakeOptions options, RunRecord record) {
    boolean inThisJvm = FlinkCheckpoints.stepsRunInThisJvm(options);
    AtomicReference<PipelineResult> started = new AtomicReference<>();
    Thread onExit =
        new Thread(
            () -> record.endedWith(started.get() == null ? null : RunRecord.stateOf(started.get())),
            "datalake-run-record");
    if (inThisJvm) {
      Runtime.getRuntime().addShutdownHook(onExit);
    }
    PipelineResult result;
    try {
      result = pipeline.run();
    } catch (RuntimeException | Error e) {
      if (inThisJvm) {
        removeShutdownHook(onExit);
      }
      record.ended(false, null);
      throw e;
    }
    started.set(result);
    record.watching(result);
    PipelineResult.State state = RunRecord.stateOf(result);
    if (state != null && state.isTerminal()) {
      if (inThisJvm) {
        removeShutdownHook(onExit);
      }
      record.endedWith(state);
    }
    return result;
  }

  /**
   * Removes a hook, unless the JVM is already stopping (it then runs, and ends the record once).
   */
  private static void removeShutdownHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException stopping) {
      // The hook runs; the record's end is written once whoever comes first.
    }
  }

  /**
   * Runs a batch pipeline to its end, records its end in the run record, prints its summary, and
   * fails when it does not balance. A JVM stopped before (SIGTERM, Ctrl-C) records {@code stopped}.
   */
  private static PipelineResult runBatch(
      Pipeline pipeline, RunPlan plan, DatalakeOptions options, RunRecord record) {
    Thread onExit = new Thread(record::stoppedWithItsJvm, "datalake-run-record");
    Runtime.getRuntime().addShutdownHook(onExit);
    try {
      return runBatchToItsEnd(pipeline, plan, options, record);
    } finally {
      removeShutdownHook(onExit);
    }
  }

  private static PipelineResult runBatchToItsEnd(
      Pipeline pipeline, RunPlan plan, DatalakeOptions options, RunRecord record) {
    PipelineResult result;
    BatchSummary summary;
    try {
      result = BatchFailure.runToCompletion(pipeline, plan.warehouse(), "The batch run");
      summary =
          BatchSummary.read(
              result,
              plan.lake(),
              plan.runId(),
              options.getPartitionByHour(),
              plan.warehouse(),
              plan.iceberg());
    } catch (RuntimeException | Error e) {
      record.ended(false, null);
      throw e;
    }
    record.ended(summary.balanced(), RunRecord.counts(summary, RecordKinds.builtIn()));
    LakeTempFolders.removeEmpty(plan.lake());
    System.out.println(summary.render());
    if (!summary.balanced()) {
      throw new IllegalStateException(
          "The run does not account for every record (lake, dead letters and ClickHouse): see the summary above");
    }
    return result;
  }

  private static void dropCommittedOffsets(
      DatalakeOptions options, KafkaTopology kafkaNow, List<String> topics) {
    List<String> problems =
        KafkaTopology.dropCommittedOffsets(
            options.getBootstrapServers(),
            new java.util.HashMap<>(KafkaClientProperties.of(options)),
            options.getConsumerGroup(),
            kafkaNow,
            topics);
    if (problems.isEmpty()) {
      LOG.info(
          "datalake: dropped consumer group {}'s committed offsets of {}: read from their start",
          options.getConsumerGroup(),
          topics);
    } else {
      LOG.warn(
          "datalake: could not drop consumer group {}'s committed offsets of {} ({}); with none, they are read from their start",
          options.getConsumerGroup(),
          topics,
          String.join("; ", problems));
    }
  }

  /** The ids and partitions of the job's topics, as Kafka has them now. */
  private static KafkaTopology kafkaNow(DatalakeOptions options) {
    return KafkaTopology.describe(
        options.getBootstrapServers(),
        new java.util.HashMap<>(KafkaClientProperties.of(options)),
        ReadKafkaTopics.topics(options.getTopics()).values());
  }
}
