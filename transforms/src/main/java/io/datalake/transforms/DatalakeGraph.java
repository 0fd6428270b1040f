package io.datalake.transforms;

import io.datalake.transforms.freshness.WriteFreshness;
import io.datalake.transforms.io.WriteDeadLetters;
import io.datalake.transforms.io.WriteLakeTables;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.lake.iceberg.IcebergCatalogConfig;
import io.datalake.transforms.lake.iceberg.IcebergStreamingCommits;
import io.datalake.transforms.lake.iceberg.WriteIcebergTables;
import io.datalake.transforms.model.DeadLetter;
import io.datalake.transforms.model.LakeRow;
import io.datalake.transforms.model.SourceRecord;
import io.datalake.transforms.parse.DroppedFields;
import io.datalake.transforms.parse.ParseRecords;
import io.datalake.transforms.pii.PiiKeyset;
import io.datalake.transforms.pii.PiiPolicy;
import io.datalake.transforms.snapshot.SnapshotEntities;
import io.datalake.transforms.snapshot.SnapshotRows;
import io.datalake.transforms.snapshot.StreamEntitySnapshots;
import io.datalake.transforms.stream.EventTimeWindowing;
import io.datalake.transforms.stream.LateRowPanes;
import io.datalake.transforms.stream.RouteLateRows;
import io.datalake.transforms.warehouse.ClickHouseWarehouseIO;
import java.io.Serializable;
import java.util.Objects;
import java.util.function.Consumer;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.display.DisplayData;
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
 * lake by event-time partition, and the rejects of every step to dead letters. Batch and streaming
 * differ only in the source applied before it and in {@link #withEventTimeWindows}.
 *
 * <p>Configured like Beam's IOs: {@link #of} takes what is required, each {@code withX} returns a
 * changed copy, and the defaults are the constants of the transforms it is made of.
 */
public class DatalakeGraph extends PTransform<PCollection<SourceRecord>, PCollectionTuple> {
  /** Seconds between each instance's progress lines unless told otherwise: 0, none. */
  public static final int DEFAULT_PROGRESS_SECONDS = 0;

  /** No monthly snapshots unless told otherwise. */
  public static final boolean DEFAULT_SNAPSHOTS = false;

  /** Seconds between a stream's commits to the Iceberg tables. */
  public static final int DEFAULT_ICEBERG_COMMIT_INTERVAL_SECONDS = 60;

  /** The lake branch ({@link WriteLakeTables#withBranch}) of the snapshot rows' files. */
  public static final String SNAPSHOT_BRANCH = "snapshot";

  private final Settings settings;

  /**
   * Encrypts PII with {@code keyset} as {@code policy} says, into {@code lake} as run {@code
   * runId}.
   */
  public static DatalakeGraph of(PiiKeyset keyset, PiiPolicy policy, String lake, String runId) {
    Settings settings = new Settings();
    settings.parse = ParseRecords.of(keyset, policy);
    settings.lake = WriteLakeTables.to(lake, runId).withDeadLetterKeyset(keyset);
    settings.deadLetters = WriteDeadLetters.to(lake, runId);
    settings.lakeRoot = lake;
    settings.runId = runId;
    settings.keyset = keyset;
    return new DatalakeGraph(settings);
  }

  private DatalakeGraph(Settings settings) {
    this.settings = settings;
  }

  @Override
  public PCollectionTuple expand(PCollection<SourceRecord> records) {
    Settings s = settings;
    PCollectionTuple parsed =
        records.apply("ParseTypeAndEncrypt", s.parse.withProgressEvery(s.progressSeconds));
    PCollection<LakeRow> rows = parsed.get(ParseRecords.ROWS);
    PCollectionList<DeadLetter> letters =
        PCollectionList.of(panes("ParseDeadLetterPanes", parsed.get(ParseRecords.DEAD_LETTERS)));
    PCollection<LakeRow> snapshots =
        s.snapshots ? rows.apply("MonthlySnapshots", snapshots()) : null;
    if (s.window == null) {
      letters = letters.and(rows.apply("WriteLake", lakeWriter(null)));
      rows.apply("WriteFreshness", WriteFreshness.to(s.lakeRoot, s.runId));
    } else {
      // The lake is windowed by event time (windows finish its files); too-late rows wait for no
      // watermark. The warehouse is not windowed: it takes both, the late flag is a column there.
      PCollectionTuple routed = rows.apply("RouteLateRows", routeLateRows());
      letters = letters.and(writeStreamingLake(routed).getAll());
      rows = routed.get(RouteLateRows.ALL);
      rows.apply("WriteFreshness", WriteFreshness.to(s.lakeRoot, s.runId));
    }
    if (snapshots != null) {
      // Files of their own (part-<runId>-snapshot-...), beside the operations of day 01. In a
      // stream they come when the watermark has long passed their partition's window: they are
      // written in panes of the clock, like too-late rows, but they are not late.
      PCollection<LakeRow> panes =
          s.window == null
              ? snapshots
              : snapshots.apply("SnapshotPanes", LateRowPanes.of(s.window));
      letters =
          letters.and(
              panes(
                  "SnapshotDeadLetterPanes",
                  panes.apply("WriteSnapshots", lakeWriter(SNAPSHOT_BRANCH))));
      if (s.warehouse != null) {
        rows =
            PCollectionList.of(rows)
                .and(snapshots)
                .apply("OperationsAndSnapshots", Flatten.pCollections());
      }
    }
    if (s.warehouse != null) {
      PCollection<DeadLetter> rejected = rows.apply("WriteWarehouse", s.warehouse);
      letters = letters.and(panes("WarehouseDeadLetterPanes", rejected));
    }
    PCollection<DeadLetter> all = letters.apply("AllDeadLetters", Flatten.pCollections());
    if (s.warehouse != null) {
      all.apply("WarehouseDeadLetters", s.warehouse.deadLetters());
    }
    all.apply("WriteDeadLetters", s.deadLetters);
    return parsed;
  }

  /**
   * The lake step of the chosen format ({@link #withIcebergLake}): Parquet folders, or Iceberg
   * tables; the same rows in, the same dead letters out. {@code branch}: a second writer of the run
   * (null for the main rows).
   */
  private PTransform<PCollection<LakeRow>, PCollection<DeadLetter>> lakeWriter(String branch) {
    Settings s = settings;
    // A batch's snapshot months replace those of ./datalake snapshot (the later writer's stay). A
    // stream writes a month in many panes: replacing at the first would leave part of it.
    boolean replacesCommandSnapshots = SNAPSHOT_BRANCH.equals(branch) && s.window == null;
    if (s.iceberg == null) {
      if (branch == null) {
        return s.lake;
      }
      return replacesCommandSnapshots
          ? s.lake.withBranch(branch).withReplacedFiles(SnapshotRows.COMMAND_FILE_NAMES)
          : s.lake.withBranch(branch);
    }
    WriteIcebergTables iceberg =
        WriteIcebergTables.to(s.iceberg, s.runId)
            .withHourlyPartitions(s.hourly)
            .withCompression(s.compression)
            .withKinds(s.kinds)
            .withDeadLetterKeyset(s.keyset);
    iceberg = branch == null ? iceberg : iceberg.withBranch(branch);
    if (replacesCommandSnapshots) {
      iceberg = iceberg.withSnapshotMonthsOverwrite();
    }
    // A stream commits every interval, exactly once at Flink checkpoints; a batch once at its end.
    return s.window == null
        ? iceberg
        : iceberg
            .withStreamingCommits(s.icebergCommitInterval)
            .withStreamingSnapshotExpiry(s.icebergKeepSnapshotsDays);
  }

  /** The roll-up of a batch over its own range of months, or of a stream as months end. */
  private PTransform<PCollection<LakeRow>, PCollection<LakeRow>> snapshots() {
    Settings s = settings;
    if (s.window == null) {
      return SnapshotEntities.overInput().withKinds(s.kinds);
    }
    return StreamEntitySnapshots.withAllowedLateness(s.allowedLateness).withKinds(s.kinds);
  }

  private RouteLateRows routeLateRows() {
    return RouteLateRows.of(settings.window)
        .withAllowedLateness(settings.allowedLateness)
        .withMaxOutOfOrderness(settings.maxOutOfOrderness)
        .withProgressEvery(settings.progressSeconds)
        .withKinds(settings.kinds);
  }

  /** On-time rows through event-time windows, too-late rows through late panes: their letters. */
  private PCollectionList<DeadLetter> writeStreamingLake(PCollectionTuple routed) {
    PCollection<DeadLetter> onTime =
        routed
            .get(RouteLateRows.ON_TIME)
            .apply(
                "EventTimeWindows",
                EventTimeWindowing.of(settings.window)
                    .withAllowedLateness(settings.allowedLateness))
            .apply("WriteLake", lakeWriter(null));
    PCollection<DeadLetter> late =
        routed
            .get(RouteLateRows.TOO_LATE)
            .apply("LateRowPanes", LateRowPanes.of(settings.window))
            .apply("WriteLateRows", lakeWriter("late"));
    return PCollectionList.of(panes("LakeDeadLetterPanes", onTime))
        .and(panes("LateLakeDeadLetterPanes", late));
  }

  /**
   * Streaming: dead letters have no event time to trust, so they go to a global window that never
   * expires, fired by processing time: none is ever dropped. Batch: unchanged.
   */
  private PCollection<DeadLetter> panes(String name, PCollection<DeadLetter> letters) {
    if (settings.window == null) {
      return letters;
    }
    return letters.apply(
        name,
        Window.<DeadLetter>into(new GlobalWindows())
            .triggering(
                Repeatedly.forever(
                    AfterProcessingTime.pastFirstElementInPane().plusDelayOf(settings.window)))
            .discardingFiredPanes());
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    Settings s = settings;
    builder
        .add(DisplayData.item("lake", s.lakeRoot).withLabel("Lake"))
        .add(
            DisplayData.item("lakeFormat", s.iceberg == null ? "parquet" : "iceberg")
                .withLabel("Lake format"))
        .add(DisplayData.item("runId", s.runId).withLabel("Run id"))
        .add(DisplayData.item("warehouse", s.warehouse != null).withLabel("ClickHouse branch"))
        .addIfNotNull(DisplayData.item("window", s.window).withLabel("Event-time window"))
        .addIfNotNull(
            DisplayData.item("allowedLateness", s.allowedLateness).withLabel("Allowed lateness"))
        .addIfNotNull(
            DisplayData.item("maxOutOfOrderness", s.maxOutOfOrderness)
                .withLabel("Max out-of-orderness"))
        .addIfNotDefault(
            DisplayData.item("progressSeconds", s.progressSeconds)
                .withLabel("Progress line every (s)"),
            DEFAULT_PROGRESS_SECONDS)
        .addIfNotDefault(
            DisplayData.item("snapshots", s.snapshots).withLabel("Monthly snapshots"),
            DEFAULT_SNAPSHOTS);
  }

  /**
   * Streaming: fixed event-time windows that finish files, the lateness they accept, and the
   * source's out-of-orderness. Unset (batch), everything is one global window.
   */
  public DatalakeGraph withEventTimeWindows(
      Duration window, Duration allowedLateness, Duration maxOutOfOrderness) {
    Objects.requireNonNull(window, "window");
    Objects.requireNonNull(allowedLateness, "allowedLateness");
    Objects.requireNonNull(maxOutOfOrderness, "maxOutOfOrderness");
    return with(
        s -> {
          s.window = window;
          s.allowedLateness = allowedLateness;
          s.maxOutOfOrderness = maxOutOfOrderness;
        });
  }

  /** See {@link ParseRecords#withMaxFuture}; {@link ParseRecords#DEFAULT_MAX_FUTURE} unless set. */
  public DatalakeGraph withMaxFuture(Duration value) {
    return with(s -> s.parse = s.parse.withMaxFuture(value));
  }

  /** See {@link ParseRecords#withDroppedFields}; none unless set. */
  public DatalakeGraph withDroppedFields(DroppedFields value) {
    return with(s -> s.parse = s.parse.withDroppedFields(value));
  }

  /**
   * The kinds of record the input holds ({@link RecordKinds#builtIn()} unless set): the parse step,
   * the lake writer and the late-row router know their tables.
   */
  public DatalakeGraph withKinds(RecordKinds value) {
    Objects.requireNonNull(value, "kinds");
    return with(
        s -> {
          s.kinds = value;
          s.parse = s.parse.withKinds(value);
          s.lake = s.lake.withKinds(value);
        });
  }

  /** Also write to the ClickHouse warehouse; null (the default) leaves that branch off. */
  public DatalakeGraph withWarehouse(ClickHouseWarehouseIO.Write value) {
    return with(s -> s.warehouse = value);
  }

  /** Seconds between each instance's progress lines; 0 (the default): none. */
  public DatalakeGraph withProgressEvery(int seconds) {
    return with(s -> s.progressSeconds = seconds);
  }

  /** See {@link WriteLakeTables#withHourlyPartitions}. */
  public DatalakeGraph withHourlyPartitions(boolean value) {
    return with(
        s -> {
          s.lake = s.lake.withHourlyPartitions(value);
          s.hourly = value;
        });
  }

  /**
   * Writes the lake as Iceberg tables of {@code catalog} ({@link WriteIcebergTables}, prepared
   * before the run) instead of Parquet folders; null (the default): Parquet. A streaming graph
   * commits every {@link #withIcebergCommitInterval} ({@link IcebergStreamingCommits}).
   */
  public DatalakeGraph withIcebergLake(IcebergCatalogConfig catalog) {
    return with(s -> s.iceberg = catalog);
  }

  /** How often a streaming graph commits to the Iceberg tables (at most; Flink: at checkpoints). */
  public DatalakeGraph withIcebergCommitInterval(Duration value) {
    Objects.requireNonNull(value, "value");
    return with(s -> s.icebergCommitInterval = value);
  }

  /**
   * The days of Iceberg snapshots a streaming graph keeps: its committer expires older ones at most
   * once an hour per table ({@code StreamingSnapshotExpiry}); -1 (the default) never. A batch graph
   * leaves expiry to its runner (after the run).
   */
  public DatalakeGraph withIcebergKeepSnapshotsDays(int value) {
    return with(s -> s.icebergKeepSnapshotsDays = value);
  }

  /** See {@link WriteLakeTables#withFilesPerWorker}. */
  public DatalakeGraph withBatchFilesPerWorker(boolean value) {
    return with(s -> s.lake = s.lake.withFilesPerWorker(value));
  }

  /** See {@link WriteLakeTables#withShardsPerPartition}. */
  public DatalakeGraph withShardsPerPartition(int value) {
    return with(s -> s.lake = s.lake.withShardsPerPartition(value));
  }

  /** See {@link WriteLakeTables#withCompression}. */
  public DatalakeGraph withParquetCompression(String value) {
    return with(
        s -> {
          s.lake = s.lake.withCompression(value);
          s.compression = value;
        });
  }

  private DatalakeGraph with(Consumer<Settings> change) {
    Settings next = settings.copy();
    change.accept(next);
    return new DatalakeGraph(next);
  }

  /**
   * Also write the monthly SnapshotOperation roll-up of entity operations ({@link
   * SnapshotEntities#overInput()} in batch, {@link StreamEntitySnapshots} in a stream), into the
   * lake (files {@code part-<runId>-snapshot-...}) and the warehouse; false (the default): none.
   */
  public DatalakeGraph withSnapshots(boolean value) {
    return with(s -> s.snapshots = value);
  }

  /** The graph's settings; each {@code withX} changes a copy, never the transform's own. */
  private static final class Settings implements Cloneable, Serializable {
    private ParseRecords parse;
    private WriteLakeTables lake;
    private WriteDeadLetters deadLetters;
    private String lakeRoot;
    private String runId;
    private ClickHouseWarehouseIO.Write warehouse;
    private Duration window;
    private Duration allowedLateness;
    private Duration maxOutOfOrderness;
    private int progressSeconds = DEFAULT_PROGRESS_SECONDS;
    private RecordKinds kinds = RecordKinds.builtIn();
    private boolean snapshots = DEFAULT_SNAPSHOTS;
    private PiiKeyset keyset;
    private IcebergCatalogConfig iceberg;
    private Duration icebergCommitInterval =
        Duration.standardSeconds(DEFAULT_ICEBERG_COMMIT_INTERVAL_SECONDS);
    private int icebergKeepSnapshotsDays = -1;
    private boolean hourly = WriteLakeTables.DEFAULT_HOURLY_PARTITIONS;
    private String compression = WriteLakeTables.DEFAULT_COMPRESSION;

    /** A shallow copy: every setting is an immutable value. */
    Settings copy() {
      try {
        return (Settings) clone();
      } catch (CloneNotSupportedException e) {
        throw new AssertionError(e);
      }
    }
  }
}
