package io.datalake.transforms.lake.iceberg;

import static io.datalake.transforms.lake.iceberg.IcebergTestTables.appendSmallFiles;
import static io.datalake.transforms.lake.iceberg.IcebergTestTables.dataFilesOnDisk;
import static io.datalake.transforms.lake.iceberg.IcebergTestTables.liveFiles;
import static io.datalake.transforms.lake.iceberg.IcebergTestTables.rows;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.Table;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** Snapshot expiry: old snapshots go with the files only they referenced; the rest stays. */
public class IcebergSnapshotExpiryTest {
  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  private static int snapshots(Table table) {
    return IcebergTestTables.snapshots(table);
  }

  @Test
  public void oldSnapshotsGoWithTheFilesOnlyTheyReferencedAndReferencedFilesStay()
      throws Exception {
    IcebergCatalogConfig config = IcebergTestTables.prepared(temp, false);
    Table table = IcebergTestTables.table(config);
    // 6 small files in 6 snapshots, then a compaction replaces them by one (snapshot 7): the small
    // files are referenced by the old snapshots only.
    appendSmallFiles(table, "s1", "org1", "2026-01-02T03:00:00Z", 6, 2);
    List<String> smallFiles = new ArrayList<>();
    liveFiles(table).forEach(f -> smallFiles.add(f.location()));
    IcebergCompaction.compact(
        table, IcebergCompaction.Request.of(IcebergTestTables.TABLE, 128, null, null));
    // Another partition's file, committed before the cutoff and still current: it stays.
    appendSmallFiles(table, "s2", "org2", "2026-01-02T03:00:00Z", 1, 2);
    List<String> before = rows(table);
    assertThat(snapshots(table), is(8));
    assertThat(dataFilesOnDisk(table), hasSize(6 + 1 + 1));

    Instant cutoff = Instant.now().plusSeconds(1);
    IcebergSnapshotExpiry.Result result =
        IcebergSnapshotExpiry.expire(config, IcebergTestTables.TABLE, cutoff);

    assertThat(result.expiredSnapshots(), is(7));
    assertThat(result.deletedDataFiles(), is(6));
    assertThat(snapshots(table), is(1));
    for (String small : smallFiles) {
      assertThat(small, Files.exists(Path.of(small)), is(false));
    }
    List<DataFile> live = liveFiles(table);
    assertThat(live, hasSize(2));
    for (DataFile f : live) {
      assertThat(f.location(), Files.exists(Path.of(f.location())), is(true));
    }
    assertThat(dataFilesOnDisk(table), hasSize(2));
    assertThat(rows(table), is(before));
  }

  @Test
  public void snapshotsNewerThanTheCutoffStayAndTheCurrentOneAlways() throws Exception {
    IcebergCatalogConfig config = IcebergTestTables.prepared(temp, false);
    Table table = IcebergTestTables.table(config);
    appendSmallFiles(table, "s1", "org1", "2026-01-02T03:00:00Z", 3, 1);
    // Keeping 7 days: all three are recent.
    List<IcebergSnapshotExpiry.Result> kept =
        IcebergSnapshotExpiry.expireAll(config, IcebergSnapshotExpiry.cutoff(7, Instant.now()));
    assertThat(kept.stream().mapToInt(IcebergSnapshotExpiry.Result::expiredSnapshots).sum(), is(0));
    assertThat(snapshots(table), is(3));
    // Keeping 0 days, a minute from now: all but the current one.
    IcebergSnapshotExpiry.expireAll(
        config, IcebergSnapshotExpiry.cutoff(0, Instant.now().plusSeconds(60)));
    assertThat(snapshots(table), is(1));
    // Appends only: every file is still current, none deleted.
    assertThat(liveFiles(table), hasSize(3));
    assertThat(dataFilesOnDisk(table), hasSize(3));
    assertThat(rows(table), hasSize(3));
    IllegalArgumentException negative =
        org.junit.Assert.assertThrows(
            IllegalArgumentException.class,
            () -> IcebergSnapshotExpiry.checkDays(-1, "--icebergKeepSnapshotsDays"));
    assertThat(negative.getMessage().contains("--icebergKeepSnapshotsDays"), is(true));
  }

  @Test
  public void afterARunMinusOneExpiresNothingAndZeroKeepsOnlyTheCurrentSnapshot() throws Exception {
    IcebergCatalogConfig config = IcebergTestTables.prepared(temp, false);
    Table table = IcebergTestTables.table(config);
    appendSmallFiles(table, "s1", "org1", "2026-01-02T03:00:00Z", 3, 1);
    Instant later = Instant.now().plusSeconds(60);
    assertThat(IcebergSnapshotExpiry.afterRun(config, -1, later), hasSize(0));
    assertThat(snapshots(table), is(3));
    List<IcebergSnapshotExpiry.Result> expired = IcebergSnapshotExpiry.afterRun(config, 0, later);
    assertThat(expired, hasSize(1));
    assertThat(expired.get(0).table(), is(IcebergTestTables.TABLE));
    assertThat(expired.get(0).expiredSnapshots(), is(2));
    assertThat(snapshots(table), is(1));
    org.junit.Assert.assertThrows(
        IllegalArgumentException.class, () -> IcebergSnapshotExpiry.checkKeepDays(-2));
  }
}
