package io.datalake.transforms.lake.iceberg;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.ManifestFile;
import org.apache.iceberg.ManifestFiles;
import org.apache.iceberg.ManifestReader;
import org.apache.iceberg.OverwriteFiles;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotSummary;
import org.apache.iceberg.SnapshotUpdate;
import org.apache.iceberg.Table;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.FileInfo;
import org.apache.iceberg.io.SupportsPrefixOperations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lake's commits to its Iceberg tables and what their snapshot summaries record: the run that
 * wrote them ({@value #RUN_ID}), its writer ({@value #WRITER}: main rows, snapshot rows) and a
 * digest of the data files committed ({@value #FILES_HASH}). That record makes a commit idempotent:
 *
 * <ul>
 *   <li>the same files again (the committer retried after its commit went through): nothing is
 *       committed;
 *   <li>the same run and writer again with other files (a rerun of the same batch): one overwrite
 *       snapshot removes the run's earlier files and adds the new ones, so the table never holds a
 *       run's rows twice, and the earlier state stays readable by time travel;
 *   <li>otherwise one append snapshot.
 * </ul>
 *
 * <p>After the commit, the run's files under the table's {@code data/} that no snapshot references
 * (written by a retried bundle, or by a rerun whose commit found its files committed) are deleted.
 */
public final class IcebergCommits {
  private static final Logger LOG = LoggerFactory.getLogger(IcebergCommits.class);

  public static final String RUN_ID = "datalake.run-id";
  public static final String WRITER = "datalake.writer";
  public static final String FILES_HASH = "datalake.files-hash";

  private IcebergCommits() {}

  /** What one commit did. */
  public enum Outcome {
    APPENDED,
    REPLACED,
    ALREADY_COMMITTED
  }

  /** Commits {@code files} as run {@code runId}'s writer {@code writer}, once. */
  public static Outcome commit(Table table, String runId, String writer, List<DataFile> files) {
    List<DataFile> sorted = new ArrayList<>(files);
    sorted.sort(Comparator.comparing(f -> f.location()));
    String hash = hash(sorted);
    table.refresh();
    for (Snapshot snapshot : table.snapshots()) {
      Map<String, String> summary = snapshot.summary();
      if (runId.equals(summary.get(RUN_ID))
          && writer.equals(summary.get(WRITER))
          && hash.equals(summary.get(FILES_HASH))) {
        LOG.info(
            "datalake: {} already holds run {}'s {} files (snapshot {}): nothing to commit",
            table.name(),
            runId,
            writer,
            snapshot.snapshotId());
        deleteUnreferenced(table, runId, writer);
        return Outcome.ALREADY_COMMITTED;
      }
    }
    List<DataFile> own = liveFiles(table, WriteIcebergTables.filePrefix(runId, writer));
    Outcome outcome;
    if (own.isEmpty()) {
      AppendFiles append = table.newAppend();
      sorted.forEach(append::appendFile);
      record(append, runId, writer, hash).commit();
      outcome = Outcome.APPENDED;
    } else {
      OverwriteFiles overwrite = table.newOverwrite();
      own.forEach(overwrite::deleteFile);
      sorted.forEach(overwrite::addFile);
      record(overwrite, runId, writer, hash).commit();
      outcome = Outcome.REPLACED;
    }
    LOG.info(
        "datalake: committed {} files to {} as run {} ({}): {}",
        sorted.size(),
        table.name(),
        runId,
        writer,
        outcome == Outcome.REPLACED
            ? "replaced the run's " + own.size() + " earlier files"
            : "appended");
    deleteUnreferenced(table, runId, writer);
    return outcome;
  }

  private static <T extends SnapshotUpdate<T>> T record(
      T update, String runId, String writer, String hash) {
    return update.set(RUN_ID, runId).set(WRITER, writer).set(FILES_HASH, hash);
  }

  /**
   * The newest snapshot of run {@code runId}'s writer {@code writer}, or null when the run
   * committed nothing to the table.
   */
  public static Snapshot runSnapshot(Table table, String runId, String writer) {
    Snapshot newest = null;
    for (Snapshot snapshot : table.snapshots()) {
      Map<String, String> summary = snapshot.summary();
      if (runId.equals(summary.get(RUN_ID))
          && writer.equals(summary.get(WRITER))
          && (newest == null || snapshot.sequenceNumber() > newest.sequenceNumber())) {
        newest = snapshot;
      }
    }
    return newest;
  }

  /** Rows a snapshot added (its summary's {@code added-records}); 0 for null. */
  public static long addedRows(Snapshot snapshot) {
    return summaryLong(snapshot, SnapshotSummary.ADDED_RECORDS_PROP);
  }

  /** Data files a snapshot added; 0 for null. */
  public static long addedFiles(Snapshot snapshot) {
    return summaryLong(snapshot, SnapshotSummary.ADDED_FILES_PROP);
  }

  /** A number of a snapshot's summary (0 for a null snapshot or a missing key). */
  static long summaryLong(Snapshot snapshot, String key) {
    if (snapshot == null) {
      return 0;
    }
    String value = snapshot.summary().get(key);
    return value == null ? 0 : Long.parseLong(value);
  }

  /** The current snapshot's data files whose names start with {@code prefix}. */
  static List<DataFile> liveFiles(Table table, String prefix) {
    List<DataFile> live = new ArrayList<>();
    if (table.currentSnapshot() == null) {
      return live;
    }
    Set<String> seen = new HashSet<>();
    try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
      for (FileScanTask task : tasks) {
        DataFile file = task.file();
        if (IcebergLocations.fileName(file.location()).startsWith(prefix)
            && seen.add(file.location())) {
          live.add(file);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the data files of " + table.name(), e);
    }
    return live;
  }

  /**
   * Deletes the run's data files that no snapshot references: what retried bundles and superseded
   * attempts left. Files other snapshots reference stay (time travel reads them).
   */
  static int deleteUnreferenced(Table table, String runId, String writer) {
    if (!(table.io() instanceof SupportsPrefixOperations io)) {
      return 0;
    }
    String prefix = WriteIcebergTables.filePrefix(runId, writer);
    List<String> candidates = new ArrayList<>();
    for (FileInfo info : io.listPrefix(table.location() + "/data/")) {
      if (!IcebergLocations.isFolder(info.location())
          && IcebergLocations.fileName(IcebergLocations.canonical(info.location()))
              .startsWith(prefix)) {
        candidates.add(info.location());
      }
    }
    if (candidates.isEmpty()) {
      return 0;
    }
    Set<String> referenced = referencedDataFiles(table);
    int deleted = 0;
    for (String candidate : candidates) {
      if (!referenced.contains(IcebergLocations.canonical(candidate))) {
        io.deleteFile(candidate);
        deleted++;
      }
    }
    if (deleted > 0) {
      LOG.info(
          "datalake: deleted {} data files of run {} ({}) that no snapshot of {} references",
          deleted,
          runId,
          writer,
          table.name());
    }
    return deleted;
  }

  /**
   * The data files any snapshot of the table references, in {@link IcebergLocations#canonical}
   * form: the files that deleting would break the table or its time travel.
   */
  static Set<String> referencedDataFiles(Table table) {
    Set<String> referenced = new HashSet<>();
    Set<String> manifests = new HashSet<>();
    for (Snapshot snapshot : table.snapshots()) {
      for (ManifestFile manifest : snapshot.dataManifests(table.io())) {
        if (manifests.add(manifest.path())) {
          try (ManifestReader<DataFile> reader = ManifestFiles.read(manifest, table.io())) {
            for (DataFile file : reader) {
              referenced.add(IcebergLocations.canonical(file.location()));
            }
          } catch (IOException e) {
            throw new UncheckedIOException("cannot read manifest " + manifest.path(), e);
          }
        }
      }
    }
    return referenced;
  }

  /** A digest of the files' locations, sorted. */
  static String hash(List<DataFile> sorted) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (DataFile file : sorted) {
        digest.update(file.location().getBytes(StandardCharsets.UTF_8));
        digest.update((byte) '\n');
      }
      return HexFormat.of().formatHex(digest.digest()).substring(0, 32);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
