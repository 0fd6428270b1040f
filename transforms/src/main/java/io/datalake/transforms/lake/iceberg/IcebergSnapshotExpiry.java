package io.datalake.transforms.lake.iceberg;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.iceberg.ExpireSnapshots;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshot expiry ({@code ExpireSnapshots}) of the lake's tables: snapshots older than N days leave
 * the history, and the files only they referenced (data files an overwrite or a compaction
 * replaced, their manifests and manifest lists) are deleted. The current snapshot always stays,
 * however old, and so do the files it references. Time travel reaches back N days after this.
 *
 * <p>Run by {@code ./datalake lake expire} and after a run's commits ({@code
 * --icebergKeepSnapshotsDays}).
 */
public final class IcebergSnapshotExpiry {
  private static final Logger LOG = LoggerFactory.getLogger(IcebergSnapshotExpiry.class);

  /** The default history kept, in days. */
  public static final int DEFAULT_KEEP_DAYS = 7;

  private IcebergSnapshotExpiry() {}

  /** What expiry did to one table. */
  public record Result(
      String table, int expiredSnapshots, int deletedDataFiles, int deletedOther) {}

  /** Checks a number of days to keep: 0 or more. */
  public static int checkDays(int days, String option) {
    if (days < 0) {
      throw new IllegalArgumentException(
          option + " is the number of days of snapshots to keep (0 or more), got " + days);
    }
    return days;
  }

  /** {@code --icebergKeepSnapshotsDays}: -1 (expire nothing) or 0 and more. */
  public static int checkKeepDays(int days) {
    return days == -1 ? days : checkDays(days, "--icebergKeepSnapshotsDays (or -1 for never)");
  }

  /**
   * After a run's commits: expires every table's snapshots older than {@code keepDays} days (none
   * with -1). Returns the tables where something expired.
   */
  public static List<Result> afterRun(IcebergCatalogConfig config, int keepDays, Instant now) {
    if (checkKeepDays(keepDays) == -1) {
      return List.of();
    }
    List<Result> changed = new ArrayList<>();
    for (Result r : expireAll(config, cutoff(keepDays, now))) {
      if (r.expiredSnapshots() > 0) {
        changed.add(r);
      }
    }
    return changed;
  }

  /** The instant before which snapshots expire when {@code days} are kept. */
  public static Instant cutoff(int days, Instant now) {
    return now.minus(Duration.ofDays(checkDays(days, "the days to keep")));
  }

  /** Expires the snapshots of lake table {@code table} older than {@code olderThan}. */
  public static Result expire(IcebergCatalogConfig config, String table, Instant olderThan) {
    Catalog catalog = config.catalog();
    try {
      return expire(IcebergLakeAdmin.load(catalog, config, table), olderThan);
    } finally {
      IcebergCatalogConfig.close(catalog);
    }
  }

  /** Expires the snapshots older than {@code olderThan} of every table of the namespace. */
  public static List<Result> expireAll(IcebergCatalogConfig config, Instant olderThan) {
    Catalog catalog = config.catalog();
    try {
      List<Result> results = new ArrayList<>();
      for (TableIdentifier id : IcebergLakeAdmin.tableIds(catalog, config)) {
        results.add(expire(catalog.loadTable(id), olderThan));
      }
      return results;
    } finally {
      IcebergCatalogConfig.close(catalog);
    }
  }

  /**
   * Expires {@code table}'s snapshots older than {@code olderThan}, keeping at least the current
   * one, and deletes the files no remaining snapshot references.
   */
  public static Result expire(Table table, Instant olderThan) {
    table.refresh();
    Snapshot current = table.currentSnapshot();
    List<Long> before = new ArrayList<>();
    List<Long> expiring = new ArrayList<>();
    // The current snapshot and any a branch or tag points at stay (Iceberg refuses to expire them).
    java.util.Set<Long> referenced = new java.util.HashSet<>();
    table.refs().values().forEach(ref -> referenced.add(ref.snapshotId()));
    for (Snapshot s : table.snapshots()) {
      before.add(s.snapshotId());
      if (s.timestampMillis() < olderThan.toEpochMilli()
          && !referenced.contains(s.snapshotId())
          && (current == null || s.snapshotId() != current.snapshotId())) {
        expiring.add(s.snapshotId());
      }
    }
    if (expiring.isEmpty()) {
      return new Result(name(table), 0, 0, 0);
    }
    AtomicInteger dataFiles = new AtomicInteger();
    AtomicInteger other = new AtomicInteger();
    String dataFolder = IcebergLocations.canonical(table.location()) + "/data/";
    ExpireSnapshots expire =
        table
            .expireSnapshots()
            // Else the table's default age (history.expire.max-snapshot-age-ms, 5 days) applies
            // too.
            .expireOlderThan(olderThan.toEpochMilli())
            .retainLast(1)
            .cleanExpiredFiles(true)
            .deleteWith(
                location -> {
                  table.io().deleteFile(location);
                  (IcebergLocations.canonical(location).startsWith(dataFolder) ? dataFiles : other)
                      .incrementAndGet();
                });
    // Naming the snapshots makes Iceberg delete every file that only they reach (its "reachable"
    // cleanup); by age alone it cleans "incrementally", which misses the files a still-current
    // snapshot removed (a compaction's small files stay until the compaction itself expires).
    expiring.forEach(expire::expireSnapshotId);
    expire.commit();
    table.refresh();
    int after = 0;
    for (Snapshot ignored : table.snapshots()) {
      after++;
    }
    Result result = new Result(name(table), before.size() - after, dataFiles.get(), other.get());
    if (result.expiredSnapshots() > 0) {
      LOG.info(
          "datalake: expired {} snapshots of {} older than {}: {} data files and {} metadata files"
              + " deleted",
          result.expiredSnapshots(),
          table.name(),
          olderThan,
          result.deletedDataFiles(),
          result.deletedOther());
    }
    return result;
  }

  private static String name(Table table) {
    String name = table.name();
    return name.substring(name.lastIndexOf('.') + 1);
  }
}
