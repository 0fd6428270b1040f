package io.datalake.transforms.lake.iceberg;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.is;

import io.datalake.transforms.snapshot.SnapshotRows;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Binder;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.StrictMetricsEvaluator;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * A month's snapshot rows replaced by one Iceberg overwrite: computed again, the month holds one
 * copy; operation rows and other months' snapshot rows stay.
 */
public class IcebergSnapshotOverwriteTest {
  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  private static final YearMonth FEB = YearMonth.of(2024, 2);

  /** One data file of rows of tenant o1 at {@code time}, one per entity. */
  private static DataFile file(
      Table table, String runId, String time, String detailType, String... entities)
      throws Exception {
    return writerFile(table, runId, WriteIcebergTables.MAIN_WRITER, time, detailType, entities);
  }

  /** The same, written by writer {@code writer} of the run. */
  private static DataFile writerFile(
      Table table, String runId, String writer, String time, String detailType, String... entities)
      throws Exception {
    return tenantFile(table, "o1", runId, writer, time, detailType, entities);
  }

  /** The same, of tenant {@code tenant}. */
  private static DataFile tenantFile(
      Table table,
      String tenant,
      String runId,
      String writer,
      String time,
      String detailType,
      String... entities)
      throws Exception {
    List<Record> rows = new ArrayList<>();
    for (String entity : entities) {
      Record row = IcebergTestTables.row(table);
      row.setField("id", runId + "-" + entity + "-" + time);
      row.setField("org_id", tenant);
      row.setField("detail_type", detailType);
      row.setField("entity_id", entity);
      row.setField("timestamp", OffsetDateTime.parse(time));
      rows.add(row);
    }
    return IcebergTestTables.write(table, runId, writer, rows);
  }

  /** The snapshot rows of e1 and e2 at {@code time}, as batch b1's snapshot writer writes them. */
  private static DataFile batchSnapshotFile(Table table, String time) throws Exception {
    return writerFile(table, "b1", "snapshot", time, SnapshotRows.DETAIL_TYPE, "e1", "e2");
  }

  /** {@code ./datalake snapshot --months=2024-02}'s commit of {@code file}. */
  private static IcebergCommits.Outcome commandCommit(Table table, DataFile file) {
    return IcebergSnapshotOverwrite.commit(
        table, FEB, "snapshot-2024-02", "snapshot", List.of(file));
  }

  /** A fresh lake's entity_operations table. */
  private Table entityOperations() throws Exception {
    IcebergCatalogConfig config = IcebergTestTables.prepared(temp, false);
    return config.catalog().loadTable(config.id("entity_operations"));
  }

  /** The table's rows as detail_type/entity@month-day. */
  private static List<String> rows(Table table) throws Exception {
    table.refresh();
    List<String> out = new ArrayList<>();
    try (CloseableIterable<Record> rows = IcebergGenerics.read(table).build()) {
      for (Record r : rows) {
        out.add(
            (SnapshotRows.DETAIL_TYPE.equals(r.getField("detail_type")) ? "S/" : "O/")
                + r.getField("entity_id")
                + "@"
                + r.getField("timestamp").toString().substring(0, 10));
      }
    }
    return out;
  }

  @Test
  public void aMonthComputedAgainHoldsOneCopyAndTheRestStays() throws Exception {
    Table table = entityOperations();
    // Operations of January and of February's first day, and the pipeline's own snapshot rows
    // (--snapshots, run r1) of February and March.
    table
        .newAppend()
        .appendFile(file(table, "r1", "2024-01-10T00:00:00Z", "EntityCreated", "e1", "e2", "e3"))
        .appendFile(file(table, "r1", "2024-02-01T00:00:00Z", "EntityUpdated", "e1"))
        .appendFile(file(table, "r1", "2024-02-01T00:00:00Z", SnapshotRows.DETAIL_TYPE, "e1", "e2"))
        .appendFile(file(table, "r1", "2024-03-01T00:00:00Z", SnapshotRows.DETAIL_TYPE, "e1"))
        .commit();

    // ./datalake snapshot --months=2024-02: e1, e2 and e3.
    DataFile recomputed =
        file(
            table,
            "snapshot-2024-02",
            "2024-02-01T00:00:00Z",
            SnapshotRows.DETAIL_TYPE,
            "e1",
            "e2",
            "e3");
    assertThat(commandCommit(table, recomputed), is(IcebergCommits.Outcome.REPLACED));
    List<String> once =
        List.of(
            "O/e1@2024-01-10",
            "O/e2@2024-01-10",
            "O/e3@2024-01-10",
            "O/e1@2024-02-01",
            "S/e1@2024-02-01",
            "S/e2@2024-02-01",
            "S/e3@2024-02-01",
            "S/e1@2024-03-01");
    assertThat(rows(table), containsInAnyOrder(once.toArray()));
    assertThat(table.currentSnapshot().operation(), is("overwrite"));
    assertThat(
        table.currentSnapshot().summary().get(IcebergSnapshotOverwrite.MONTH), is("2024-02"));

    // Computed again (a rerun writes new files): still one copy.
    DataFile again =
        file(
            table,
            "snapshot-2024-02",
            "2024-02-01T00:00:00Z",
            SnapshotRows.DETAIL_TYPE,
            "e1",
            "e2",
            "e3");
    commandCommit(table, again);
    assertThat(rows(table), containsInAnyOrder(once.toArray()));
    // The same files again (a retried committer): nothing committed.
    long current = table.currentSnapshot().snapshotId();
    assertThat(commandCommit(table, again), is(IcebergCommits.Outcome.ALREADY_COMMITTED));
    table.refresh();
    assertThat(table.currentSnapshot().snapshotId(), is(current));
  }

