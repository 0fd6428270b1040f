package io.datalake.transforms.lake.iceberg;

import static io.datalake.transforms.lake.iceberg.IcebergTestTables.appendSmallFiles;
import static io.datalake.transforms.lake.iceberg.IcebergTestTables.snapshots;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.iceberg.Table;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * A stream's snapshot expiry: after a commit, at most once an hour per table, snapshots older than
 * the days kept go; the last hour's always stay; -1 never expires.
 */
public class StreamingSnapshotExpiryTest {
  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  @Test
  public void expiresAfterACommitAtMostOnceAnHourPerTable() throws Exception {
    Table table = IcebergTestTables.table(IcebergTestTables.prepared(temp, false));
    appendSmallFiles(table, "s", "org1", "2026-01-02T03:00:00Z", 3, 1);
    List<String> rows = IcebergTestTables.rows(table);
    StreamingSnapshotExpiry expiry = new StreamingSnapshotExpiry(7);
    // Eight days later: the three snapshots are older than seven days; the current one stays.
    Instant later = Instant.now().plus(Duration.ofDays(8));

    assertThat(expiry.afterCommit(table, later).expiredSnapshots(), is(2));
    assertThat(snapshots(table), is(1));

    // More commits within the hour: not due, the history grows.
    appendSmallFiles(table, "s2", "org1", "2026-01-02T04:00:00Z", 2, 1);
    assertThat(expiry.afterCommit(table, later.plus(Duration.ofMinutes(59))), nullValue());
    assertThat(snapshots(table), is(3));

    // An hour after the last expiry: due again.
    assertThat(
        expiry.afterCommit(table, later.plus(Duration.ofMinutes(60))).expiredSnapshots(), is(2));
    assertThat(snapshots(table), is(1));
    assertThat(IcebergTestTables.rows(table).size(), is(rows.size() + 2));
  }

  @Test
  public void theLastHoursSnapshotsStayEvenWithZeroDaysKept() throws Exception {
    Table table = IcebergTestTables.table(IcebergTestTables.prepared(temp, false));
    appendSmallFiles(table, "s", "org1", "2026-01-02T03:00:00Z", 3, 1);
    StreamingSnapshotExpiry expiry = new StreamingSnapshotExpiry(0);

    assertThat(expiry.afterCommit(table, Instant.now()).expiredSnapshots(), is(0));
    assertThat(snapshots(table), is(3));
    // Past the replay window they go (a new committer instance: due at once).
    Instant later = Instant.now().plus(Duration.ofMinutes(61));
    assertThat(new StreamingSnapshotExpiry(0).afterCommit(table, later).expiredSnapshots(), is(2));
  }

  @Test
  public void minusOneNeverExpires() throws Exception {
    Table table = IcebergTestTables.table(IcebergTestTables.prepared(temp, false));
    appendSmallFiles(table, "s", "org1", "2026-01-02T03:00:00Z", 2, 1);
    assertThat(
        StreamingSnapshotExpiry.never().afterCommit(table, Instant.now().plus(Duration.ofDays(30))),
        nullValue());
    assertThat(snapshots(table), is(2));
  }
}
