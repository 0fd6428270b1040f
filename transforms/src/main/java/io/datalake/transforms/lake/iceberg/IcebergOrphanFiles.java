package io.datalake.transforms.lake.iceberg;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.io.FileInfo;
import org.apache.iceberg.io.SupportsPrefixOperations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ./datalake lake orphans}: the data files under the tables' {@code data/} folders that no
 * snapshot references: written but never committed (a run killed before its commit, a writer's
 * retried bundle whose run never committed), or left when a deletion failed. Listed, and deleted
 * with {@code --delete}, only when older than a grace period (default 24 hours): a running job's
 * files are not referenced until its commit, and must stay.
 *
 * <p>A file any snapshot references, current or not, is never an orphan: time travel reads it.
 * Snapshot expiry ({@link IcebergSnapshotExpiry}) is what releases those.
 */
public final class IcebergOrphanFiles {
  private static final Logger LOG = LoggerFactory.getLogger(IcebergOrphanFiles.class);

  /** The default grace period: files younger than this are never orphans. */
  public static final int DEFAULT_OLDER_THAN_HOURS = 24;

  private IcebergOrphanFiles() {}

  /** One orphan file. */
  public record Orphan(String table, String location, long bytes, Instant modified) {}

  /** The orphans found (and deleted, when asked) in each table of the namespace. */
  public static List<Orphan> find(
      IcebergCatalogConfig config, Duration olderThan, Instant now, boolean delete) {
    if (olderThan.isNegative()) {
      throw new IllegalArgumentException("--older-than-hours must be 0 or more, got " + olderThan);
    }
    Catalog catalog = config.catalog();
    try {
      List<Orphan> all = new ArrayList<>();
      for (TableIdentifier id : IcebergLakeAdmin.tableIds(catalog, config)) {
        all.addAll(find(catalog.loadTable(id), now.minus(olderThan), delete));
      }
      return all;
    } finally {
      IcebergCatalogConfig.close(catalog);
    }
  }

  /**
   * The data files of {@code table} no snapshot references, last modified before {@code before};
   * deleted when {@code delete}.
   */
  public static List<Orphan> find(Table table, Instant before, boolean delete) {
    if (!(table.io() instanceof SupportsPrefixOperations io)) {
      throw new IllegalStateException(
          "the FileIO of " + table.name() + " cannot list files: orphans cannot be found");
    }
    String name = table.name().substring(table.name().lastIndexOf('.') + 1);
    // Listed before the table's metadata is read again: a file committed in between is then
    // referenced, and a file written in between is not listed.
    List<FileInfo> listed = new ArrayList<>();
    try {
      io.listPrefix(table.location() + "/data/").forEach(listed::add);
    } catch (java.io.UncheckedIOException e) {
      if (!(e.getCause() instanceof java.io.FileNotFoundException)) {
        throw e;
      }
      // A table nothing was ever written to has no data folder, and no orphans.
    }
    table.refresh();
    Set<String> referenced = IcebergCommits.referencedDataFiles(table);
    List<Orphan> orphans = new ArrayList<>();
    for (FileInfo info : listed) {
      if (referenced.contains(IcebergCommits.normalize(info.location()))
          || info.createdAtMillis() >= before.toEpochMilli()) {
        continue;
      }
      Orphan orphan =
          new Orphan(
              name, info.location(), info.size(), Instant.ofEpochMilli(info.createdAtMillis()));
      if (delete) {
        io.deleteFile(info.location());
      }
      orphans.add(orphan);
    }
    if (delete && !orphans.isEmpty()) {
      LOG.info(
          "datalake: deleted {} data files of {} that no snapshot references",
          orphans.size(),
          table.name());
    }
    return orphans;
  }
}
