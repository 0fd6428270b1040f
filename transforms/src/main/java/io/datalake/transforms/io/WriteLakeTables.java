package io.datalake.transforms.io;

import com.google.auto.value.AutoValue;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.model.DeadLetter;
import io.datalake.transforms.model.LakeRow;
import io.datalake.transforms.monitor.PipelineMetrics;
import io.datalake.transforms.parse.ParseRecords;
import io.datalake.transforms.pii.PiiCipher;
import io.datalake.transforms.pii.PiiKeyset;
import io.datalake.transforms.schema.LakeAvroData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.transforms.Contextful;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.CodecFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.OutputFile;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Writes lake rows as Parquet, one file per table, tenant, partition and window pane per shard.
 * Files are named {@code part-<runId>-<window>-<pane>-<shard>-of-<n>.parquet}: a rerun of the same
 * batch (same run id) replaces its own files. FileIO writes to a temporary name and then renames,
 * so a reader never sees half a file. A batch with {@link #withFilesPerWorker} skips FileIO's
 * grouping: each worker writes its own file per partition ({@link WriteFilesPerWorker}), under the
 * same names.
 *
 * <p>A second writer of the same run into the same lake must have a branch name ({@link
 * #withBranch}), which goes into its file names ({@code part-<runId>-<branch>-...}): the streaming
 * lake's too-late rows are written in the global window, whose file names carry no window, and
 * their pane numbers count independently of the event-time windows' panes.
 *
 * <p>A row that cannot be converted into its table's schema (the Avro binary the Parquet writer
 * reads) leaves as a dead letter of step {@code lake} instead of failing the bundle; the output is
 * those dead letters. The conversion is checked in {@code EncodeRows}, before any file is open, so
 * a rejected row never leaves half a record in a file. A failure of the file system while writing
 * still fails the bundle, so that the runner retries it instead of dead-lettering good rows.
 */
@AutoValue
public abstract class WriteLakeTables
    extends PTransform<PCollection<LakeRow>, PCollection<DeadLetter>> {
  public static final int ROW_GROUP_BYTES = 64 * 1024 * 1024;

  /**
   * The most a column's dictionary may hold in a row group before the column falls back to plain
   * values (Parquet's default is 1 MiB). A dictionary entry costs the heap about six times its
   * bytes (a Binary, a ByteBuffer, an array and a hash slot each), and a per-worker batch keeps
   * many files open: at 1 MiB the open dictionaries held 662,000 entries (a third of the live heap,
   * at 500,000 records on Flink) and G1 spent 24 s of a 86 s run marking. At 256 KiB: 121,000
   * entries and 5 s. Columns of few distinct values (statuses, currencies, tenants) stay far below
   * either; those that pass it are ids and ciphertexts, which a dictionary does not shrink.
   */
  static final int DICTIONARY_PAGE_BYTES = 256 * 1024;

  /**
   * The initial size of a writer's buffer for compressed pages; it grows to the largest page.
   * Parquet starts it at the page size (1 MiB), and with G1's 1 MiB regions at a 1 GiB heap every
   * such array is humongous: a stream opens a file per table, tenant and window, and its 7
   * humongous arrays a second (with Kafka's fetch buffers) kept G1 starting concurrent cycles (114
   * in 4 minutes at 2,000 records/s). Compressed pages are mostly far smaller than a page.
   */
  static final int COMPRESSED_PAGE_BUFFER_BYTES = 64 * 1024;

  /** In a batch, each worker writes its own file per partition unless told otherwise. */
  public static final boolean DEFAULT_FILES_PER_WORKER = true;

  /** The suffix of every lake data file. */
  public static final String PARQUET_SUFFIX = ".parquet";

  /** Partitions by day unless told otherwise. */
  public static final boolean DEFAULT_HOURLY_PARTITIONS = false;

  /** Files per partition and pane unless told otherwise; 0 lets the runner choose. */
  public static final int DEFAULT_SHARDS_PER_PARTITION = 1;

  /** Parquet compression unless told otherwise. */
  public static final String DEFAULT_COMPRESSION = "SNAPPY";

  /** The step name of this sink's dead letters. */
  public static final String STEP = "lake";

  /** The rows {@link #encodeRows} encoded. */
  public static final TupleTag<LakeRow> ENCODED = new TupleTag<>() {};

  /** The dead letters of the rows {@link #encodeRows} could not convert. */
  public static final TupleTag<DeadLetter> REJECTED = new TupleTag<>() {};

  abstract String lake();

  abstract String runId();

  abstract boolean hourly();

  abstract int shards();

  abstract CompressionCodecName compression();

  /** Null for the run's main writer. */
  abstract @Nullable String branch();

  abstract @Nullable PiiKeyset keyset();

  abstract RecordKinds kinds();

  abstract boolean filesPerWorker();

  /** Null: no other writer's files are replaced ({@link #withReplacedFiles}). */
  abstract @Nullable String replacedFileNames();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setLake(String value);

    abstract Builder setRunId(String value);

    abstract Builder setHourly(boolean value);

    abstract Builder setShards(int value);

    abstract Builder setCompression(CompressionCodecName value);

    abstract Builder setBranch(@Nullable String value);

    abstract Builder setKeyset(@Nullable PiiKeyset value);

    abstract Builder setKinds(RecordKinds value);

    abstract Builder setFilesPerWorker(boolean value);

    abstract Builder setReplacedFileNames(@Nullable String value);

    abstract WriteLakeTables build();
  }

  /** Writes into the lake at {@code lake} (a folder URI ending in /), files named by run id. */
  public static WriteLakeTables to(String lake, String runId) {
    return new AutoValue_WriteLakeTables.Builder()
        .setLake(Objects.requireNonNull(lake, "lake"))
        .setRunId(Objects.requireNonNull(runId, "runId"))
        .setHourly(DEFAULT_HOURLY_PARTITIONS)
        .setShards(DEFAULT_SHARDS_PER_PARTITION)
        .setCompression(CompressionCodecName.valueOf(DEFAULT_COMPRESSION))
        .setKinds(RecordKinds.builtIn())
        .setFilesPerWorker(DEFAULT_FILES_PER_WORKER)
        .build();
  }

  /** Partitions by hour ({@code .../day=DD/hour=HH}) instead of by day. */
  public WriteLakeTables withHourlyPartitions(boolean value) {
    return toBuilder().setHourly(value).build();
  }

  /** Files per partition and pane; 0 lets the runner choose. */
  public WriteLakeTables withShardsPerPartition(int value) {
    if (value < 0) {
      throw new IllegalArgumentException("--shardsPerPartition must be 0 or more, got " + value);
    }
    return toBuilder().setShards(value).build();
  }

  /**
   * In a batch, whether each worker writes its rows straight into its own file per partition
   * ({@link WriteFilesPerWorker}: no shuffle, a partition gets up to one file per worker) or the
   * rows are first grouped by partition into {@link #withShardsPerPartition} files (a shuffle of
   * every row). Streams always group: their windows finish the files.
   */
  public WriteLakeTables withFilesPerWorker(boolean value) {
    return toBuilder().setFilesPerWorker(value).build();
  }

  /** Parquet compression codec: SNAPPY, GZIP, ZSTD, UNCOMPRESSED, ... */
  public WriteLakeTables withCompression(String value) {
    CompressionCodecName codec;
    try {
      codec = CompressionCodecName.valueOf(value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new IllegalArgumentException(
          "--parquetCompression must be one of "
              + java.util.Arrays.toString(CompressionCodecName.values())
              + ", got "
              + value);
    }
    return toBuilder().setCompression(codec).build();
  }

  /** The same writer, its files named {@code part-<runId>-<branch>-...} (letters and digits). */
  public WriteLakeTables withBranch(String name) {
    checkBranch(name);
    return toBuilder().setBranch(name).build();
  }

  /** Fails unless {@code name} is a branch name: lower-case letters and digits. */
  public static void checkBranch(String name) {
    if (name == null || !name.matches("[a-z0-9]+")) {
      throw new IllegalArgumentException(
          "a lake branch name is lower-case letters and digits, got " + name);
    }
  }

  /**
   * Once this writer's files are in a partition folder, deletes the files there whose names match
   * {@code namePattern} (a regular expression, the whole name), never this writer's own: the copies
   * of the same rows another writer made, which this run's files replace (a batch with {@code
   * --snapshots} replacing the month files of {@code ./datalake snapshot}). Only in the partitions
   * this run writes.
   */
  public WriteLakeTables withReplacedFiles(String namePattern) {
    java.util.regex.Pattern.compile(namePattern); // fails now on a malformed pattern
    return toBuilder().setReplacedFileNames(namePattern).build();
  }

  /** Writes the tables of these kinds; the built-in ones unless set. */
  public WriteLakeTables withKinds(RecordKinds value) {
    return toBuilder().setKinds(Objects.requireNonNull(value)).build();
  }

  /**
   * Encrypts the record of each dead letter of this sink with {@code value} (randomized AEAD), as
   * the parse step does. Without a keyset, such a dead letter keeps no record.
   */
  public WriteLakeTables withDeadLetterKeyset(PiiKeyset value) {
    return toBuilder().setKeyset(value).build();
  }

  public static String filePrefix(String runId) {
    return "part-" + runId;
  }

  /**
   * Without a configuration given, a Parquet writer (and ParquetIO's sink, which the grouped writer
   * used) makes a new Hadoop Configuration for every file, which parses Hadoop's XML defaults
   * again: a quarter of a streaming run's CPU went there (JFR), as a streaming run opens a file per
   * table, tenant, partition and pane. One per thread, parsed once.
   */
  private static final ThreadLocal<Configuration> HADOOP_CONFIGURATION =
      ThreadLocal.withInitial(
          () -> {
            Configuration configuration = new Configuration();
            configuration.size(); // loads the defaults now
            return configuration;
          });

  /** This thread's Hadoop configuration for Parquet writers, its defaults parsed once. */
  public static Configuration parquetConfiguration() {
    return HADOOP_CONFIGURATION.get();
  }

  /**
   * A Parquet writer of a lake file on the local disk, with the lake's settings ({@link
   * #parquetWriter}); the file is replaced if it exists. The per-worker writer and the benchmark's
   * baseline write through it.
   */
  public static ParquetWriter<GenericRecord> localParquetWriter(
      Path file, Schema schema, CompressionCodecName codec) throws IOException {
    return parquetWriter(new LocalOutputFile(file), schema, codec);
  }

  /**
   * A Parquet writer of a lake file with the lake's settings, the same for every writer of lake
   * files: row group and dictionary sizes, this thread's configuration, the lake's Avro model
   * ({@link LakeAvroData}), and a compressor of its own whose buffer starts small ({@link
   * #COMPRESSED_PAGE_BUFFER_BYTES}; the writer releases its compressor when it closes).
   */
  static ParquetWriter<GenericRecord> parquetWriter(
      OutputFile file, Schema schema, CompressionCodecName codec) throws IOException {
    return AvroParquetWriter.<GenericRecord>builder(file)
        .withSchema(schema)
        .withDataModel(LakeAvroData.get())
        .withCompressionCodec(codec)
        .withCodecFactory(new CodecFactory(parquetConfiguration(), COMPRESSED_PAGE_BUFFER_BYTES))
        .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
        .withConf(parquetConfiguration())
        .withRowGroupSize(ROW_GROUP_BYTES)
        .withDictionaryPageSize(DICTIONARY_PAGE_BYTES)
        .build();
  }

  @Override
  public PCollection<DeadLetter> expand(PCollection<LakeRow> rows) {
    String prefix = branch() == null ? filePrefix(runId()) : filePrefix(runId()) + "-" + branch();
    // Rows wait in runner state until their window (or the batch) is grouped by partition:
    // waiting as Avro bytes, they take a fraction of the heap and are copied, not re-encoded, by
    // every checkpoint.
    boolean perWorker = filesPerWorker() && rows.isBounded() == PCollection.IsBounded.BOUNDED;
    // The per-worker writer writes each row as it comes, so there its rows keep their records too:
    // chained in one thread (a Flink batch on the DataStream API) the writer need not decode them.
    PCollectionTuple encoded = rows.apply("EncodeRows", encodeRows(keyset(), kinds(), perWorker));
    PCollection<LakeRow> valid = encoded.get(ENCODED).setCoder(LakeRow.Coder.of(kinds()));
    PCollection<KV<String, String>> files;
    if (perWorker) {
      files =
          valid.apply(
              "WriteParquetPerWorker",
              new WriteFilesPerWorker(lake(), prefix, hourly(), compression(), kinds()));
    } else if (WriteSpilledWindows.writes(valid)) {
      files =
          valid.apply(
              "WriteWindowPanes",
              new WriteSpilledWindows(lake(), prefix, hourly(), shards(), compression(), kinds()));
    } else {
      files = valid.apply("WriteParquet", groupedWrite(prefix)).getPerDestinationOutputFilenames();
    }
    files.apply("CountFiles", ParDo.of(new CountFilesFn(branch() == null ? "main" : branch())));
    if (replacedFileNames() != null) {
      files.apply(
          "RemoveReplacedFiles", ParDo.of(new RemoveReplacedFilesFn(replacedFileNames(), prefix)));
    }
    return encoded.get(REJECTED);
  }

  /** FileIO's write: rows grouped by partition (and window), {@link #shards} files each. */
  private FileIO.Write<String, LakeRow> groupedWrite(String prefix) {
    boolean hourlyPartitions = hourly();
    CompressionCodecName codec = compression();
    RecordKinds tables = kinds();
    FileIO.Write<String, LakeRow> write =
        FileIO.<String, LakeRow>writeDynamic()
            .by(
                row ->
                    LakePaths.partition(
                        row.table(), row.tenant(), row.eventTimeMicros(), hourlyPartitions))
            .withDestinationCoder(StringUtf8Coder.of())
            .via(
                Contextful.fn(LakeRow::detachedRecord),
                Contextful.fn(
                    (String partition) ->
                        new LakeParquetSink(tables.table(tableOf(partition)).avroSchema(), codec)))
            .to(lake())
            .withNaming(partition -> LakeFileNaming.of(partition + "/" + prefix, PARQUET_SUFFIX));
    return shards() > 0 ? write.withNumShards(shards()) : write;
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("lake", lake()).withLabel("Lake"))
        .add(DisplayData.item("runId", runId()).withLabel("Run id"))
        .add(DisplayData.item("hourlyPartitions", hourly()).withLabel("Hourly partitions"))
        .add(DisplayData.item("shardsPerPartition", shards()).withLabel("Shards per partition"))
        .add(
            DisplayData.item("filesPerWorker", filesPerWorker())
                .withLabel("Batch: a file per worker and partition"))
        .add(DisplayData.item("compression", compression().name()).withLabel("Parquet compression"))
        .add(DisplayData.item("rowGroupBytes", ROW_GROUP_BYTES).withLabel("Row group bytes"))
        .addIfNotNull(DisplayData.item("branch", branch()).withLabel("Branch"))
        .addIfNotNull(
            DisplayData.item("replacedFiles", replacedFileNames())
                .withLabel("Files its rows replace (name pattern)"));
  }

  /**
   * Each row as the Avro binary of its table ({@link #ENCODED}), or a dead letter of step {@value
   * #STEP} ({@link #REJECTED}) when it does not convert: the check every lake format makes before a
   * file is open. {@code keyset} (may be null) encrypts the dead letters' records.
   */
  public static ParDo.MultiOutput<LakeRow, LakeRow> encodeRows(
      PiiKeyset keyset, RecordKinds kinds) {
    return encodeRows(keyset, kinds, false);
  }

  /**
   * As {@link #encodeRows(PiiKeyset, RecordKinds)}; with {@code keepRecords} each row is checked
   * and keeps its record, unencoded ({@link LakeRow#checked()}): for a writer in the same thread
   * that takes the records as they come, never for rows that wait in state (a coder encodes such a
   * row if it has to).
   */
  private static ParDo.MultiOutput<LakeRow, LakeRow> encodeRows(
      PiiKeyset keyset, RecordKinds kinds, boolean keepRecords) {
    return ParDo.of(new EncodeRowFn(keyset, kinds, keepRecords))
        .withOutputTags(ENCODED, TupleTagList.of(REJECTED));
  }

  static String tableOf(String partition) {
    return partition.substring(0, partition.indexOf('/'));
  }

  /**
   * Turns each row into the Avro binary of its table's schema, what the Parquet writer reads; a row
   * that does not convert (a value of the wrong type, a missing required field, a table the lake
   * does not have) is a dead letter. A row that arrives already encoded was encoded by {@link
   * LakeRow.Coder} under the same schema, and passes as it is.
   */
  static class EncodeRowFn extends DoFn<LakeRow, LakeRow> {
    private final PiiKeyset keyset;
    private final RecordKinds kinds;
    private final PipelineMetrics.Counters rejected =
        PipelineMetrics.Family.LAKE_REJECTED.counters();
    private final PipelineMetrics.Counters byStep = PipelineMetrics.Family.DEAD_LETTERS.counters();
    private final boolean keepRecords;
    private transient PiiCipher cipher;

    EncodeRowFn(PiiKeyset keyset, RecordKinds kinds, boolean keepRecords) {
      this.keyset = keyset;
      this.kinds = kinds;
      this.keepRecords = keepRecords;
    }

    @Setup
    public void setup() {
      cipher = keyset == null ? null : keyset.cipher();
    }

    @ProcessElement
    public void process(@Element LakeRow row, MultiOutputReceiver out) {
      LakeRow encoded;
      try {
        encoded = keepRecords ? row.checked() : row.encoded();
      } catch (RuntimeException e) {
        rejected.inc(row.table());
        byStep.inc(STEP);
        out.get(REJECTED).output(deadLetter(row, e));
        return;
      }
      out.get(ENCODED).output(encoded);
    }

    /** Where and why, naming the exception and the code that threw it, never a value. */
    private DeadLetter deadLetter(LakeRow row, RuntimeException e) {
      String kind;
      try {
        kind = kinds.kindOf(row.table()).name();
      } catch (RuntimeException unknown) {
        kind = row.table();
      }
      String source =
          DeadLetter.sinkSource(
              "lake:"
                  + row.table()
                  + ":"
                  + row.tenant()
                  + "@"
                  + Instant.ofEpochMilli(Math.floorDiv(row.eventTimeMicros(), 1000L)),
              row.record());
      return new DeadLetter(
              kind,
              STEP,
              row.table() + ": " + ParseRecords.unexpected(e),
              source,
              encrypted(row),
              row.table())
          .withTenant(row.tenant());
    }

    private String encrypted(LakeRow row) {
      if (cipher == null) {
        return null;
      }
      try {
        return cipher.encryptRandomized(row.record().toString().getBytes(StandardCharsets.UTF_8));
      } catch (RuntimeException e) {
        return null; // a record that cannot even be printed: the error says enough
      }
    }
  }

  /** Counts the files each pane of this writer wrote. */
  static class CountFilesFn extends DoFn<KV<String, String>, Void> {
    private final String writer;
    private final PipelineMetrics.Counters files =
        PipelineMetrics.Family.LAKE_FILES_WRITTEN.counters();

    CountFilesFn(String writer) {
      this.writer = writer;
    }

    @ProcessElement
    public void process() {
      files.inc(writer);
    }
  }
}
