package io.datalake.transforms.lake.iceberg;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.io.CloseableIterable;
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
   * deleted when {@code delete}. Listed and referenced locations are compared in {@link
   * IcebergLocations#canonical} form, and folders a listing names as objects are never files.
   *
   * @throws IllegalStateException when a data file of the current snapshot is not among the listed
   *     files: the listing and the metadata name files differently, or a live file is missing;
   *     either way no file of the table is deleted
   */
  public static List<Orphan> find(Table table, Instant before, boolean delete) {
    if (!(table.io() instanceof SupportsPrefixOperations io)) {
      throw new IllegalStateException(
          "the FileIO of " + table.name() + " cannot list files: orphans cannot be found");
    }
    String name = table.name().substring(table.name().lastIndexOf('.') + 1);
    String dataFolder = table.location() + "/data/";
    // Listed before the table's metadata is read again: a file committed in between is then
    // referenced, and a file written in between is not listed.
    List<FileInfo> listed = new ArrayList<>();
    try {
      for (FileInfo info : io.listPrefix(dataFolder)) {
        if (!IcebergLocations.isFolder(info.location())) {
          listed.add(info);
        }
      }
    } catch (UncheckedIOException e) {
      if (!(e.getCause() instanceof FileNotFoundException)) {
        throw e;
      }
      // A table nothing was ever written to has no data folder, and no orphans.
    }
    table.refresh();
    Set<String> referenced = IcebergCommits.referencedDataFiles(table);
    checkListingNamesTheLiveFiles(table, dataFolder, listed);
    List<Orphan> orphans = new ArrayList<>();
    for (FileInfo info : listed) {
      if (referenced.contains(IcebergLocations.canonical(info.location()))
          || info.createdAtMillis() >= before.toEpochMilli()) {
        continue;
      }
      orphans.add(
          new Orphan(
              name, info.location(), info.size(), Instant.ofEpochMilli(info.createdAtMillis())));
    }
    if (delete) {
      orphans.forEach(o -> io.deleteFile(o.location()));
      if (!orphans.isEmpty()) {
        LOG.info(
            "datalake: deleted {} data files of {} that no snapshot references",
            orphans.size(),
            table.name());
      }
    }
    return orphans;
  }

  /**
   * The proof that the listing speaks the metadata's language: every data file of the current
   * snapshot under the listed folder is among the listed files (canonical forms). Without it, a
   * listing that names files in another form (another scheme, an endpoint's URL, encoded keys)
   * would make every live file look unreferenced.
   */
  private static void checkListingNamesTheLiveFiles(
      Table table, String dataFolder, List<FileInfo> listed) {
    if (table.currentSnapshot() == null) {
      return;
    }
    String folder = IcebergLocations.canonical(dataFolder);
    Set<String> found = new HashSet<>();
    listed.forEach(info -> found.add(IcebergLocations.canonical(info.location())));
    List<String> missing = new ArrayList<>();
    try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
      for (FileScanTask task : tasks) {
        String live = IcebergLocations.canonical(task.file().location());
        if (live.startsWith(folder) && !found.contains(live)) {
          missing.add(task.file().location());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the data files of " + table.name(), e);
    }
    if (!missing.isEmpty()) {
      throw new IllegalStateException(
          "the listing of "
              + dataFolder
              + " does not name "
              + missing.size()
              + " data file(s) of the current snapshot of "
              + table.name()
              + " (e.g. "
              + missing.get(0)
              + "; listed e.g. "
              + (listed.isEmpty() ? "nothing" : listed.get(0).location())
              + "): the storage and the metadata name files differently, or a live file is"
              + " missing. Nothing of this table is deleted.");
    }
  }
}
