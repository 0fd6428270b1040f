package io.datalake.it;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import io.datalake.testing.LocalServices;
import io.datalake.transforms.lake.iceberg.IcebergCatalogConfig;
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
import java.util.Properties;
import java.util.UUID;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The production catalog: the batch with {@code --icebergCatalog=jdbc} on the local PostgreSQL that
 * {@code ./datalake up} starts (Debian's postgresql), its credentials from the file the launcher
 * writes ({@code --icebergCatalogCredentialsFile}, never in the URL). The catalog's rows are in
 * PostgreSQL, Iceberg's reader finds the rows of a Parquet lake of the same input, and a rerun adds
 * nothing.
 */
public class IcebergPostgresCatalogIT {

  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  @Test
  public void theBatchCommitsItsTablesThroughAJdbcCatalogOnPostgres() throws Exception {
    String url = LocalServices.postgresUrl();
    String credentials = LocalServices.postgresCredentialsFile();
    // A namespace of its own: the database outlives the test.
    String namespace = "it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    Path parquet = temp.newFolder("parquet").toPath();
    Path warehouse = temp.newFolder("warehouse").toPath();
    IcebergLakeChecks.batch(List.of("--lake=" + parquet, "--lakeFormat=parquet"));
    List<String> iceberg =
        List.of(
            "--lake=" + temp.newFolder("lake").toPath(),
            "--lakeFormat=iceberg",
            "--icebergCatalog=jdbc",
            "--icebergCatalogUri=" + url,
            "--icebergCatalogCredentialsFile=" + credentials,
            "--icebergWarehouse=" + warehouse,
            "--icebergNamespace=" + namespace);
    IcebergLakeChecks.batch(iceberg);

    IcebergCatalogConfig config =
        new IcebergCatalogConfig("jdbc", warehouse.toString(), url, credentials, namespace);
    IcebergLakeChecks.equalsParquetAndRerunAddsNothing(config, parquet, iceberg);
    // The catalog itself: one row per lake table in PostgreSQL, pointing into the warehouse.
    try (Connection db = connect(url, credentials);
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
          assertThat(r.getString(2).startsWith(warehouse.toString()), is(true));
        }
      }
      tables.sort(String::compareTo);
      List<String> expected = new ArrayList<>();
      LakeTables.all().forEach(t -> expected.add(t.name()));
      expected.sort(String::compareTo);
      assertThat(tables, equalTo(expected));
    }
  }

  private static Connection connect(String url, String credentialsFile) throws Exception {
    Properties file = new Properties();
    try (InputStream in = Files.newInputStream(Path.of(credentialsFile))) {
      file.load(in);
    }
    return DriverManager.getConnection(url, file.getProperty("user"), file.getProperty("password"));
  }
}
