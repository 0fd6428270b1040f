package io.datalake.transforms.lake.iceberg;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;

import io.datalake.transforms.Fixtures;
import io.datalake.transforms.kinds.JourneyEvents;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.model.DeadLetter;
import io.datalake.transforms.model.SourceRecord;
import io.datalake.transforms.parse.ParseRecords;
import io.datalake.transforms.pii.PiiKeyset;
import io.datalake.transforms.pii.PiiPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The Iceberg sink on the DirectRunner with a Hadoop catalog on a temporary folder: rows land in
 * their tables' partitions in one commit per table, and the commit is idempotent.
 */
public class WriteIcebergTablesTest {
  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  private static List<SourceRecord> events(String... idOrgTime) {
    List<SourceRecord> records = new ArrayList<>();
    for (int i = 0; i < idOrgTime.length; i += 3) {
      records.add(
          Fixtures.record(
              JourneyEvents.KIND,
              "f:" + i,
              Fixtures.analytics(idOrgTime[i], idOrgTime[i + 1], "created_at", idOrgTime[i + 2])));
    }
    return records;
  }

  /** Runs the sink over {@code records} as run {@code runId}; no dead letter expected. */
  private static void run(IcebergCatalogConfig config, String runId, List<SourceRecord> records) {
    Pipeline pipeline = Pipeline.create(PipelineOptionsFactory.create());
    PCollection<DeadLetter> letters =
        pipeline
            .apply(Create.of(records).withCoder(SourceRecord.Coder.of()))
            .apply(ParseRecords.of(PiiKeyset.development(), PiiPolicy.defaults()))
            .get(ParseRecords.ROWS)
            .apply(
                WriteIcebergTables.to(config, runId).withDeadLetterKeyset(PiiKeyset.development()));
    PAssert.that(letters).empty();
    pipeline.run().waitUntilFinish();
  }

  static List<String> ids(Table table) throws Exception {
    List<String> ids = new ArrayList<>();
    try (CloseableIterable<Record> rows = IcebergGenerics.read(table).build()) {
      for (Record r : rows) {
        ids.add(r.getField("id") + "@" + r.getField("org_id"));
      }
    }
    return ids;
  }

  private IcebergCatalogConfig prepared() throws Exception {
    IcebergCatalogConfig config = IcebergCatalogConfig.hadoop(temp.newFolder("wh").toString());
    IcebergLakeTables.prepare(config, RecordKinds.builtIn(), false, "SNAPPY");
    return config;
  }

