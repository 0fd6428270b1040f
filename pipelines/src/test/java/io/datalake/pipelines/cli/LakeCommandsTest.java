package io.datalake.pipelines.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import io.datalake.transforms.lake.iceberg.IcebergCatalogConfig;
import io.datalake.transforms.lake.iceberg.IcebergTestTables;
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

/** {@code ./datalake lake compact|expire|orphans} on a local Hadoop-catalog lake. */
public class LakeCommandsTest {
  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  private static int snapshots(Table table) {
    return IcebergTestTables.snapshots(table);
  }

  @Test
  public void compactThenExpireLeavesOneFileOneSnapshotAndTheSameRows() throws Exception {
    IcebergCatalogConfig config = IcebergTestTables.prepared(temp, false);
    String lake = "--lake=" + config.warehouse();
    Table table = IcebergTestTables.table(config);
    IcebergTestTables.appendSmallFiles(table, "s1", "org1", "2026-01-02T03:00:00Z", 8, 2);
    List<String> before = IcebergTestTables.rows(table);

    Cli.Outcome compact = Cli.executeCapturing("lake", "compact", "journey_events", lake);
    assertThat(compact.err(), compact.code(), is(0));
    assertThat(compact.out(), containsString("compacted journey_events: 8 files ("));
    assertThat(compact.out(), containsString("into 1 ("));
    assertThat(IcebergTestTables.liveFiles(table), hasSize(1));
    assertThat(IcebergTestTables.rows(table), is(before));
    Cli.Outcome again = Cli.executeCapturing("lake", "compact", "journey_events", lake);
    assertThat(again.out(), containsString("no small files to compact"));

    Cli.Outcome expire =
        Cli.executeCapturing("lake", "expire", "--all", "--older-than-days", "0", lake);
    assertThat(expire.err(), expire.code(), is(0));
    assertThat(expire.out(), containsString("journey_events"));
    assertThat(snapshots(table), is(1));
    assertThat(IcebergTestTables.dataFilesOnDisk(table), hasSize(1));
    assertThat(IcebergTestTables.rows(table), is(before));

    Cli.Outcome history = Cli.executeCapturing("lake", "history", "journey_events", lake);
    assertThat(history.out(), containsString("replace"));
  }

  @Test
  public void aLakeTheCatalogDoesNotKnowIsOneLineNamingTheCatalogOptions() throws Exception {
    // A lake written with a jdbc catalog, read with the default hadoop one, looks like this.
    String lake = "--lake=" + temp.newFolder("no-iceberg-here");
    for (String[] command :
        List.of(
            new String[] {"lake", "tables", lake},
            new String[] {"lake", "history", "journey_events", lake})) {
      Cli.Outcome outcome = Cli.executeCapturing(command);
      assertThat(outcome.code(), is(2));
      assertThat(outcome.err(), containsString("datalake: error: "));
      assertThat(outcome.err(), containsString("catalog"));
      assertThat(outcome.err(), not(containsString("\tat org.apache.iceberg")));
    }
  }

  @Test
  public void orphansListsAPlantedFileAndDeletesItWithDelete() throws Exception {
    IcebergCatalogConfig config = IcebergTestTables.prepared(temp, false);
    String lake = "--lake=" + config.warehouse();
    Table table = IcebergTestTables.table(config);
    IcebergTestTables.appendSmallFiles(table, "r1", "org1", "2026-01-02T03:00:00Z", 1, 2);
    Path folder = Path.of(table.location(), "data", "org_id=org1", "created_at_day=2026-01-02");
    Path planted = folder.resolve("part-killed-main-x.parquet");
    Files.writeString(planted, "never committed");
    Files.setLastModifiedTime(planted, FileTime.from(Instant.now().minus(Duration.ofDays(2))));

    Cli.Outcome listed = Cli.executeCapturing("lake", "orphans", lake);
    assertThat(listed.err(), listed.code(), is(0));
    assertThat(listed.out(), containsString("part-killed-main-x.parquet"));
    assertThat(listed.out(), containsString("1 orphan file(s)"));
    assertThat(Files.exists(planted), is(true));

    Cli.Outcome deleted = Cli.executeCapturing("lake", "orphans", "--delete", lake);
    assertThat(deleted.out(), containsString(": deleted"));
    assertThat(Files.exists(planted), is(false));
    assertThat(IcebergTestTables.rows(table), hasSize(2));
  }

  @Test
  public void badArgumentsAreUsageErrors() throws Exception {
    IcebergCatalogConfig config = IcebergTestTables.prepared(temp, false);
    String lake = "--lake=" + config.warehouse();
    Cli.Outcome neither = Cli.executeCapturing("lake", "expire", lake);
    assertThat(neither.code(), is(2));
    assertThat(neither.err(), containsString("either TABLE or --all"));
    Cli.Outcome since =
        Cli.executeCapturing("lake", "compact", "journey_events", "--since", "yesterday", lake);
    assertThat(since.code(), is(2));
    assertThat(since.err(), containsString("--since is a day"));
    // As Iceberg's remove_orphan_files: under 24 hours a running job's files would go too.
    Cli.Outcome recent =
        Cli.executeCapturing("lake", "orphans", "--delete", "--older-than-hours", "1", lake);
    assertThat(recent.code(), is(2));
    assertThat(recent.err(), containsString("--no-running-jobs"));
    Cli.Outcome confirmed =
        Cli.executeCapturing(
            "lake", "orphans", "--delete", "--older-than-hours", "1", "--no-running-jobs", lake);
    assertThat(confirmed.err(), confirmed.code(), is(0));
    Cli.Outcome unknown = Cli.executeCapturing("lake", "compact", "no_such_table", lake);
    assertThat(unknown.code() == 0, is(false));
    assertThat(unknown.err(), containsString("no Iceberg table"));
  }
}
