package io.datalake.transforms.io;

import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.model.LakeRow;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.WriteFilesResult;
import org.apache.beam.sdk.io.parquet.ParquetIO;
import org.apache.beam.sdk.transforms.Contextful;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * Writes lake rows as Parquet, one file per table, tenant, partition and window pane per shard.
 * Files are named {@code part-<runId>-<window>-<pane>-<shard>-of-<n>.parquet}: a rerun of the same
 * batch (same run id) replaces its own files. FileIO writes to a temporary name and then renames,
 * so a reader never sees half a file.
 *
 * <p>A second writer of the same run into the same lake must have a branch name ({@link
 * #forBranch}), which goes into its file names ({@code part-<runId>-<branch>-...}): the streaming
 * lake's too-late rows are written in the global window, whose file names carry no window, and
 * their pane numbers count independently of the event-time windows' panes.
 */
public class WriteLakeTables extends PTransform<PCollection<LakeRow>, WriteFilesResult<String>> {
  public static final int ROW_GROUP_BYTES = 64 * 1024 * 1024;

  private final String lake;
  private final String runId;
  private final boolean hourly;
  private final int shards;
  private final CompressionCodecName compression;
  private final String branch;
  private final RecordKinds kinds;

  public WriteLakeTables(
      String lake, String runId, boolean hourly, int shards, String compression) {
    this(
        lake,
        runId,
        hourly,
        shards,
        CompressionCodecName.valueOf(compression.toUpperCase()),
        null,
        RecordKinds.builtIn());
  }

  private WriteLakeTables(
      String lake,
      String runId,
      boolean hourly,
      int shards,
      CompressionCodecName compression,
      String branch,
      RecordKinds kinds) {
    this.lake = lake;
    this.runId = runId;
    this.hourly = hourly;
    this.shards = shards;
    this.compression = compression;
    this.branch = branch;
    this.kinds = kinds;
  }

  /** Writes the tables of these kinds; the built-in ones unless set. */
  public WriteLakeTables withKinds(RecordKinds value) {
    return new WriteLakeTables(lake, runId, hourly, shards, compression, branch, value);
  }

  /** The same writer, its files named {@code part-<runId>-<branch>-...} (letters and digits). */
  public WriteLakeTables forBranch(String name) {
    if (name == null || !name.matches("[a-z0-9]+")) {
      throw new IllegalArgumentException(
          "a lake branch name is lower-case letters and digits, got " + name);
    }
    return new WriteLakeTables(lake, runId, hourly, shards, compression, name, kinds);
  }

  public static String filePrefix(String runId) {
    return "part-" + runId;
  }

  /**
   * Without a configuration ParquetIO makes a new Hadoop Configuration for every file, which parses
   * Hadoop's XML defaults again: a quarter of a streaming run's CPU went there (JFR), as a
   * streaming run opens a file per table, tenant, partition and pane. One per thread, parsed once.
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

  @Override
  public WriteFilesResult<String> expand(PCollection<LakeRow> rows) {
    boolean hourlyPartitions = hourly;
    String prefix = branch == null ? filePrefix(runId) : filePrefix(runId) + "-" + branch;
    CompressionCodecName codec = compression;
    RecordKinds tables = kinds;
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
                        ParquetIO.sink(tables.table(tableOf(partition)).avroSchema())
                            .withCompressionCodec(codec)
                            .withRowGroupSize(ROW_GROUP_BYTES)
                            .withConfiguration(parquetConfiguration())))
            .to(lake)
            .withNaming(
                partition -> FileIO.Write.defaultNaming(partition + "/" + prefix, ".parquet"));
    if (shards > 0) {
      write = write.withNumShards(shards);
    }
    // Rows wait in runner state until their window (or the batch) is grouped by partition:
    // waiting as Avro bytes, they take a fraction of the heap and are copied, not re-encoded, by
    // every checkpoint.
    return rows.apply(
            "EncodeRows", MapElements.into(TypeDescriptor.of(LakeRow.class)).via(LakeRow::encoded))
        .setCoder(LakeRow.Coder.of(kinds))
        .apply("WriteParquet", write);
  }

  static String tableOf(String partition) {
    return partition.substring(0, partition.indexOf('/'));
  }
}
