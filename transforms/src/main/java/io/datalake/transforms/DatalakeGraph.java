package io.datalake.transforms;

import io.datalake.transforms.io.WriteDeadLetters;
import io.datalake.transforms.io.WriteLakeTables;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.model.DeadLetter;
import io.datalake.transforms.model.LakeRow;
import io.datalake.transforms.model.SourceRecord;
import io.datalake.transforms.parse.DroppedFields;
import io.datalake.transforms.parse.ParseRecords;
import io.datalake.transforms.pii.PiiKeyset;
import io.datalake.transforms.pii.PiiPolicy;
import io.datalake.transforms.stream.EventTimeWindowing;
import io.datalake.transforms.stream.LateRowPanes;
import io.datalake.transforms.stream.RouteLateRows;
import io.datalake.transforms.warehouse.WriteWarehouse;
import java.util.Objects;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.windowing.AfterProcessingTime;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Repeatedly;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.joda.time.Duration;

/**
 * The one graph, whatever the source: parse, type and encrypt each record, write the rows to the
 * lake by event-time partition, and the rejects to dead letters. Batch and streaming differ only in
 * the source applied before it.
 */
public class DatalakeGraph extends PTransform<PCollection<SourceRecord>, PCollectionTuple> {
  private final Builder config;

  private DatalakeGraph(Builder config) {
    this.config = config;
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public PCollectionTuple expand(PCollection<SourceRecord> records) {
    PCollectionTuple parsed =
        records.apply(
            "ParseTypeAndEncrypt",
            new ParseRecords(config.keyset, config.policy, config.droppedFields)
                .withProgressEvery(config.progressSeconds)
                .withMaxFuture(config.maxFuture)
                .withKinds(config.kinds));
    PCollection<LakeRow> rows = parsed.get(ParseRecords.ROWS);
    PCollection<DeadLetter> deadLetters = parsed.get(ParseRecords.DEAD_LETTERS);
    WriteLakeTables lake =
        new WriteLakeTables(
                config.lake,
                config.runId,
                config.hourlyPartitions,
                config.shardsPerPartition,
                config.parquetCompression)
            .withKinds(config.kinds);
    // The lake is windowed by event time (windows finish its files); the warehouse is not: its
    // versioned tables need no windows, and rows in the global window can never expire.
    if (config.window == null) {
      rows.apply("WriteLake", lake);
    } else {
      PCollectionTuple routed =
          rows.apply(
              "RouteLateRows",
              new RouteLateRows(config.window, config.allowedLateness, config.maxOutOfOrderness)
                  .withKinds(config.kinds));
      routed
          .get(RouteLateRows.ON_TIME)
          .apply("EventTimeWindows", new EventTimeWindowing(config.window, config.allowedLateness))
          .apply("WriteLake", lake);
      // Rows beyond the allowed lateness wait for no watermark: written within the late delay.
      routed
          .get(RouteLateRows.TOO_LATE)
          .apply("LateRowPanes", new LateRowPanes(config.window))
          .apply("WriteLateRows", lake.forBranch("late"));
      if (config.warehouse != null) {
        // ClickHouse takes both, unwindowed: the late flag is a column there too.
        rows =
            PCollectionList.of(routed.get(RouteLateRows.ON_TIME))
                .and(routed.get(RouteLateRows.TOO_LATE))
                .apply("OnTimeAndLateRows", Flatten.pCollections());
      }
    }
    deadLetters = deadLetterPanes("ParseDeadLetterPanes", deadLetters);
    if (config.warehouse != null) {
      PCollection<DeadLetter> rejected =
          deadLetterPanes(
              "WarehouseDeadLetterPanes",
              rows.apply("WriteWarehouse", new WriteWarehouse(config.warehouse)));
      deadLetters =
          PCollectionList.of(deadLetters)
              .and(rejected)
              .apply("AllDeadLetters", Flatten.pCollections());
      deadLetters.apply("WarehouseDeadLetters", WriteWarehouse.deadLetters(config.warehouse));
    }
    deadLetters.apply("WriteDeadLetters", new WriteDeadLetters(config.lake, config.runId));
    return parsed;
  }

  /**
   * Streaming: dead letters have no event time to trust, so they go to a global window that never
   * expires, fired by processing time: none is ever dropped. Batch: unchanged.
   */
  private PCollection<DeadLetter> deadLetterPanes(String name, PCollection<DeadLetter> letters) {
    if (config.window == null) {
      return letters;
    }
    return letters.apply(
        name,
        Window.<DeadLetter>into(new GlobalWindows())
            .triggering(
                Repeatedly.forever(
                    AfterProcessingTime.pastFirstElementInPane().plusDelayOf(config.window)))
            .discardingFiredPanes());
  }

  /** The graph's settings. */
  public static final class Builder implements java.io.Serializable {
    private PiiKeyset keyset;
    private PiiPolicy policy;
    private DroppedFields droppedFields = DroppedFields.parse("");
    private String lake;
    private String runId;
    private boolean hourlyPartitions;
    private int shardsPerPartition = 1;
    private String parquetCompression = "SNAPPY";
    private WriteWarehouse.Config warehouse;
    private Duration window;
    private Duration allowedLateness;
    private Duration maxOutOfOrderness;
    private Duration maxFuture = ParseRecords.DEFAULT_MAX_FUTURE;
    private int progressSeconds;
    private RecordKinds kinds = RecordKinds.builtIn();

    /** The kinds of record the input holds; the built-in ones unless set. */
    public Builder kinds(RecordKinds value) {
      kinds = Objects.requireNonNull(value);
      return this;
    }

    /**
     * Streaming: fixed event-time windows that finish files, the lateness they accept, and the
     * source's out-of-orderness. Unset (batch), everything is one global window.
     */
    public Builder eventTimeWindows(
        Duration window, Duration allowedLateness, Duration maxOutOfOrderness) {
      this.window = window;
      this.allowedLateness = allowedLateness;
      this.maxOutOfOrderness = maxOutOfOrderness;
      return this;
    }

    /**
     * How far ahead of the clock an event time may be; a record dated further ahead is a dead
     * letter. One day unless set.
     */
    public Builder maxFuture(Duration value) {
      maxFuture = value;
      return this;
    }

    /** Also write to the ClickHouse warehouse; null (the default) leaves that branch off. */
    public Builder warehouse(WriteWarehouse.Config value) {
      warehouse = value;
      return this;
    }

    /** Seconds between each worker's progress lines; 0 (the default): none. */
    public Builder progressSeconds(int value) {
      progressSeconds = value;
      return this;
    }

    public Builder keyset(PiiKeyset value) {
      keyset = value;
      return this;
    }

    public Builder policy(PiiPolicy value) {
      policy = value;
      return this;
    }

    public Builder droppedFields(DroppedFields value) {
      droppedFields = value;
      return this;
    }

    public Builder lake(String value) {
      lake = value;
      return this;
    }

    public Builder runId(String value) {
      runId = value;
      return this;
    }

    public Builder hourlyPartitions(boolean value) {
      hourlyPartitions = value;
      return this;
    }

    public Builder shardsPerPartition(int value) {
      shardsPerPartition = value;
      return this;
    }

    public Builder parquetCompression(String value) {
      parquetCompression = value;
      return this;
    }

    public DatalakeGraph build() {
      Objects.requireNonNull(keyset, "keyset");
      Objects.requireNonNull(policy, "policy");
      Objects.requireNonNull(lake, "lake");
      Objects.requireNonNull(runId, "runId");
      return new DatalakeGraph(this);
    }
  }
}