  /**
   * A batch with --snapshots after ./datalake snapshot: the batch's commit replaces the snapshot
   * rows of each month its files hold (the command's file of February), not only its own earlier
   * files; a rerun of the batch leaves one copy too.
   */
  @Test
  public void aBatchsSnapshotMonthsReplaceTheCommandsFiles() throws Exception {
    Table table = entityOperations();
    table
        .newAppend()
        .appendFile(file(table, "b1", "2024-01-10T00:00:00Z", "EntityCreated", "e1", "e2"))
        .commit();
    commandCommit(
        table,
        file(table, "snapshot-2024-02", "2024-02-01T00:00:00Z", SnapshotRows.DETAIL_TYPE, "e1"));

    List<DataFile> batch =
        List.of(
            batchSnapshotFile(table, "2024-02-01T00:00:00Z"),
            batchSnapshotFile(table, "2024-03-01T00:00:00Z"));
    assertThat(
        IcebergSnapshotOverwrite.commitMonthsOf(table, "b1", "snapshot", batch),
        is(IcebergCommits.Outcome.REPLACED));
    List<String> once =
        List.of(
            "O/e1@2024-01-10",
            "O/e2@2024-01-10",
            "S/e1@2024-02-01",
            "S/e2@2024-02-01",
            "S/e1@2024-03-01",
            "S/e2@2024-03-01");
    assertThat(rows(table), containsInAnyOrder(once.toArray()));
    assertThat(
        table.currentSnapshot().summary().get(IcebergSnapshotOverwrite.MONTH),
        is("2024-02,2024-03"));

    // The batch again, with March only this time: its February file goes as the run's own.
    IcebergSnapshotOverwrite.commitMonthsOf(
        table, "b1", "snapshot", List.of(batchSnapshotFile(table, "2024-03-01T00:00:00Z")));
    assertThat(
        rows(table),
        containsInAnyOrder(
            "O/e1@2024-01-10", "O/e2@2024-01-10", "S/e1@2024-03-01", "S/e2@2024-03-01"));
  }

  /**
   * A batch of one tenant replaces that tenant's months only: another tenant's snapshot rows of the
   * same months (the command's, another batch's) stay (a review found them deleted).
   */
  @Test
  public void aBatchReplacesItsOwnTenantsMonthsOnly() throws Exception {
    Table table = entityOperations();
    commandCommit(
        table,
        tenantFile(
            table,
            "o2",
            "snapshot-2024-02",
            "snapshot",
            "2024-02-01T00:00:00Z",
            SnapshotRows.DETAIL_TYPE,
            "x1"));
    IcebergSnapshotOverwrite.commitMonthsOf(
        table,
        "b3",
        "snapshot",
        List.of(
            tenantFile(
                table,
                "o3",
                "b3",
                "snapshot",
                "2024-02-01T00:00:00Z",
                SnapshotRows.DETAIL_TYPE,
                "y1")));
    IcebergSnapshotOverwrite.commitMonthsOf(
        table, "b1", "snapshot", List.of(batchSnapshotFile(table, "2024-02-01T00:00:00Z")));
    table.refresh();
    List<String> tenants = new ArrayList<>();
    try (CloseableIterable<Record> rows = IcebergGenerics.read(table).build()) {
      for (Record r : rows) {
        tenants.add(r.getField("org_id") + "/" + r.getField("entity_id"));
      }
    }
    assertThat(tenants, containsInAnyOrder("o2/x1", "o3/y1", "o1/e1", "o1/e2"));
  }

  /**
   * A full history of many tenants: 5,000 tenants over ten years make a filter Iceberg can bind and
   * evaluate (one term per month; a term per tenant and month nested 600,000 deep).
   */
  @Test
  public void theFilterOfManyTenantsAndMonthsStaysShallow() throws Exception {
    Table table = entityOperations();
    Map<YearMonth, SortedSet<String>> tenantsByMonth = new TreeMap<>();
    SortedSet<String> tenants = new TreeSet<>();
    for (int t = 0; t < 5_000; t++) {
      tenants.add("tenant-" + t);
    }
    for (YearMonth m = YearMonth.of(2015, 1);
        m.isBefore(YearMonth.of(2025, 1));
        m = m.plusMonths(1)) {
      tenantsByMonth.put(m, tenants);
    }
    Expression filter = IcebergSnapshotOverwrite.tenantsMonthsFilter(tenantsByMonth);
    Expression bound = Binder.bind(table.schema().asStruct(), filter, true);
    assertThat(bound.op() == Expression.Operation.OR, is(true));
    new StrictMetricsEvaluator(table.schema(), filter);
  }

  @Test
  public void aFileMixingTheMonthsSnapshotRowsWithOtherRowsIsRefused() throws Exception {
    Table table = entityOperations();
    List<Record> mixed = new ArrayList<>();
    for (String type : List.of(SnapshotRows.DETAIL_TYPE, "EntityUpdated")) {
      Record row = IcebergTestTables.row(table);
      row.setField("id", type);
      row.setField("org_id", "o1");
      row.setField("detail_type", type);
      row.setField("entity_id", "e1");
      row.setField("timestamp", OffsetDateTime.parse("2024-02-01T00:00:00Z"));
      mixed.add(row);
    }
    table.newAppend().appendFile(IcebergTestTables.write(table, "r1", mixed)).commit();
    long before = table.currentSnapshot().snapshotId();
    IllegalStateException e =
        org.junit.Assert.assertThrows(
            IllegalStateException.class,
            () ->
                commandCommit(
                    table,
                    file(table, "s", "2024-02-01T00:00:00Z", SnapshotRows.DETAIL_TYPE, "e1")));
    assertThat(e.getMessage().contains("beside other rows"), is(true));
    table.refresh();
    assertThat(table.currentSnapshot().snapshotId(), is(before));
  }
}
