package io.datalake.transforms.lake.iceberg;

import io.datalake.transforms.kinds.EntityOperations;
import io.datalake.transforms.snapshot.SnapshotRows;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.OverwriteFiles;
import org.apache.iceberg.PartitionField;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.expressions.StrictMetricsEvaluator;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Conversions;
import org.apache.iceberg.types.Types;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A month's snapshot rows ({@code detail_type = SnapshotOperation} at the month's first instant) of
 * {@code entity_operations} replaced by one Iceberg overwrite: the commit deletes every data file
 * that holds only that month's snapshot rows, whichever run wrote them (the pipeline's {@code
 * --snapshots}, an earlier {@code ./datalake snapshot}), and adds the new ones, in one snapshot.
 * Readers see the old rows or the new rows, never both and never none, and a month computed again
 * leaves one copy. Operation rows, and other months' snapshot rows, are untouched.
 *
 * <p>Checked as Iceberg's own overwrites are: the commit validates from the snapshot it planned
 * from, with the month's filter as its conflict-detection filter, so a concurrent commit that adds
 * or deletes rows of that month's snapshot fails this one instead of leaving two copies. A file
 * that mixes the month's snapshot rows with other rows (the lake writes none: snapshot rows have
 * files of their own) is refused rather than half replaced. The commit is idempotent as {@link
 * IcebergCommits}' are: the same files again commit nothing.
 */
public final class IcebergSnapshotOverwrite {
  private static final Logger LOG = LoggerFactory.getLogger(IcebergSnapshotOverwrite.class);

  /** The month a snapshot-overwrite commit replaced, in its summary. */
  public static final String MONTH = "datalake.snapshot-month";

  private IcebergSnapshotOverwrite() {}

  /** The rows this overwrite replaces: the snapshot rows of {@code month}'s first instant. */
  public static Expression monthFilter(YearMonth month) {
    Instant start = month.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    return Expressions.and(
        Expressions.equal("detail_type", SnapshotRows.DETAIL_TYPE),
        Expressions.equal(
            EntityOperations.OPERATIONS.eventTimeColumn(),
            ChronoUnit.MICROS.between(Instant.EPOCH, start)));
  }

  /**
   * Replaces the snapshot rows of {@code month} in {@code table} ({@code entity_operations}) by
   * those of {@code files}, as run {@code runId}'s writer {@code writer}.
   */
  public static IcebergCommits.Outcome commit(
      Table table, YearMonth month, String runId, String writer, List<DataFile> files) {
    return commit(table, monthFilter(month), month.toString(), false, runId, writer, files);
  }

  /**
   * Replaces the snapshot rows of every tenant and month {@code files} hold (snapshot files: rows
   * of one tenant at their month's first instant only), and the run's earlier files of the same
   * writer, by {@code files}: a batch with {@code --snapshots} after {@code ./datalake snapshot}
   * leaves one copy of each of its tenants' months, the later one, as a rerun of either does. Other
   * tenants' snapshot rows of those months stay (a batch of one tenant knows no other).
   */
  public static IcebergCommits.Outcome commitMonthsOf(
      Table table, String runId, String writer, List<DataFile> files) {
    Map<YearMonth, SortedSet<String>> tenantsByMonth = tenantsByMonth(table, files);
    String label =
        String.join(",", tenantsByMonth.keySet().stream().map(YearMonth::toString).toList());
    return commit(table, tenantsMonthsFilter(tenantsByMonth), label, true, runId, writer, files);
  }

  /**
   * Replaces the snapshot rows {@code filter} selects; {@code label} names their months. With
   * {@code ownFiles} also the run's earlier files of the writer, whatever months they hold (a
   * batch; the command's files of a month are all in {@code filter}'s).
   */
  private static IcebergCommits.Outcome commit(
      Table table,
      Expression filter,
      String label,
      boolean ownFiles,
      String runId,
      String writer,
      List<DataFile> files) {
    List<DataFile> sorted = new ArrayList<>(files);
    sorted.sort(Comparator.comparing(DataFile::location));
    String hash = IcebergCommits.hash(sorted);
    table.refresh();
    for (Snapshot snapshot : table.snapshots()) {
      Map<String, String> summary = snapshot.summary();
      if (runId.equals(summary.get(IcebergCommits.RUN_ID))
          && writer.equals(summary.get(IcebergCommits.WRITER))
          && hash.equals(summary.get(IcebergCommits.FILES_HASH))) {
        IcebergCommits.deleteUnreferenced(table, runId, writer);
        return IcebergCommits.Outcome.ALREADY_COMMITTED;
      }
    }
    Snapshot start = table.currentSnapshot();
    Map<String, DataFile> replaced = new LinkedHashMap<>();
    if (start != null) {
      for (DataFile file : monthFiles(table, start, filter)) {
        replaced.put(file.location(), file);
      }
      if (ownFiles) {
        // The run's own earlier files, also of months this attempt no longer writes.
        for (DataFile file :
            IcebergCommits.liveFiles(table, WriteIcebergTables.filePrefix(runId, writer))) {
          replaced.putIfAbsent(file.location(), file);
        }
      }
    }
    OverwriteFiles overwrite = table.newOverwrite();
    replaced.values().forEach(overwrite::deleteFile);
    sorted.forEach(overwrite::addFile);
    if (start != null) {
      overwrite
          .validateFromSnapshot(start.snapshotId())
          .conflictDetectionFilter(filter)
          .validateNoConflictingData()
          .validateNoConflictingDeletes();
    }
    overwrite
        .set(IcebergCommits.RUN_ID, runId)
        .set(IcebergCommits.WRITER, writer)
        .set(IcebergCommits.FILES_HASH, hash)
        .set(MONTH, label)
        .commit();
    LOG.info(
        "datalake: {}: the snapshot rows of {} replaced: {} files out, {} in (run {})",
        table.name(),
        label,
        replaced.size(),
        sorted.size(),
        runId);
    IcebergCommits.deleteUnreferenced(table, runId, writer);
    return replaced.isEmpty() ? IcebergCommits.Outcome.APPENDED : IcebergCommits.Outcome.REPLACED;
  }

