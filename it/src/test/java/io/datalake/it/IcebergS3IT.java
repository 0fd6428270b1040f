package io.datalake.it;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

import io.datalake.pipelines.cli.Cli;
import io.datalake.testing.CurrentClickHouse;
import io.datalake.testing.LocalServices;
import io.datalake.transforms.lake.iceberg.IcebergCatalogConfig;
import io.datalake.transforms.lake.iceberg.IcebergS3FileIO;
import io.datalake.transforms.lake.iceberg.WriteIcebergTables;
import io.datalake.transforms.schema.LakeTable;
import io.datalake.transforms.schema.LakeTables;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The batch Iceberg lake on its production pair, in one set of services and one batch: data and
 * metadata on S3 (S3Proxy) at {@code s3://BUCKET/<run>} through Iceberg's S3FileIO, set from the
 * same {@code --endpoint} and {@code --awsRegion} as Beam's S3 and finding the keys through the AWS
 * SDK's default chain; the catalog JDBC on the local PostgreSQL that {@code ./datalake up} starts
 * (Debian's postgresql), its credentials from the file the launcher writes ({@code
 * --icebergCatalogCredentialsFile}, never in the URL). Checked:
 *
 * <ul>
 *   <li>Iceberg's reader finds the rows of a Parquet lake of the same input; a rerun adds nothing;
 *   <li>the catalog's rows are in PostgreSQL, one per lake table, pointing into the warehouse;
 *   <li>{@code ./datalake lake orphans --delete} (with the same {@code --endpoint}/{@code
 *       --awsRegion}) removes a planted uncommitted file per table and nothing else: every snapshot
 *       of every table still reads all its rows;
 *   <li>the current ClickHouse engine ({@code icebergS3}) counts the same rows.
 * </ul>
 */
public class IcebergS3IT {
  private static final String BUCKET = "iceberg-s3";

  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  @Test
  public void theLakeOnS3AndPostgresHoldsTheParquetRowsAndKeepsThemThroughOrphanRemoval()
      throws Exception {
    LocalServices.createBucket(BUCKET);
    String run = UUID.randomUUID().toString().replace("-", "").substring(0, 8);
    String warehouse = "s3://" + BUCKET + "/" + run;
    // The production pair: data on S3, the catalog in PostgreSQL (./datalake up), in a namespace
    // of this test's own.
    String catalogUri = LocalServices.postgresUrl();
    String credentials = LocalServices.postgresCredentialsFile();
    String namespace = "s3_" + run;
    Path parquet = temp.newFolder("parquet").toPath();
    List<String> s3 = LocalServices.beamS3Args();

    IcebergLakeChecks.batch(List.of("--lake=" + parquet, "--lakeFormat=parquet"));
    List<String> iceberg =
        new ArrayList<>(
            List.of(
                "--lake=" + temp.newFolder("lake").toPath(),
                "--lakeFormat=iceberg",
                "--icebergCatalog=jdbc",
                "--icebergCatalogUri=" + catalogUri,
                "--icebergCatalogCredentialsFile=" + credentials,
                "--icebergNamespace=" + namespace,
                "--icebergWarehouse=" + warehouse));
    iceberg.addAll(s3);
    IcebergLakeChecks.batch(iceberg);

    IcebergCatalogConfig config =
        new IcebergCatalogConfig("jdbc", warehouse, catalogUri, credentials, namespace)
            .withS3(new IcebergS3FileIO(LocalServices.s3Endpoint(), LocalServices.REGION));
    IcebergLakeChecks.equalsParquetAndRerunAddsNothing(config, parquet, iceberg);
    checkCatalogRowsInPostgres(catalogUri, credentials, namespace, warehouse);
    Catalog catalog = config.catalog();
    try {
      for (LakeTable table : LakeTables.all()) {
        Table t = catalog.loadTable(config.id(table.name()));
        assertThat(t.location(), startsWith(warehouse + "/"));
        assertThat(t.io().getClass().getSimpleName(), is("S3FileIO"));
      }
      Map<String, List<String>> rows = IcebergLakeChecks.rows(config, catalog);
      Map<String, Map<Long, Integer>> snapshotRows = snapshotRowCounts(catalog, config);

      // The lake command takes the pipeline's catalog and S3 options as they are.
      List<String> lakeArgs = new ArrayList<>(iceberg);
      lakeArgs.removeIf(a -> a.startsWith("--lakeFormat="));
      checkOrphansRemovesOnlyPlantedFiles(catalog, config, lakeArgs);
      assertThat(
          "every table, read fully after lake orphans --delete",
          IcebergLakeChecks.rows(config, catalog),
          equalTo(rows));
      assertThat(
          "every snapshot's rows after lake orphans --delete",
          snapshotRowCounts(catalog, config),
          equalTo(snapshotRows));
      checkInCurrentClickHouse(catalog, config, rows);
    } finally {
      IcebergCatalogConfig.close(catalog);
    }
  }

