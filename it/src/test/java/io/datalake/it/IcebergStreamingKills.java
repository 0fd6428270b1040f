package io.datalake.it;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.datalake.testing.PrimaryTables;
import io.datalake.transforms.kinds.RecordKind;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.lake.iceberg.IcebergCatalogConfig;
import io.datalake.transforms.lake.iceberg.IcebergCommits;
import io.datalake.transforms.lake.iceberg.IcebergStreamingCommits;
import io.datalake.transforms.schema.LakeTable;
import io.datalake.transforms.schema.LakeTables;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.parquet.GenericParquetReaders;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.parquet.Parquet;

/**
 * The streaming fault case of the Iceberg lake ({@code --lakeFormat=iceberg}): a {@link FaultRun}
 * on the embedded FlinkRunner whose JVM is killed with SIGKILL mid-stream {@code kills} times, each
 * time at a random moment, and restarted with {@code --resume}. In the end Iceberg's own reader
 * must find every published id exactly once in its kind's table, and no data file may have been
 * added by two snapshots. {@link IcebergStreamingRecoveryIT} (in {@code ./datalake test}) kills
 * twice, {@link IcebergStreamingChaosIT} ({@code ./datalake chaos}) six times.
 */
final class IcebergStreamingKills {
  private static final int PER_KIND = 10;

  /** Commits every 3 s; the FaultRun's job checkpoints every 3 s. */
  static final List<String> ICEBERG_ARGS =
      List.of("--lakeFormat=iceberg", "--icebergCommitIntervalSeconds=3");

  private IcebergStreamingKills() {}

  static void run(String name, Path work, int kills) throws Exception {
    try (FaultRun run = new FaultRun(name, work, null, ICEBERG_ARGS)) {
      IcebergCatalogConfig config = IcebergCatalogConfig.hadoop(run.lakeCopy.toString());
      FlinkJob job = run.start();
      run.publish(PER_KIND);
      run.await(
          "before any kill: every id in the Iceberg tables", 300, () -> hasEverything(run, config));
      long seed = System.nanoTime();
      Random random = new Random(seed);
      List<Integer> delays = new ArrayList<>();
      int afterACommit = 0;
      for (int kill = 1; kill <= kills; kill++) {
        run.publish(PER_KIND);
        // Killed at a random moment of the stream, not of the JVM's start-up: on a loaded machine a
        // restarted job takes longer than the delays below to log its first line, and a kill then
        // tests nothing. The first completed checkpoint of this start (after its restore) is the
        // mark; then 0-11 s, across a few checkpoint-and-commit rounds of 3 s.
        Path log = run.currentLog();
        run.await(
            "start " + kill + " of the job checkpoints (restored)",
            300,
            () -> logContains(log, "Completed checkpoint"));
        int delay = random.nextInt(12);
        delays.add(delay);
        Thread.sleep(delay * 1000L);
        if (logContains(log, "datalake: committed")) {
          afterACommit++;
        }
        assertThat("killed by SIGKILL", run.kill(job), equalTo(128 + 9));
        job = run.start();
      }
      Faults.log(
          name
              + ": killed "
              + delays
              + " s after each start's first checkpoint (seed "
              + seed
              + "); "
              + afterACommit
              + " of "
              + kills
              + " kills came after that start had committed");
      run.publish(PER_KIND);
      run.await(
          "after " + kills + " SIGKILLs with --resume: every id in the Iceberg tables",
          420,
          () -> hasEverything(run, config));
      // Replays of a restored checkpoint come right after the restore; one more round of
      // checkpoints and commits must not add anything either.
      Thread.sleep(10_000);
      String report = verify(run, config);
      System.out.print(report);
      Faults.log(
          name
              + ": commits that found files committed before (replays after a restore): "
              + run.countInLogs("files of the pane were committed before")
              + " partial, "
              + run.countInLogs("nothing to commit (a replay")
              + " whole");
      assertThat(
          "the job resumed from a checkpoint after the kills",
          kills == 0 || run.countInLogs("datalake: resuming from checkpoint") > 0,
          equalTo(true));
    }
  }

  /** Rows per id of each kind's primary table, read by Iceberg's reader. */
  static Map<RecordKind, Map<String, Integer>> idCounts(IcebergCatalogConfig config)
      throws Exception {
    Map<RecordKind, Map<String, Integer>> counts = new LinkedHashMap<>();
    Catalog catalog = config.catalog();
    try {
      for (RecordKind kind : RecordKinds.builtIn().all()) {
        PrimaryTables.Primary p = PrimaryTables.BY_KIND.get(kind);
        Map<String, Integer> ids = new HashMap<>();
        Table table = catalog.loadTable(config.id(p.table()));
        try (CloseableIterable<Record> rows = IcebergGenerics.read(table).build()) {
          for (Record r : rows) {
            ids.merge(String.valueOf(r.getField(p.idColumn())), 1, Integer::sum);
          }
        }
        counts.put(kind, ids);
      }
    } finally {
      IcebergCatalogConfig.close(catalog);
    }
    return counts;
  }

