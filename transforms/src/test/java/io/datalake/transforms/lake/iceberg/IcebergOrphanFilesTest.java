package io.datalake.transforms.lake.iceberg;

import static io.datalake.transforms.lake.iceberg.IcebergTestTables.appendSmallFiles;
import static io.datalake.transforms.lake.iceberg.IcebergTestTables.dataFilesOnDisk;
import static io.datalake.transforms.lake.iceberg.IcebergTestTables.rows;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.iceberg.Table;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** Orphan files: planted files no snapshot references are found, and deleted when old enough. */
public class IcebergOrphanFilesTest {
  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  private static Path plant(Table table, String partition, String name, Instant modified)
      throws Exception {
    Path folder = Path.of(table.location(), "data", partition);
    Files.createDirectories(folder);
    Path file = folder.resolve(name);
    Files.writeString(file, "never committed");
    Files.setLastModifiedTime(file, FileTime.from(modified));
    return file;
  }

  @Test
  public void plantedFilesNoSnapshotReferencesAreListedAndOnlyOldOnesDeleted() throws Exception {
    IcebergCatalogConfig config = IcebergTestTables.prepared(temp, false);
    Table table = IcebergTestTables.table(config);
    appendSmallFiles(table, "r1", "org1", "2026-01-02T03:00:00Z", 2, 3);
    // A file a killed run wrote two days ago, and one a running job wrote a minute ago.
    Instant now = Instant.now();
    Path old =
        plant(
            table,
            "org_id=org1/created_at_day=2026-01-02",
            WriteIcebergTables.filePrefix("killed", "main") + "a.parquet",
            now.minus(Duration.ofDays(2)));
    Path fresh =
        plant(
            table,
            "org_id=org9/created_at_day=2026-01-05",
            WriteIcebergTables.filePrefix("running", "main") + "b.parquet",
            now.minus(Duration.ofMinutes(1)));
    // Committed files are old too: still never orphans.
    for (Path f : dataFilesOnDisk(table)) {
      if (!f.equals(old) && !f.equals(fresh)) {
        Files.setLastModifiedTime(f, FileTime.from(now.minus(Duration.ofDays(3))));
      }
    }
    List<String> before = rows(table);

    List<IcebergOrphanFiles.Orphan> listed =
        IcebergOrphanFiles.find(config, Duration.ofHours(24), now, false);
    assertThat(listed, hasSize(1));
    assertThat(IcebergCommits.normalize(listed.get(0).location()), is(old.toString()));
    assertThat(listed.get(0).table(), is(IcebergTestTables.TABLE));
    assertThat(Files.exists(old), is(true));
    // With no grace period, the running job's file is listed too.
    assertThat(IcebergOrphanFiles.find(config, Duration.ZERO, now, false), hasSize(2));

    List<IcebergOrphanFiles.Orphan> deleted =
        IcebergOrphanFiles.find(config, Duration.ofHours(24), now, true);
    assertThat(deleted, hasSize(1));
    assertThat(Files.exists(old), is(false));
    assertThat(Files.exists(fresh), is(true));
    assertThat(dataFilesOnDisk(table), hasSize(3));
    assertThat(rows(table), is(before));
    assertThat(IcebergOrphanFiles.find(config, Duration.ofHours(24), now, false), hasSize(0));
  }
}