  /**
   * The snapshot rows of each month's tenants: one term per month, its tenants in a list. A term
   * per tenant and month would nest an OR for each, thousands deep for a full history of many
   * tenants, and Iceberg walks expressions recursively.
   */
  static Expression tenantsMonthsFilter(Map<YearMonth, SortedSet<String>> tenantsByMonth) {
    Expression filter = Expressions.alwaysFalse();
    for (Map.Entry<YearMonth, SortedSet<String>> month : tenantsByMonth.entrySet()) {
      filter =
          Expressions.or(
              filter,
              Expressions.and(
                  Expressions.in(EntityOperations.OPERATIONS.tenantColumn(), month.getValue()),
                  monthFilter(month.getKey())));
    }
    return filter;
  }

  /**
   * The tenants of each month the snapshot files hold: a file's tenant from its partition (identity
   * of the tenant column), the month from the lower bound of its event-time column.
   */
  static Map<YearMonth, SortedSet<String>> tenantsByMonth(Table table, List<DataFile> files) {
    String tenantColumn = EntityOperations.OPERATIONS.tenantColumn();
    Types.NestedField time =
        table.schema().findField(EntityOperations.OPERATIONS.eventTimeColumn());
    Map<YearMonth, SortedSet<String>> out = new TreeMap<>();
    for (DataFile file : files) {
      ByteBuffer lower = file.lowerBounds() == null ? null : file.lowerBounds().get(time.fieldId());
      String tenant = tenantOf(table, file, tenantColumn);
      if (lower == null || tenant == null) {
        throw new IllegalStateException(
            table.name()
                + ": snapshot data file "
                + file.location()
                + (lower == null
                    ? " has no lower bound of " + time.name() + ": its month is unknown"
                    : " has no " + tenantColumn + " partition: its tenant is unknown")
                + "; nothing committed");
      }
      long micros = Conversions.<Long>fromByteBuffer(time.type(), lower);
      YearMonth month =
          YearMonth.from(Instant.EPOCH.plus(micros, ChronoUnit.MICROS).atZone(ZoneOffset.UTC));
      out.computeIfAbsent(month, m -> new TreeSet<>()).add(tenant);
    }
    return out;
  }

  /** The tenant of {@code file}'s partition, or null when its spec has no identity of it. */
  private static String tenantOf(Table table, DataFile file, String tenantColumn) {
    PartitionSpec spec = table.specs().get(file.specId());
    List<PartitionField> fields = spec.fields();
    for (int i = 0; i < fields.size(); i++) {
      PartitionField field = fields.get(i);
      if (field.transform().isIdentity()
          && tenantColumn.equals(table.schema().findColumnName(field.sourceId()))) {
        return file.partition().get(i, String.class);
      }
    }
    return null;
  }

  /**
   * The current data files that hold only snapshot rows of the month; refuses a file that mixes
   * them with other rows.
   */
  private static List<DataFile> monthFiles(Table table, Snapshot start, Expression filter) {
    StrictMetricsEvaluator strict = new StrictMetricsEvaluator(table.schema(), filter);
    List<DataFile> out = new ArrayList<>();
    try (CloseableIterable<FileScanTask> tasks =
        table.newScan().useSnapshot(start.snapshotId()).filter(filter).planFiles()) {
      for (FileScanTask task : tasks) {
        DataFile file = task.file();
        // Bounds prove a file only where they are whole: string bounds are truncated (16
        // characters by default), and SnapshotOperation has 17, so a candidate file is read to be
        // sure (a few files per month: snapshot rows have files of their own).
        long matching = strict.eval(file) ? file.recordCount() : matching(table, file, filter);
        if (matching == file.recordCount()) {
          out.add(file);
        } else if (matching > 0) {
          throw new IllegalStateException(
              table.name()
                  + ": data file "
                  + file.location()
                  + " holds snapshot rows of the month beside other rows: it cannot be replaced"
                  + " as a whole; nothing changed");
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot plan the snapshot files of " + table.name(), e);
    }
    return out;
  }

  /** The rows of {@code file} that match {@code filter} (its bounds could not tell). */
  private static long matching(Table table, DataFile file, Expression filter) throws IOException {
    // The file's own rows, read directly: a table scan would read its neighbours too.
    try (CloseableIterable<Record> rows =
        org.apache.iceberg.parquet.Parquet.read(table.io().newInputFile(file.location()))
            .project(table.schema())
            .createReaderFunc(
                schema ->
                    org.apache.iceberg.data.parquet.GenericParquetReaders.buildReader(
                        table.schema(), schema))
            .build()) {
      org.apache.iceberg.expressions.Evaluator matches =
          new org.apache.iceberg.expressions.Evaluator(table.schema().asStruct(), filter);
      org.apache.iceberg.data.InternalRecordWrapper wrapper =
          new org.apache.iceberg.data.InternalRecordWrapper(table.schema().asStruct());
      long count = 0;
      for (Record row : rows) {
        if (matches.eval(wrapper.wrap(row))) {
          count++;
        }
      }
      return count;
    }
  }
}
