package io.datalake.transforms.lake.iceberg;

import static io.datalake.transforms.lake.iceberg.IcebergTestTables.appendSmallFiles;
import static io.datalake.transforms.lake.iceberg.IcebergTestTables.dataFilesOnDisk;
import static io.datalake.transforms.lake.iceberg.IcebergTestTables.rows;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.junit.Assert.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.BaseTable;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.TableOperations;
import org.apache.iceberg.hadoop.HadoopFileIO;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.FileInfo;
import org.apache.iceberg.io.InputFile;
import org.apache.iceberg.io.LocationProvider;
import org.apache.iceberg.io.OutputFile;
import org.apache.iceberg.io.SupportsPrefixOperations;
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
    assertThat(IcebergLocations.canonical(listed.get(0).location()), is(old.toString()));
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

  /**
   * A storage whose listing names the table's files in another form than its metadata, as an
   * S3-compatible store may: {@code file://} instead of a bare path, keys percent-encoded ({@code
   * org_id%3Dorg1}), doubled slashes, and every folder as an object of its own (S3Proxy's
   * filesystem backend). Reading, writing and deleting reach the files themselves.
   */
  private static final class ListingInAnotherForm implements FileIO, SupportsPrefixOperations {
    private final HadoopFileIO files = new HadoopFileIO(new Configuration());
    private final Function<String, String> form;

    ListingInAnotherForm(Function<String, String> form) {
      this.form = form;
    }

    @Override
    public Iterable<FileInfo> listPrefix(String prefix) {
      List<FileInfo> listed = new ArrayList<>();
      Set<String> folders = new TreeSet<>();
      for (FileInfo info : files.listPrefix(prefix)) {
        String path = IcebergLocations.canonical(info.location());
        for (Path p = Path.of(path).getParent(); p.startsWith(prefix); p = p.getParent()) {
          folders.add(p + "/");
        }
        listed.add(new FileInfo(form.apply(path), info.size(), info.createdAtMillis()));
      }
      folders.forEach(f -> listed.add(new FileInfo(form.apply(f), 0, 0)));
      return listed;
    }

    @Override
    public void deleteFile(String location) {
      if (IcebergLocations.isFolder(location)) {
        throw new AssertionError("a folder was deleted as a file: " + location);
      }
      files.deleteFile(IcebergLocations.canonical(location));
    }

    @Override
    public void deletePrefix(String prefix) {
      files.deletePrefix(prefix);
    }

    @Override
    public InputFile newInputFile(String path) {
      return files.newInputFile(path);
    }

    @Override
    public OutputFile newOutputFile(String path) {
      return files.newOutputFile(path);
    }
  }

  /** {@code table} as seen through {@code io}. */
  private static Table through(Table table, FileIO io) {
    TableOperations ops = ((HasTableOperations) table).operations();
    TableOperations withIo =
        new TableOperations() {
          @Override
          public TableMetadata current() {
            return ops.current();
          }

          @Override
          public TableMetadata refresh() {
            return ops.refresh();
          }

          @Override
          public void commit(TableMetadata base, TableMetadata metadata) {
            ops.commit(base, metadata);
          }

          @Override
          public FileIO io() {
            return io;
          }

          @Override
          public String metadataFileLocation(String fileName) {
            return ops.metadataFileLocation(fileName);
          }

          @Override
          public LocationProvider locationProvider() {
            return ops.locationProvider();
          }
        };
    return new BaseTable(withIo, table.name());
  }

  @Test
  public void aListingInAnotherFormNeverMakesALiveFileAnOrphan() throws Exception {
    IcebergCatalogConfig config = IcebergTestTables.prepared(temp, false);
    Table table = IcebergTestTables.table(config);
    appendSmallFiles(table, "r1", "org1", "2026-01-02T03:00:00Z", 3, 2);
    appendSmallFiles(table, "r2", "org2", "2026-01-03T03:00:00Z", 2, 2);
    Path orphan =
        plant(
            table,
            "org_id=org1/created_at_day=2026-01-02",
            WriteIcebergTables.filePrefix("killed", "main") + "a.parquet",
            Instant.now().minus(Duration.ofDays(2)));
    List<String> before = rows(table);
    Table encoded =
        through(
            table,
            new ListingInAnotherForm(
                path -> "file://" + path.replace("=", "%3D").replace("/data/", "//data//")));

    // Every file counts as old: only the comparison with the metadata keeps the live ones.
    Instant future = Instant.now().plus(Duration.ofDays(1));
    List<IcebergOrphanFiles.Orphan> deleted = IcebergOrphanFiles.find(encoded, future, true);

    assertThat(deleted, hasSize(1));
    assertThat(IcebergLocations.canonical(deleted.get(0).location()), is(orphan.toString()));
    assertThat(Files.exists(orphan), is(false));
    assertThat(dataFilesOnDisk(table), hasSize(5));
    assertThat(rows(table), is(before));
  }

  @Test
  public void aListingThatDoesNotNameTheLiveFilesDeletesNothing() throws Exception {
    IcebergCatalogConfig config = IcebergTestTables.prepared(temp, false);
    Table table = IcebergTestTables.table(config);
    appendSmallFiles(table, "r1", "org1", "2026-01-02T03:00:00Z", 2, 2);
    plant(
        table,
        "org_id=org1/created_at_day=2026-01-02",
        WriteIcebergTables.filePrefix("killed", "main") + "a.parquet",
        Instant.now().minus(Duration.ofDays(2)));
    // A listing under another root (a mount, a bucket alias): no listed name is a live file's.
    Table elsewhere = through(table, new ListingInAnotherForm(path -> "s3://alias" + path));

    IllegalStateException refused =
        assertThrows(
            IllegalStateException.class,
            () -> IcebergOrphanFiles.find(elsewhere, Instant.now().plus(Duration.ofDays(1)), true));
    assertThat(refused.getMessage(), containsString("Nothing of this table is deleted"));
    assertThat(dataFilesOnDisk(table), hasSize(3));
  }
}