  @Test
  public void writesRowsIntoTheirPartitionsInOneCommitPerTable() throws Exception {
    IcebergCatalogConfig config = prepared();
    run(
        config,
        "r1",
        events(
            "a",
            "739224",
            "2026-01-02T03:04:05Z",
            "b",
            "739224",
            "2026-01-03T00:00:00Z",
            "c",
            "org2",
            "2026-01-02T10:00:00Z"));
    Table table = config.catalog().loadTable(config.id("journey_events"));
    assertThat(ids(table), containsInAnyOrder("a@739224", "b@739224", "c@org2"));
    List<Snapshot> snapshots = new ArrayList<>();
    table.snapshots().forEach(snapshots::add);
    assertThat(snapshots, hasSize(1));
    assertThat(snapshots.get(0).summary().get(IcebergCommits.RUN_ID), is("r1"));
    assertThat(IcebergCommits.addedRows(IcebergCommits.runSnapshot(table, "r1", "main")), is(3L));
    List<String> partitions = new ArrayList<>();
    try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
      for (FileScanTask task : tasks) {
        partitions.add(table.spec().partitionToPath(task.file().partition()));
      }
    }
    assertThat(
        partitions,
        containsInAnyOrder(
            "org_id=739224/created_at_day=2026-01-02",
            "org_id=739224/created_at_day=2026-01-03",
            "org_id=org2/created_at_day=2026-01-02"));
    // Typed as the Parquet lake: the event time is a timestamp with zone.
    try (CloseableIterable<Record> rows = IcebergGenerics.read(table).build()) {
      Record first = rows.iterator().next();
      assertThat(first.getField("created_at") instanceof OffsetDateTime, is(true));
    }
    // Tables without rows got no commit.
    assertThat(
        config.catalog().loadTable(config.id("portal_events")).currentSnapshot() == null, is(true));
  }

  @Test
  public void aRerunOfTheSameBatchReplacesItsOwnFilesAndTimeTravelShowsTheEarlierState()
      throws Exception {
    IcebergCatalogConfig config = prepared();
    run(config, "r1", events("a", "739224", "2026-01-02T03:04:05Z"));
    run(config, "r2", events("b", "739224", "2026-01-02T04:00:00Z"));
    Table table = config.catalog().loadTable(config.id("journey_events"));
    long afterR2 = table.currentSnapshot().snapshotId();
    long afterR1 = IcebergCommits.runSnapshot(table, "r1", "main").snapshotId();
    // The same batch again: its run's files are replaced, the other run's stay.
    run(config, "r2", events("b", "739224", "2026-01-02T04:00:00Z"));
    table.refresh();
    assertThat(ids(table), containsInAnyOrder("a@739224", "b@739224"));
    assertThat(table.currentSnapshot().operation(), is("overwrite"));
    assertThat(table.currentSnapshot().snapshotId() == afterR2, is(false));
    // Time travel: after r1 only a; after the first r2, a and b.
    assertThat(idsAt(table, afterR1), containsInAnyOrder("a@739224"));
    assertThat(idsAt(table, afterR2), containsInAnyOrder("a@739224", "b@739224"));
    // The superseded file stays for time travel; nothing unreferenced is left behind.
    assertThat(dataFiles(table), hasSize(3));
  }

  @Test
  public void theSameFilesCommittedAgainCommitNothing() throws Exception {
    IcebergCatalogConfig config = prepared();
    run(config, "r1", events("a", "739224", "2026-01-02T03:04:05Z"));
    Table table = config.catalog().loadTable(config.id("journey_events"));
    List<DataFile> committed = new ArrayList<>();
    try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
      tasks.forEach(t -> committed.add(t.file()));
    }
    long before = table.currentSnapshot().snapshotId();
    // The committer retried with the same (stable) input after its commit went through.
    assertThat(
        IcebergCommits.commit(table, "r1", "main", committed),
        is(IcebergCommits.Outcome.ALREADY_COMMITTED));
    table.refresh();
    assertThat(table.currentSnapshot().snapshotId(), is(before));
    assertThat(ids(table), containsInAnyOrder("a@739224"));
  }

  @Test
  public void filesNoSnapshotReferencesAreDeletedAfterTheCommit() throws Exception {
    IcebergCatalogConfig config = prepared();
    Table table = config.catalog().loadTable(config.id("journey_events"));
    // A file of run r1 that a retried bundle left behind.
    Path orphan = Path.of(table.location(), "data", "org_id=739224", "created_at_day=2026-01-02");
    Files.createDirectories(orphan);
    Files.writeString(
        orphan.resolve(WriteIcebergTables.filePrefix("r1", "main") + "x.parquet"), "");
    run(config, "r1", events("a", "739224", "2026-01-02T03:04:05Z"));
    table.refresh();
    assertThat(ids(table), containsInAnyOrder("a@739224"));
    assertThat(dataFiles(table), hasSize(1));
    assertThat(
        dataFiles(table).stream().filter(f -> f.endsWith("x.parquet")).toList(), is(empty()));
  }

  @Test
  public void historyShowsEachRunAndRollbackMakesAnEarlierSnapshotCurrent() throws Exception {
    IcebergCatalogConfig config = prepared();
    run(config, "r1", events("a", "739224", "2026-01-02T03:04:05Z"));
    run(
        config,
        "r2",
        events("b", "739224", "2026-01-02T04:00:00Z", "c", "o2", "2026-01-05T00:00:00Z"));
    List<IcebergLakeAdmin.SnapshotEntry> history =
        IcebergLakeAdmin.history(config, "journey_events");
    assertThat(history, hasSize(2));
    assertThat(history.get(0).runId(), is("r1"));
    assertThat(history.get(0).addedRows(), is(1L));
    assertThat(history.get(1).runId(), is("r2"));
    assertThat(history.get(1).addedRows(), is(2L));
    assertThat(history.get(1).totalRows(), is(3L));
    assertThat(history.get(1).current(), is(true));
    IcebergLakeAdmin.TableState events =
        IcebergLakeAdmin.tables(config).stream()
            .filter(t -> t.name().equals("journey_events"))
            .findFirst()
            .orElseThrow();
    assertThat(events.rows(), is(3L));
    assertThat(events.snapshots(), is(2));

    IcebergLakeAdmin.rollback(config, "journey_events", history.get(0).id());
    Table table = config.catalog().loadTable(config.id("journey_events"));
    assertThat(ids(table), containsInAnyOrder("a@739224"));
    IllegalArgumentException unknown =
        org.junit.Assert.assertThrows(
            IllegalArgumentException.class,
            () -> IcebergLakeAdmin.rollback(config, "journey_events", 42L));
    assertThat(unknown.getMessage().contains("has no snapshot 42"), is(true));
    // The later snapshot is no longer an ancestor of the current one: one clear sentence, no
    // Iceberg stack trace.
    IllegalArgumentException abandoned =
        org.junit.Assert.assertThrows(
            IllegalArgumentException.class,
            () -> IcebergLakeAdmin.rollback(config, "journey_events", history.get(1).id()));
    assertThat(
        abandoned.getMessage(), abandoned.getMessage().contains("not an ancestor"), is(true));
  }

  private static List<String> idsAt(Table table, long snapshotId) throws Exception {
    List<String> ids = new ArrayList<>();
    try (CloseableIterable<Record> rows =
        IcebergGenerics.read(table).useSnapshot(snapshotId).build()) {
      for (Record r : rows) {
        ids.add(r.getField("id") + "@" + r.getField("org_id"));
      }
    }
    return ids;
  }

  private static List<String> dataFiles(Table table) throws Exception {
    try (Stream<Path> files = Files.walk(Path.of(table.location(), "data"))) {
      return files
          .filter(f -> f.getFileName().toString().endsWith(".parquet"))
          .map(Path::toString)
          .toList();
    }
  }
}
