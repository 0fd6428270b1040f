package io.datalake.transforms.lake.iceberg;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotSummary;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.exceptions.ValidationException;

/**
 * What {@code ./datalake lake tables|history|rollback} shows and does, over the lake's catalog: the
 * tables with their current state, a table's snapshots (time, rows added, the run that wrote them),
 * and rolling a table back to an earlier snapshot of its history.
 */
public final class IcebergLakeAdmin {
  private IcebergLakeAdmin() {}

  /** One table now: snapshots, rows and data files of its current snapshot. */
  public record TableState(
      String name, int snapshots, Long currentSnapshot, long rows, long files, Instant committed) {}

  /** One snapshot of a table's history. */
  public record SnapshotEntry(
      long id,
      Long parent,
      Instant time,
      String operation,
      long addedRows,
      long totalRows,
      String runId,
      String writer,
      boolean current) {}

  /** The tables of the namespace, by name. */
  public static List<TableState> tables(IcebergCatalogConfig config) {
    Catalog catalog = config.catalog();
    try {
      List<TableState> out = new ArrayList<>();
      for (TableIdentifier id : tableIds(catalog, config)) {
        Table table = catalog.loadTable(id);
        Snapshot current = table.currentSnapshot();
        int count = 0;
        for (Snapshot ignored : table.snapshots()) {
          count++;
        }
        out.add(
            new TableState(
                id.name(),
                count,
                current == null ? null : current.snapshotId(),
                IcebergCommits.summaryLong(current, SnapshotSummary.TOTAL_RECORDS_PROP),
                IcebergCommits.summaryLong(current, SnapshotSummary.TOTAL_DATA_FILES_PROP),
                current == null ? null : Instant.ofEpochMilli(current.timestampMillis())));
      }
      return out;
    } finally {
      IcebergCatalogConfig.close(catalog);
    }
  }

  /** The table's snapshots, oldest first. */
  public static List<SnapshotEntry> history(IcebergCatalogConfig config, String table) {
    Catalog catalog = config.catalog();
    try {
      Table t = load(catalog, config, table);
      Snapshot current = t.currentSnapshot();
      List<SnapshotEntry> out = new ArrayList<>();
      for (Snapshot s : t.snapshots()) {
        Map<String, String> summary = s.summary();
        out.add(
            new SnapshotEntry(
                s.snapshotId(),
                s.parentId(),
                Instant.ofEpochMilli(s.timestampMillis()),
                s.operation(),
                IcebergCommits.summaryLong(s, SnapshotSummary.ADDED_RECORDS_PROP),
                IcebergCommits.summaryLong(s, SnapshotSummary.TOTAL_RECORDS_PROP),
                summary.get(IcebergCommits.RUN_ID),
                summary.get(IcebergCommits.WRITER),
                current != null && current.snapshotId() == s.snapshotId()));
      }
      out.sort((a, b) -> a.time().compareTo(b.time()));
      return out;
    } finally {
      IcebergCatalogConfig.close(catalog);
    }
  }

  /**
   * Makes {@code snapshotId}, an ancestor of the current snapshot, current again: readers see the
   * table as it was then; later snapshots stay in the metadata until they expire.
   */
  public static void rollback(IcebergCatalogConfig config, String table, long snapshotId) {
    Catalog catalog = config.catalog();
    try {
      Table t = load(catalog, config, table);
      if (t.snapshot(snapshotId) == null) {
        throw new IllegalArgumentException(
            "table "
                + table
                + " has no snapshot "
                + snapshotId
                + ": see ./datalake lake history "
                + table);
      }
      try {
        t.manageSnapshots().rollbackTo(snapshotId).commit();
      } catch (IllegalArgumentException | ValidationException e) {
        // Iceberg says "not an ancestor" with either, by version.
        throw new IllegalArgumentException(
            "cannot roll "
                + table
                + " back to snapshot "
                + snapshotId
                + ": it is not an ancestor of the current snapshot ("
                + e.getMessage()
                + ")",
            e);
      }
    } finally {
      IcebergCatalogConfig.close(catalog);
    }
  }

  /** The tables of the lake's namespace, by name. */
  static List<TableIdentifier> tableIds(Catalog catalog, IcebergCatalogConfig config) {
    List<TableIdentifier> ids = new ArrayList<>(catalog.listTables(config.id("x").namespace()));
    ids.sort((a, b) -> a.name().compareTo(b.name()));
    return ids;
  }

  /** Loads lake table {@code table}, or says which catalog has no such table. */
  static Table load(Catalog catalog, IcebergCatalogConfig config, String table) {
    try {
      return catalog.loadTable(config.id(table));
    } catch (NoSuchTableException e) {
      throw new IllegalArgumentException(
          "no Iceberg table "
              + config.id(table)
              + " in the "
              + config.type()
              + " catalog at "
              + config.warehouse()
              + ": see ./datalake lake tables",
          e);
    }
  }
}