  private static boolean hasEverything(FaultRun run, IcebergCatalogConfig config) {
    try {
      Map<RecordKind, Map<String, Integer>> counts = idCounts(config);
      for (RecordKind kind : RecordKinds.builtIn().all()) {
        if (!counts.get(kind).keySet().containsAll(run.published(kind))) {
          return false;
        }
      }
      return true;
    } catch (Exception | AssertionError e) {
      return false; // tables not created yet, or a commit between listing and reading: again
    }
  }

  /**
   * Asserts each published id exactly once and nothing else in its kind's table, and every data
   * file of every table added by one snapshot only; returns the per-kind report.
   */
  static String verify(FaultRun run, IcebergCatalogConfig config) throws Exception {
    Map<RecordKind, Map<String, Integer>> counts = idCounts(config);
    StringBuilder report = new StringBuilder(run.name + " (run " + run.run + "), Iceberg lake:\n");
    List<String> problems = new ArrayList<>();
    for (RecordKind kind : RecordKinds.builtIn().all()) {
      Set<String> published = run.published(kind);
      Map<String, Integer> ids = counts.get(kind);
      long rows = ids.values().stream().mapToLong(Integer::longValue).sum();
      long missing = published.stream().filter(id -> !ids.containsKey(id)).count();
      long twice = ids.values().stream().filter(n -> n > 1).count();
      long unknown = ids.keySet().stream().filter(id -> !published.contains(id)).count();
      report.append(
          String.format(
              "  %-20s published %5d | Iceberg rows %5d, distinct ids %5d, missing %d, ids more"
                  + " than once %d, unknown %d%n",
              kind.name(), published.size(), rows, ids.size(), missing, twice, unknown));
      if (missing != 0 || twice != 0 || unknown != 0 || rows != published.size()) {
        problems.add(kind.name());
      }
      if (twice != 0) {
        report.append(whereTwice(config, kind, ids));
      }
    }
    Catalog catalog = config.catalog();
    int snapshots = 0;
    int files = 0;
    try {
      for (LakeTable lakeTable : LakeTables.all()) {
        Table table = catalog.loadTable(config.id(lakeTable.name()));
        Set<String> added = new HashSet<>();
        for (Snapshot snapshot : table.snapshots()) {
          snapshots++;
          if (!IcebergStreamingCommits.STREAMING.equals(
              snapshot.summary().get(IcebergStreamingCommits.COMMIT_KIND))) {
            problems.add(
                lakeTable.name() + ": snapshot " + snapshot.snapshotId() + " not streaming");
          }
          for (DataFile file : snapshot.addedDataFiles(table.io())) {
            files++;
            if (!added.add(file.location())) {
              problems.add(lakeTable.name() + ": " + file.location() + " added twice");
            }
          }
        }
      }
    } finally {
      IcebergCatalogConfig.close(catalog);
    }
    report.append(
        String.format("  snapshots %d, data files added %d (each once)%n", snapshots, files));
    if (!problems.isEmpty()) {
      throw new AssertionError("not exactly once in the Iceberg lake: " + problems + "\n" + report);
    }
    return report.toString();
  }

  private static boolean logContains(Path log, String text) {
    try {
      return Files.exists(log)
          && new String(Files.readAllBytes(log), StandardCharsets.UTF_8).contains(text);
    } catch (IOException e) {
      return false; // being written: again
    }
  }

  /**
   * For an id found more than once: the data files that hold it, and the snapshot that added each
   * (time, writer, files hash), so a failure says which commits overlapped.
   */
  private static String whereTwice(
      IcebergCatalogConfig config, RecordKind kind, Map<String, Integer> ids) throws Exception {
    PrimaryTables.Primary p = PrimaryTables.BY_KIND.get(kind);
    Set<String> twice = new HashSet<>();
    ids.forEach(
        (id, n) -> {
          if (n > 1 && twice.size() < 3) {
            twice.add(id);
          }
        });
    StringBuilder out = new StringBuilder();
    Catalog catalog = config.catalog();
    try {
      Table table = catalog.loadTable(config.id(p.table()));
      Map<String, String> addedBy = new HashMap<>();
      for (Snapshot snapshot : table.snapshots()) {
        for (DataFile file : snapshot.addedDataFiles(table.io())) {
          addedBy.put(
              file.location(),
              "snapshot "
                  + snapshot.snapshotId()
                  + " at "
                  + java.time.Instant.ofEpochMilli(snapshot.timestampMillis())
                  + " "
                  + snapshot.summary().get(IcebergCommits.WRITER)
                  + " hash "
                  + snapshot.summary().get(IcebergCommits.FILES_HASH));
        }
      }
      try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
        for (FileScanTask task : tasks) {
          String location = task.file().location();
          try (CloseableIterable<Record> rows =
              Parquet.read(table.io().newInputFile(location))
                  .project(table.schema())
                  .createReaderFunc(s -> GenericParquetReaders.buildReader(table.schema(), s))
                  .build()) {
            for (Record r : rows) {
              String id = String.valueOf(r.getField(p.idColumn()));
              if (twice.contains(id)) {
                out.append(
                    String.format(
                        "    %s id %s in %s (%s)%n",
                        kind.name(), id, location, addedBy.get(location)));
              }
            }
          }
        }
      }
    } finally {
      IcebergCatalogConfig.close(catalog);
    }
    return out.toString();
  }
}
