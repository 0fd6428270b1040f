package io.datalake.transforms.lake.iceberg;

import static io.datalake.transforms.lake.iceberg.IcebergTestTables.appendSmallFiles;
import static io.datalake.transforms.lake.iceberg.IcebergTestTables.liveFiles;
import static io.datalake.transforms.lake.iceberg.IcebergTestTables.rows;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;

import java.time.LocalDate;
import java.util.List;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.Table;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** Compaction of many small files per partition, rows compared with Iceberg's reader. */
public class IcebergCompactionTest {
  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  private static List<String> names(List<DataFile> files) {
    return files.stream()
        .map(f -> f.location().substring(f.location().lastIndexOf('/') + 1))
        .toList();
  }

  @Test
  public void manySmallFilesBecomeOneFilePerPartitionAndRunWithTheSameRows() throws Exception {
    IcebergCatalogConfig config = IcebergTestTables.prepared(temp, false);
    Table table = IcebergTestTables.table(config);
    // As a streaming run's checkpoints make them: 20 + 15 small files in two partitions of run s1,
    // 3 files of run s2 beside them.
    appendSmallFiles(table, "s1", "org1", "2026-01-02T03:00:00Z", 20, 5);
    appendSmallFiles(table, "s1", "org2", "2026-01-02T03:00:00Z", 15, 3);
    appendSmallFiles(table, "s2", "org1", "2026-01-02T05:00:00Z", 3, 2);
    List<String> before = rows(table);
    assertThat(liveFiles(table), hasSize(38));
    long snapshotBefore = table.currentSnapshot().snapshotId();

    IcebergCompaction.Result result =
        IcebergCompaction.compact(
            config, IcebergCompaction.Request.of("journey_events", 128, null, null));

    assertThat(result.filesRewritten(), is(38));
    assertThat(result.filesWritten(), is(3));
    assertThat(result.rows(), is(100L + 45 + 6));
    assertThat(result.partitions(), is(2));
    table.refresh();
    assertThat(table.currentSnapshot().operation(), is("replace"));
    List<DataFile> after = liveFiles(table);
    assertThat(after, hasSize(3));
    // Each compacted file keeps its run's prefix: a rerun of the run still replaces its rows.
    assertThat(names(after).stream().filter(n -> n.startsWith("part-s1-main-")).count(), is(2L));
    assertThat(names(after).stream().filter(n -> n.startsWith("part-s2-main-")).count(), is(1L));
    assertThat(rows(table), is(before));
    // Time travel still reads the small files.
    assertThat(IcebergTestTables.rowsAt(table, snapshotBefore), is(before));
    // Nothing left to do.
    assertThat(
        IcebergCompaction.compact(
                table, IcebergCompaction.Request.of("journey_events", 128, null, null))
            .snapshotId(),
        is((Long) null));
  }

  @Test
  public void tenantAndSinceLimitThePartitionsAndTheTargetSizeBoundsEachFile() throws Exception {
    IcebergCatalogConfig config = IcebergTestTables.prepared(temp, false);
    Table table = IcebergTestTables.table(config);
    appendSmallFiles(table, "s1", "org1", "2026-01-01T03:00:00Z", 4, 5);
    appendSmallFiles(table, "s1", "org1", "2026-01-03T03:00:00Z", 4, 5);
    appendSmallFiles(table, "s1", "org2", "2026-01-03T03:00:00Z", 4, 5);
    List<String> before = rows(table);
    long oneFile = liveFiles(table).get(0).fileSizeInBytes();

    IcebergCompaction.Result result =
        IcebergCompaction.compact(
            table,
            new IcebergCompaction.Request(
                "journey_events", 1024L * 1024, "org1", LocalDate.parse("2026-01-02")));
    assertThat(result.filesRewritten(), is(4));
    assertThat(result.filesWritten(), is(1));
    assertThat(liveFiles(table), hasSize(4 + 1 + 4));
    assertThat(rows(table), is(before));

    // A target of about two files: the 4 files of org2 become 2.
    IcebergCompaction.Result bounded =
        IcebergCompaction.compact(
            table, new IcebergCompaction.Request("journey_events", oneFile * 2 + 1, "org2", null));
    assertThat(bounded.filesRewritten(), is(4));
    assertThat(bounded.filesWritten(), is(2));
    assertThat(rows(table), is(before));
  }

  @Test
  public void aCommitThatRemovedAFileSinceThePlanFailsTheCompactionAndLeavesNoFile()
      throws Exception {
    IcebergCatalogConfig config = IcebergTestTables.prepared(temp, false);
    Table table = IcebergTestTables.table(config);
    appendSmallFiles(table, "s1", "org1", "2026-01-02T03:00:00Z", 3, 2);
    List<DataFile> files = liveFiles(table);
    List<String> before = rows(table);
    int dataFilesBefore = IcebergTestTables.dataFilesOnDisk(table).size();
    // Another writer removes one of the planned files while the compaction writes its own.
    Table other = IcebergTestTables.table(config);
    IllegalStateException e =
        org.junit.Assert.assertThrows(
            IllegalStateException.class,
            () ->
                IcebergCompaction.compact(
                    table,
                    IcebergCompaction.Request.of("journey_events", 128, null, null),
                    () -> other.newDelete().deleteFile(files.get(0)).commit()));
    assertThat(e.getMessage(), containsString("conflicts with a commit"));
    // The table is as the other writer left it: the compaction changed nothing.
    table.refresh();
    assertThat(table.currentSnapshot().operation(), is("delete"));
    assertThat(rows(table), hasSize(before.size() - 2));
    assertThat(liveFiles(table), hasSize(2));
    assertThat(IcebergTestTables.dataFilesOnDisk(table), hasSize(dataFilesBefore));
  }

  @Test
  public void writerPrefixIsTheRunAndWriterOfALakeFile() {
    assertThat(
        IcebergCompaction.writerPrefix(
            "/w/data/org_id=a/part-r1-main-0b7a1f0e-1c2d-4e5f-8a9b-0c1d2e3f4a5b.parquet"),
        is("part-r1-main-"));
    assertThat(IcebergCompaction.writerPrefix("/w/data/x/other.parquet"), is("part-compacted-"));
  }
}
