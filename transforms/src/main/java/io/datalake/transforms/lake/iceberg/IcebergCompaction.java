package io.datalake.transforms.lake.iceberg;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.PartitionField;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.RewriteFiles;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.StructLike;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableScan;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.parquet.GenericParquetReaders;
import org.apache.iceberg.data.parquet.GenericParquetWriter;
import org.apache.iceberg.exceptions.ValidationException;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.io.OutputFile;
import org.apache.iceberg.parquet.Parquet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ./datalake lake compact}: rewrites a table's small data files into larger ones, partition
 * by partition, in one {@code RewriteFiles} commit (operation {@code replace}: readers see the same
 * rows before and after, and time travel to earlier snapshots still reads the small files until
 * they expire).
 *
 * <p>What Iceberg's own Spark and Flink rewrite actions check, done here on its core API:
 *
 * <ul>
 *   <li>the files to rewrite are planned from one snapshot, and the commit validates from that
 *       snapshot ({@code validateFromSnapshot}): if another commit removed one of them meanwhile (a
 *       rerun's overwrite, a rollback, another compaction), the commit fails, the files written
 *       here are deleted, and the table is as before;
 *   <li>the new files take the data sequence number of that snapshot, so a row-level delete
 *       committed meanwhile would still apply to them (the lake writes none today);
 *   <li>only data files without delete files are rewritten (the lake has none: a table with delete
 *       files is refused rather than compacted wrongly).
 * </ul>
 *
 * <p>Files are grouped by partition and by the run and writer that wrote them ({@code
 * part-<runId>-<writer>-<uuid>.parquet}): a compacted file keeps that prefix, so a rerun of the
 * same batch still finds and replaces its own rows ({@link IcebergCommits}), and history still says
 * which run wrote what. Within a group, files smaller than 3/4 of the target are packed into bins
 * of up to the target size; a bin of two or more files becomes one file.
 *
 * <p>A plain Java job, not a Beam one: compaction reads and writes whole files through the table's
 * FileIO, and its single commit needs every new file first. On the local warehouse it is I/O on one
 * machine; a Beam graph would add a runner's start-up and a GroupByKey for no parallelism the disk
 * can give. For a large S3 lake, the bins are independent and could become a Beam job's elements,
 * with the same commit at the end.
 */
public final class IcebergCompaction {
  private static final Logger LOG = LoggerFactory.getLogger(IcebergCompaction.class);

  /** The default target size of compacted files. */
  public static final int DEFAULT_TARGET_FILE_SIZE_MB = 128;

  private static final Pattern LAKE_FILE =
      Pattern.compile(
          "(part-.+-)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\.parquet");

  private IcebergCompaction() {}

  /**
   * What to compact: a table, the target file size, optionally one tenant and event times from a
   * day on.
   *
   * @param tenant only this tenant's partitions; null: all
   * @param since only partitions of event times on or after this day (UTC); null: all
   */
  public record Request(String table, long targetFileSizeBytes, String tenant, LocalDate since) {
    public Request {
      if (targetFileSizeBytes <= 0) {
        throw new IllegalArgumentException(
            "--target-file-size-mb must be positive, got " + targetFileSizeBytes / (1024 * 1024));
      }
    }

    /** A request with the target in megabytes. */
    public static Request of(String table, int targetFileSizeMb, String tenant, LocalDate since) {
      return new Request(table, targetFileSizeMb * 1024L * 1024L, tenant, since);
    }
  }

  /**
   * What one compaction did: files and bytes rewritten, files written, partitions touched, and the
   * snapshot it committed (null when there was nothing to compact).
   */
  public record Result(
      int filesRewritten,
      long bytesRewritten,
      int filesWritten,
      long bytesWritten,
      long rows,
      int partitions,
      Long snapshotId) {}

  /** Compacts {@code request.table()} of the catalog {@code config}. */
  public static Result compact(IcebergCatalogConfig config, Request request) {
    Catalog catalog = config.catalog();
    try {
      return compact(IcebergLakeAdmin.load(catalog, config, request.table()), request);
    } finally {
      IcebergCatalogConfig.close(catalog);
    }
  }

  /** Compacts {@code table} as {@code request} says. */
  public static Result compact(Table table, Request request) {
    return compact(table, request, () -> {});
  }

  /**
   * As above; {@code beforeCommit} runs after the new files are written, before the commit (tests
   * make a concurrent commit there).
   */
  static Result compact(Table table, Request request, Runnable beforeCommit) {
    table.refresh();
    Snapshot start = table.currentSnapshot();
    if (start == null) {
      return new Result(0, 0, 0, 0, 0, 0, null);
    }
    List<List<DataFile>> bins = plan(table, start, request);
    if (bins.isEmpty()) {
      LOG.info("datalake: {} has no small files to compact", table.name());
      return new Result(0, 0, 0, 0, 0, 0, null);
    }
    List<DataFile> written = new ArrayList<>();
    RewriteFiles rewrite =
        table
            .newRewrite()
            .validateFromSnapshot(start.snapshotId())
            .dataSequenceNumber(start.sequenceNumber());
    int rewritten = 0;
    long bytesIn = 0;
    long bytesOut = 0;
    long rows = 0;
    java.util.Set<String> partitions = new java.util.HashSet<>();
    try {
      for (List<DataFile> bin : bins) {
        DataFile merged = rewriteBin(table, bin);
        written.add(merged);
        long rowsIn = 0;
        for (DataFile f : bin) {
          rewrite.deleteFile(f);
          rewritten++;
          bytesIn += f.fileSizeInBytes();
          rowsIn += f.recordCount();
        }
        if (rowsIn != merged.recordCount()) {
          throw new IllegalStateException(
              "compaction of "
                  + table.name()
                  + " read "
                  + rowsIn
                  + " rows' files but wrote "
                  + merged.recordCount()
                  + " rows: nothing committed");
        }
        rewrite.addFile(merged);
        bytesOut += merged.fileSizeInBytes();
        rows += merged.recordCount();
        partitions.add(table.specs().get(merged.specId()).partitionToPath(merged.partition()));
      }
      beforeCommit.run();
      rewrite.set(IcebergCommits.WRITER, "compaction").commit();
    } catch (RuntimeException e) {
      // Nothing of this compaction is in the table: its own files would only be orphans.
      for (DataFile f : written) {
        table.io().deleteFile(f.location());
      }
      if (e instanceof ValidationException) {
        throw new IllegalStateException(
            "compaction of "
                + table.name()
                + " conflicts with a commit made since it started (snapshot "
                + start.snapshotId()
                + "): nothing changed, run it again ("
                + e.getMessage()
                + ")",
            e);
      }
      throw e;
    }
    table.refresh();
    Result result =
        new Result(
            rewritten,
            bytesIn,
            written.size(),
            bytesOut,
            rows,
            partitions.size(),
            table.currentSnapshot().snapshotId());
    LOG.info(
        "datalake: compacted {}: {} files ({} bytes) into {} ({} bytes) in {} partitions",
        table.name(),
        rewritten,
        bytesIn,
        written.size(),
        bytesOut,
        partitions.size());
    return result;
  }

  /** The bins to rewrite: small files of one partition and one run's writer, each bin >= 2. */
  static List<List<DataFile>> plan(Table table, Snapshot start, Request request) {
    long small = request.targetFileSizeBytes() * 3 / 4;
    Map<String, List<DataFile>> groups = new TreeMap<>();
    TableScan scan = table.newScan().useSnapshot(start.snapshotId()).filter(filter(table, request));
    try (CloseableIterable<FileScanTask> tasks = scan.planFiles()) {
      for (FileScanTask task : tasks) {
        if (!task.deletes().isEmpty()) {
          throw new IllegalStateException(
              table.name()
                  + " has row-level delete files, which the lake does not write and this"
                  + " compaction does not apply: not compacted");
        }
        DataFile file = task.file();
        if (file.fileSizeInBytes() >= small) {
          continue;
        }
        String key =
            file.specId()
                + "/"
                + table.specs().get(file.specId()).partitionToPath(file.partition())
                + "/"
                + writerPrefix(file.location());
        groups.computeIfAbsent(key, k -> new ArrayList<>()).add(file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot plan the data files of " + table.name(), e);
    }
    List<List<DataFile>> bins = new ArrayList<>();
    for (List<DataFile> group : groups.values()) {
      group.sort(Comparator.comparing(DataFile::location));
      List<DataFile> bin = new ArrayList<>();
      long size = 0;
      for (DataFile file : group) {
        if (!bin.isEmpty() && size + file.fileSizeInBytes() > request.targetFileSizeBytes()) {
          addIfWorthIt(bins, bin);
          bin = new ArrayList<>();
          size = 0;
        }
        bin.add(file);
        size += file.fileSizeInBytes();
      }
      addIfWorthIt(bins, bin);
    }
    return bins;
  }

  private static void addIfWorthIt(List<List<DataFile>> bins, List<DataFile> bin) {
    if (bin.size() >= 2) {
      bins.add(bin);
    }
  }

  /** The partition filter of the request: tenant, event time from a day on. */
  private static Expression filter(Table table, Request request) {
    Expression filter = Expressions.alwaysTrue();
    PartitionSpec spec = table.spec();
    for (PartitionField field : spec.fields()) {
      String column = spec.schema().findColumnName(field.sourceId());
      if (field.transform().isIdentity() && request.tenant() != null) {
        filter = Expressions.and(filter, Expressions.equal(column, request.tenant()));
      } else if (!field.transform().isIdentity() && request.since() != null) {
        long micros =
            ChronoUnit.MICROS.between(
                java.time.Instant.EPOCH, request.since().atStartOfDay(ZoneOffset.UTC).toInstant());
        filter = Expressions.and(filter, Expressions.greaterThanOrEqual(column, micros));
      }
    }
    return filter;
  }

  /**
   * The file-name prefix of the run and writer that wrote {@code location} ({@code
   * part-<runId>-<writer>-}), or {@code part-compacted-} for a file of another writer.
   */
  static String writerPrefix(String location) {
    String name = location.substring(location.lastIndexOf('/') + 1);
    Matcher m = LAKE_FILE.matcher(name);
    return m.matches() ? m.group(1) : "part-compacted-";
  }

  /** Reads the bin's rows with Iceberg's reader and writes them into one new data file. */
  private static DataFile rewriteBin(Table table, List<DataFile> bin) {
    DataFile first = bin.get(0);
    PartitionSpec spec = table.specs().get(first.specId());
    StructLike partition = first.partition();
    String name = writerPrefix(first.location()) + UUID.randomUUID() + ".parquet";
    OutputFile out =
        table.io().newOutputFile(table.locationProvider().newDataLocation(spec, partition, name));
    DataWriter<Record> writer;
    try {
      writer =
          Parquet.writeData(out)
              .forTable(table)
              .withSpec(spec)
              .withPartition(partition)
              .createWriterFunc(GenericParquetWriter::buildWriter)
              .build();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open " + out.location(), e);
    }
    try (DataWriter<Record> w = writer) {
      for (DataFile file : bin) {
        try (CloseableIterable<Record> rows =
            Parquet.read(table.io().newInputFile(file.location()))
                .project(table.schema())
                .createReaderFunc(
                    fileSchema -> GenericParquetReaders.buildReader(table.schema(), fileSchema))
                .build()) {
          for (Record row : rows) {
            w.write(row);
          }
        }
      }
    } catch (IOException e) {
      table.io().deleteFile(out.location());
      throw new UncheckedIOException("cannot rewrite into " + out.location(), e);
    }
    return writer.toDataFile();
  }
}