  /**
   * Plants one never-committed data file per table beside its live files, then runs {@code
   * ./datalake lake orphans} as a user would, with the pipeline's own catalog and S3 options: the
   * default 24-hour grace lists none of them (they are new); {@code --older-than-hours 0} deletes
   * exactly the planted ones. Every live file is older than that cutoff too, so only the comparison
   * with the tables' metadata keeps them.
   */
  private static void checkOrphansRemovesOnlyPlantedFiles(
      Catalog catalog, IcebergCatalogConfig config, List<String> lakeArgs) throws Exception {
    List<String> planted = new ArrayList<>();
    try (S3Client s3 = LocalServices.s3()) {
      for (LakeTable table : LakeTables.all()) {
        Table t = catalog.loadTable(config.id(table.name()));
        String live = IcebergLakeChecks.liveFiles(t).get(0);
        String key =
            live.substring(("s3://" + BUCKET + "/").length(), live.lastIndexOf('/') + 1)
                + WriteIcebergTables.filePrefix("killed", "main")
                + "planted.parquet";
        s3.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromString("never committed"));
        planted.add(key);
      }
      // S3 times are whole seconds: the planted files must be older than "now".
      Thread.sleep(2_000);
      List<String> common = new ArrayList<>(List.of("lake", "orphans"));
      common.addAll(lakeArgs);

      Cli.Outcome listed = Cli.executeCapturing(common.toArray(String[]::new));
      assertThat(listed.err(), listed.code(), is(0));
      assertThat(listed.out(), containsString("datalake: 0 orphan file(s)"));

      List<String> delete = new ArrayList<>(common);
      delete.addAll(List.of("--delete", "--older-than-hours", "0", "--no-running-jobs"));
      Cli.Outcome deleted = Cli.executeCapturing(delete.toArray(String[]::new));
      assertThat(deleted.err(), deleted.code(), is(0));
      assertThat(deleted.out(), containsString("datalake: " + planted.size() + " orphan file(s)"));
      for (String key : planted) {
        assertThat(deleted.out(), containsString(key));
        assertThat(
            key + " after lake orphans --delete",
            s3.listObjectsV2(b -> b.bucket(BUCKET).prefix(key)).keyCount(),
            is(0));
      }
    }
  }

  /** Per table, each snapshot's row count read by Iceberg's reader (time travel reads them all). */
  private static Map<String, Map<Long, Integer>> snapshotRowCounts(
      Catalog catalog, IcebergCatalogConfig config) throws Exception {
    Map<String, Map<Long, Integer>> counts = new TreeMap<>();
    for (LakeTable table : LakeTables.all()) {
      Table t = catalog.loadTable(config.id(table.name()));
      Map<Long, Integer> perSnapshot = new TreeMap<>();
      for (Snapshot snapshot : t.snapshots()) {
        perSnapshot.put(
            snapshot.snapshotId(), IcebergLakeIT.icebergRows(t, snapshot.snapshotId()).size());
      }
      counts.put(table.name(), perSnapshot);
    }
    return counts;
  }

  /** The catalog itself: one row per lake table in PostgreSQL, pointing into the warehouse. */
  private static void checkCatalogRowsInPostgres(
      String url, String credentialsFile, String namespace, String warehouse) throws Exception {
    Properties file = new Properties();
    try (InputStream in = Files.newInputStream(Path.of(credentialsFile))) {
      file.load(in);
    }
    try (Connection db =
            DriverManager.getConnection(
                url, file.getProperty("user"), file.getProperty("password"));
        PreparedStatement q =
            db.prepareStatement(
                "SELECT table_name, metadata_location FROM iceberg_tables WHERE catalog_name = ?"
                    + " AND table_namespace = ?")) {
      q.setString(1, IcebergCatalogConfig.CATALOG_NAME);
      q.setString(2, namespace);
      List<String> tables = new ArrayList<>();
      try (ResultSet r = q.executeQuery()) {
        while (r.next()) {
          tables.add(r.getString(1));
          assertThat(r.getString(2), startsWith(warehouse + "/"));
        }
      }
      tables.sort(String::compareTo);
      List<String> expected = new ArrayList<>();
      LakeTables.all().forEach(t -> expected.add(t.name()));
      expected.sort(String::compareTo);
      assertThat(tables, equalTo(expected));
    }
  }

  /**
   * The current engine reads the tables straight from S3Proxy ({@code icebergS3}, path-style URL):
   * the same row count per table. A refusal names the table, not the statement (it holds the keys).
   */
  private static void checkInCurrentClickHouse(
      Catalog catalog, IcebergCatalogConfig config, Map<String, List<String>> rows) {
    CurrentClickHouse clickhouse = CurrentClickHouse.stateless();
    for (LakeTable table : LakeTables.all()) {
      Table t = catalog.loadTable(config.id(table.name()));
      String url =
          LocalServices.s3Endpoint() + "/" + t.location().substring("s3://".length()) + "/";
      String sql =
          "SELECT count() FROM icebergS3('"
              + url
              + "', '"
              + LocalServices.s3AccessKey()
              + "', '"
              + LocalServices.s3SecretKey()
              + "')";
      List<CurrentClickHouse.Result> result = clickhouse.run(List.of(sql), "TSV");
      CurrentClickHouse.Result r = result.get(0);
      if (!r.ok()) {
        throw new AssertionError(
            "the current ClickHouse engine could not read "
                + url
                + " with icebergS3: "
                + r.error().replace(LocalServices.s3SecretKey(), "***"));
      }
      assertThat(
          table.name() + " count in ClickHouse (icebergS3)",
          Long.parseLong(r.text().trim()),
          is((long) rows.get(table.name()).size()));
    }
  }
}
