package io.datalake.it;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

import io.datalake.testing.CurrentClickHouse;
import io.datalake.testing.LocalServices;
import io.datalake.transforms.lake.iceberg.IcebergCatalogConfig;
import io.datalake.transforms.lake.iceberg.IcebergS3FileIO;
import io.datalake.transforms.schema.LakeTable;
import io.datalake.transforms.schema.LakeTables;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The batch Iceberg lake on S3 (S3Proxy): the bundled samples go into Iceberg tables whose data and
 * metadata are at {@code s3://BUCKET/<run>} through Iceberg's S3FileIO, set from the same {@code
 * --endpoint} and {@code --awsRegion} as Beam's S3 and finding the keys through the AWS SDK's
 * default chain; the catalog is JDBC on the local PostgreSQL. Iceberg's reader must find the rows
 * of a Parquet lake of the same input; a rerun adds nothing; the current ClickHouse engine ({@code
 * icebergS3}) counts the same rows.
 */
public class IcebergS3IT {
  private static final String BUCKET = "iceberg-s3";

  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  @Test
  public void theIcebergLakeOnS3HoldsTheParquetLakesRowsForIcebergsReaderAndClickHouse()
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
    Catalog catalog = config.catalog();
    try {
      for (LakeTable table : LakeTables.all()) {
        Table t = catalog.loadTable(config.id(table.name()));
        assertThat(t.location(), startsWith(warehouse + "/"));
        assertThat(t.io().getClass().getSimpleName(), is("S3FileIO"));
      }
      checkInCurrentClickHouse(catalog, config, IcebergLakeChecks.rows(config, catalog));
    } finally {
      IcebergCatalogConfig.close(catalog);
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
