package io.datalake.transforms.lake.iceberg;

import com.google.auto.value.AutoValue;
import io.datalake.transforms.io.WriteLakeTables;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.model.DeadLetter;
import io.datalake.transforms.model.LakeRow;
import io.datalake.transforms.monitor.PipelineMetrics;
import io.datalake.transforms.pii.PiiKeyset;
import io.datalake.transforms.schema.LakeTable;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.StructLike;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.io.OutputFile;
import org.apache.iceberg.parquet.Parquet;
import org.apache.iceberg.parquet.ParquetAvroWriter;
import org.apache.iceberg.types.TypeUtil;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Writes lake rows into the lake's Iceberg tables, the Iceberg counterpart of {@link
 * WriteLakeTables} (same input, same dead letters): rows are checked and encoded as for Parquet,
 * grouped by table and partition, and written by the workers as Parquet data files through
 * Iceberg's Parquet writer, which records each file's metrics (row count, column sizes, null
 * counts, bounds) for readers' pruning. The workers' {@link DataFile} descriptors are grouped by
 * table, and {@link CommitTableFn} commits each table once: readers see all of a batch or none of
 * it.
 *
 * <p>Files are named {@code part-<runId>-<writer>-<uuid>.parquet} under each table's {@code
 * data/<partition>/}: a retried bundle writes new files, and only those the commit names become
 * part of the table. The commit is idempotent (see {@link CommitTableFn}).
 *
 * <p>In a stream ({@link #withStreamingCommits}) the files of each window and pane are committed
 * every interval instead, exactly once at Flink checkpoints ({@link IcebergStreamingCommits}).
 */
@AutoValue
public abstract class WriteIcebergTables
    extends PTransform<PCollection<LakeRow>, PCollection<DeadLetter>> {
  /** The writer name of the main rows, in file names and snapshot summaries. */
  public static final String MAIN_WRITER = "main";

  abstract IcebergCatalogConfig catalog();

  abstract String runId();

  abstract boolean hourly();

  abstract String compression();

  abstract String writer();

  abstract @Nullable PiiKeyset keyset();

  abstract RecordKinds kinds();

  /** Null: batch, one commit per table at the end; else streaming commits at this interval. */
  abstract org.joda.time.@Nullable Duration commitInterval();

  /**
   * Streaming: the days of snapshots its commits keep ({@link StreamingSnapshotExpiry}); -1 never.
   */
  abstract int keepSnapshotsDays();

  /** Set: the commit replaces this month's snapshot rows ({@link IcebergSnapshotOverwrite}). */
  abstract java.time.@Nullable YearMonth snapshotMonth();

  /** Set: the commit replaces the snapshot rows of the months its files hold. */
  abstract boolean snapshotMonthsOfFiles();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setCatalog(IcebergCatalogConfig value);

    abstract Builder setRunId(String value);

    abstract Builder setHourly(boolean value);

    abstract Builder setCompression(String value);

    abstract Builder setWriter(String value);

    abstract Builder setKeyset(@Nullable PiiKeyset value);

    abstract Builder setKinds(RecordKinds value);

    abstract Builder setCommitInterval(org.joda.time.@Nullable Duration value);

    abstract Builder setKeepSnapshotsDays(int value);

    abstract Builder setSnapshotMonth(java.time.@Nullable YearMonth value);

    abstract Builder setSnapshotMonthsOfFiles(boolean value);

    abstract WriteIcebergTables build();
  }

  /** Writes into the tables of {@code catalog}, as run {@code runId}. */
  public static WriteIcebergTables to(IcebergCatalogConfig catalog, String runId) {
    return new AutoValue_WriteIcebergTables.Builder()
        .setCatalog(Objects.requireNonNull(catalog, "catalog"))
        .setRunId(Objects.requireNonNull(runId, "runId"))
        .setHourly(WriteLakeTables.DEFAULT_HOURLY_PARTITIONS)
        .setCompression(WriteLakeTables.DEFAULT_COMPRESSION)
        .setWriter(MAIN_WRITER)
        .setKinds(RecordKinds.builtIn())
        .setKeepSnapshotsDays(-1)
        .setSnapshotMonthsOfFiles(false)
        .build();
  }

  /** Partitions by hour of the event time instead of by day. */
  public WriteIcebergTables withHourlyPartitions(boolean value) {
    return toBuilder().setHourly(value).build();
  }

  /** The Parquet codec of the data files (the tables' own property unless set). */
  public WriteIcebergTables withCompression(String value) {
    return toBuilder().setCompression(Objects.requireNonNull(value)).build();
  }

  /**
   * The same sink as a second writer of the run (lower-case letters and digits), e.g. the monthly
   * snapshot rows: its files and commits are its own, apart from the main rows'.
   */
  public WriteIcebergTables withBranch(String name) {
    WriteLakeTables.checkBranch(name);
    return toBuilder().setWriter(name).build();
  }

  /** Encrypts the records of this sink's dead letters, as {@link WriteLakeTables} does. */
  public WriteIcebergTables withDeadLetterKeyset(PiiKeyset value) {
    return toBuilder().setKeyset(value).build();
  }

  /** Writes the tables of these kinds; the built-in ones unless set. */
  public WriteIcebergTables withKinds(RecordKinds value) {
    return toBuilder().setKinds(Objects.requireNonNull(value)).build();
  }

  /**
   * Streaming: commits the written files every {@code interval}, exactly once at Flink checkpoints
   * ({@link IcebergStreamingCommits}), instead of once per table at the end of a batch.
   */
  public WriteIcebergTables withStreamingCommits(org.joda.time.Duration interval) {
    IcebergStreamingCommits.every(interval, catalog(), runId(), writer()); // checks the interval
    return toBuilder().setCommitInterval(interval).build();
  }

  /**
   * Streaming: after a commit to a table, expires its snapshots older than {@code days} days, at
   * most once an hour ({@link StreamingSnapshotExpiry}); -1 (the default) never. A batch expires
   * after its run instead ({@link IcebergSnapshotExpiry#afterRun}).
   */
  public WriteIcebergTables withStreamingSnapshotExpiry(int days) {
    IcebergSnapshotExpiry.checkKeepDays(days);
    return toBuilder().setKeepSnapshotsDays(days).build();
  }

  /**
   * Commits by replacing {@code month}'s snapshot rows, whichever run wrote them ({@link
   * IcebergSnapshotOverwrite}), instead of appending: for {@code ./datalake snapshot}, which
   * computes the month from the whole lake. Batch only.
   */
  public WriteIcebergTables withSnapshotMonthOverwrite(java.time.YearMonth month) {
    return toBuilder().setSnapshotMonth(Objects.requireNonNull(month, "month")).build();
  }

  /**
   * A batch's commit replaces the snapshot rows of every month its files hold, whichever run wrote
   * them ({@link IcebergSnapshotOverwrite#commitMonthsOf}), instead of appending: for a batch's
   * snapshot rows ({@code --snapshots}), so that the month files of an earlier {@code ./datalake
   * snapshot} do not stay beside them.
   */
  public WriteIcebergTables withSnapshotMonthsOverwrite() {
    return toBuilder().setSnapshotMonthsOfFiles(true).build();
  }

  /** The prefix of the data files of run {@code runId}'s writer {@code writer}. */
  public static String filePrefix(String runId, String writer) {
    return WriteLakeTables.filePrefix(runId) + "-" + writer + "-";
  }

  @Override
  public PCollection<DeadLetter> expand(PCollection<LakeRow> rows) {
    PCollectionTuple encoded =
        rows.apply("EncodeRows", WriteLakeTables.encodeRows(keyset(), kinds()));
    LakeRow.Coder rowCoder = LakeRow.Coder.of(kinds());
    PCollection<KV<String, CommittableFile>> files =
        encoded
            .get(WriteLakeTables.ENCODED)
            .setCoder(rowCoder)
            .apply("KeyByPartition", ParDo.of(new KeyByPartitionFn(kinds(), hourly())))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), rowCoder))
            .apply("GroupByPartition", GroupByKey.create())
            .apply(
                "WriteDataFiles",
                ParDo.of(
                    new WriteDataFilesFn(catalog(), runId(), writer(), compression(), kinds())))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), new CommittableFile.Coder()));
    if (commitInterval() != null) {
      files.apply(
          "CommitAtCheckpoints",
          IcebergStreamingCommits.every(commitInterval(), catalog(), runId(), writer())
              .withSnapshotExpiry(keepSnapshotsDays()));
    } else {
      files
          .apply("GroupFilesByTable", GroupByKey.create())
          .apply(
              "CommitTables",
              ParDo.of(
                  new CommitTableFn(
                      catalog(), runId(), writer(), snapshotMonth(), snapshotMonthsOfFiles())));
    }
    return encoded.get(WriteLakeTables.REJECTED);
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("catalog", catalog().type()).withLabel("Iceberg catalog"))
        .add(DisplayData.item("warehouse", catalog().warehouse()).withLabel("Iceberg warehouse"))
        .add(DisplayData.item("namespace", catalog().namespace()).withLabel("Iceberg namespace"))
        .add(DisplayData.item("runId", runId()).withLabel("Run id"))
        .add(DisplayData.item("hourlyPartitions", hourly()).withLabel("Hourly partitions"))
        .add(DisplayData.item("compression", compression()).withLabel("Parquet compression"))
        .add(DisplayData.item("writer", writer()).withLabel("Writer"))
        .addIfNotNull(
            DisplayData.item("commitInterval", commitInterval())
                .withLabel("Streaming commit interval"));
  }

  /** A data file a worker wrote, for the commit of its table. */
  public record CommittableFile(String table, DataFile file) implements Serializable {
    /**
     * Java serialization (Iceberg's own for data files), compared by its bytes: a data file has no
     * value equality, which Beam's SerializableCoder would assume.
     */
    static final class Coder extends CustomCoder<CommittableFile> {
      @Override
      public void encode(CommittableFile value, OutputStream out) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream objects = new ObjectOutputStream(bytes)) {
          objects.writeObject(value);
        }
        ByteArrayCoder.of().encode(bytes.toByteArray(), out);
      }

      @Override
      public CommittableFile decode(InputStream in) throws IOException {
        byte[] bytes = ByteArrayCoder.of().decode(in);
        try (ObjectInputStream objects = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
          return (CommittableFile) objects.readObject();
        } catch (ClassNotFoundException e) {
          throw new IOException("cannot decode a data file descriptor", e);
        }
      }
    }
  }

  /**
   * Keys each row by its table and Iceberg partition path ({@code org_id=x/created_at_day=...}).
   */
  static class KeyByPartitionFn extends DoFn<LakeRow, KV<String, LakeRow>> {
    private final RecordKinds kinds;
    private final boolean hourly;
    private transient Map<String, PartitionSpec> specs;

    KeyByPartitionFn(RecordKinds kinds, boolean hourly) {
      this.kinds = kinds;
      this.hourly = hourly;
    }

    @Setup
    public void setup() {
      specs = new HashMap<>();
    }

    @ProcessElement
    public void process(@Element LakeRow row, OutputReceiver<KV<String, LakeRow>> out) {
      PartitionSpec spec =
          specs.computeIfAbsent(
              row.table(),
              t -> {
                LakeTable table = kinds.table(t);
                return IcebergSchemas.spec(table, IcebergSchemas.schema(table), hourly);
              });
      StructLike partition = IcebergSchemas.partition(spec, row.detachedRecord());
      out.output(KV.of(row.table() + "/" + spec.partitionToPath(partition), row));
    }
  }

  /**
   * Writes the rows of one table partition into one Parquet data file of that table (Iceberg's
   * Parquet writer over the Avro records, with the table's field ids and metrics), and emits its
   * descriptor.
   */
  static class WriteDataFilesFn
      extends DoFn<KV<String, Iterable<LakeRow>>, KV<String, CommittableFile>> {
    private final IcebergCatalogConfig config;
    private final String runId;
    private final String writer;
    private final String compression;
    private final RecordKinds kinds;
    private final PipelineMetrics.Counters files =
        PipelineMetrics.Family.LAKE_FILES_WRITTEN.counters();
    private transient Catalog catalog;
    private transient Map<String, Table> tables;

    WriteDataFilesFn(
        IcebergCatalogConfig config,
        String runId,
        String writer,
        String compression,
        RecordKinds kinds) {
      this.config = config;
      this.runId = runId;
      this.writer = writer;
      this.compression = compression;
      this.kinds = kinds;
    }

    @Setup
    public void setup() {
      catalog = config.catalog();
      tables = new HashMap<>();
    }

    @ProcessElement
    public void process(
        @Element KV<String, Iterable<LakeRow>> partition,
        OutputReceiver<KV<String, CommittableFile>> out) {
      Iterator<LakeRow> rows = partition.getValue().iterator();
      if (!rows.hasNext()) {
        return;
      }
      LakeRow first = rows.next();
      String tableName = first.table();
      Table table = tables.computeIfAbsent(tableName, t -> catalog.loadTable(config.id(t)));
      // The columns in the order of the rows' Avro records (the writer goes by position), with the
      // table's field ids (columns added later sit at the end of the table's schema).
      Schema schema =
          TypeUtil.reassignIds(IcebergSchemas.schema(kinds.table(tableName)), table.schema());
      PartitionSpec spec = table.spec();
      org.apache.avro.generic.GenericRecord firstRecord = first.detachedRecord();
      StructLike key = IcebergSchemas.partition(spec, firstRecord);
      String name = filePrefix(runId, writer) + UUID.randomUUID() + ".parquet";
      OutputFile file =
          table.io().newOutputFile(table.locationProvider().newDataLocation(spec, key, name));
      DataWriter<org.apache.avro.generic.GenericRecord> data;
      try {
        data =
            Parquet.writeData(file)
                .forTable(table)
                .schema(schema)
                .withSpec(spec)
                .withPartition(key)
                .set(TableProperties.PARQUET_COMPRESSION, compression.toLowerCase(Locale.ROOT))
                .createWriterFunc(ParquetAvroWriter::buildWriter)
                .build();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot open " + file.location(), e);
      }
      try (DataWriter<org.apache.avro.generic.GenericRecord> w = data) {
        w.write(firstRecord);
        while (rows.hasNext()) {
          w.write(rows.next().detachedRecord());
        }
      } catch (IOException e) {
        // The file system failed: the bundle is retried, this file is never committed.
        throw new UncheckedIOException("cannot write " + file.location(), e);
      }
      files.inc(writer);
      out.output(KV.of(tableName, new CommittableFile(tableName, data.toDataFile())));
    }

    @Teardown
    public void teardown() {
      if (catalog != null) {
        IcebergCatalogConfig.close(catalog);
      }
    }
  }

  /**
   * Commits all data files of one table of the run in one snapshot ({@link IcebergCommits#commit}),
   * after every writer is done. {@code @RequiresStableInput}: a runner that retries this step gives
   * it the same files again, which the commit recognises.
   */
  static class CommitTableFn extends CatalogDoFn<KV<String, Iterable<CommittableFile>>, Void> {
    private final String runId;
    private final String writer;

    private final java.time.YearMonth snapshotMonth;
    private final boolean snapshotMonthsOfFiles;

    CommitTableFn(
        IcebergCatalogConfig config,
        String runId,
        String writer,
        java.time.YearMonth snapshotMonth,
        boolean snapshotMonthsOfFiles) {
      super(config);
      this.runId = runId;
      this.writer = writer;
      this.snapshotMonth = snapshotMonth;
      this.snapshotMonthsOfFiles = snapshotMonthsOfFiles;
    }

    @RequiresStableInput
    @ProcessElement
    public void process(@Element KV<String, Iterable<CommittableFile>> files) {
      Table table = catalog.loadTable(config.id(files.getKey()));
      java.util.List<DataFile> dataFiles = new java.util.ArrayList<>();
      for (CommittableFile f : files.getValue()) {
        dataFiles.add(f.file());
      }
      if (snapshotMonth != null) {
        IcebergSnapshotOverwrite.commit(table, snapshotMonth, runId, writer, dataFiles);
      } else if (snapshotMonthsOfFiles) {
        IcebergSnapshotOverwrite.commitMonthsOf(table, runId, writer, dataFiles);
      } else {
        IcebergCommits.commit(table, runId, writer, dataFiles);
      }
    }
  }
}
