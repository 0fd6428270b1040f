package io.datalake.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * The lake's table format: Hive-style Parquet folders (the default) or Iceberg tables in a catalog.
 * Catalog credentials never pass through options (Flink shows options in its web UI and keeps them
 * in checkpoints): they come from {@code --icebergCatalogCredentialsFile} or the environment.
 */
public interface LakeFormatOptions extends PipelineOptions {
  /** The lake's table formats. */
  enum LakeFormat {
    parquet,
    iceberg
  }

  /** The Iceberg catalogs the pipeline can name. */
  enum IcebergCatalog {
    hadoop,
    jdbc
  }

  @Description(
      "Table format of the lake: parquet (Hive-style folders <lake>/<table>/org_id=.../year=...,"
          + " at least once after a streaming crash) or iceberg (Iceberg tables in a catalog, each"
          + " batch committed once per table, atomically). parquet is the default because existing"
          + " lakes and their readers (DuckDB, Athena/Hive tables over the folders, the summary's"
          + " footer counts) expect that layout; iceberg writes elsewhere"
          + " (<icebergWarehouse>/<icebergNamespace>/<table>), so switching never mixes the"
          + " tables; by default that is under the lake root (<lake>/datalake/), where a glob over"
          + " the whole root also finds the Iceberg data files.")
  @Default.Enum("parquet")
  LakeFormat getLakeFormat();

  void setLakeFormat(LakeFormat value);

  @Description(
      "Iceberg catalog (with --lakeFormat=iceberg): hadoop (table metadata in the warehouse"
          + " folder itself, nothing to install; local folders, or a file system with atomic"
          + " rename: not for concurrent writers on S3) or jdbc (a table of pointers in a database"
          + " at --icebergCatalogUri: a SQLite file locally, PostgreSQL in production, safe on"
          + " S3).")
  @Default.Enum("hadoop")
  IcebergCatalog getIcebergCatalog();

  void setIcebergCatalog(IcebergCatalog value);

  @Description(
      "Where the Iceberg tables' data and metadata go: a local folder, or s3://BUCKET/PREFIX"
          + " (Iceberg's S3FileIO, with the same --endpoint, --awsRegion and AWS credentials chain"
          + " as Beam's S3; path-style requests when --endpoint is set; needs"
          + " --icebergCatalog=jdbc). Empty (the default): the lake root (--lake), tables at"
          + " <lake>/<icebergNamespace>/<table>.")
  @Default.String("")
  String getIcebergWarehouse();

  void setIcebergWarehouse(String value);

  @Description(
      "JDBC URL of the jdbc catalog, e.g. jdbc:sqlite:/path/catalog.db or"
          + " jdbc:postgresql://host:5432/iceberg. No user or password in it: those come from"
          + " --icebergCatalogCredentialsFile or ICEBERG_CATALOG_USER/ICEBERG_CATALOG_PASSWORD.")
  @Default.String("")
  String getIcebergCatalogUri();

  void setIcebergCatalogUri(String value);

  @Description(
      "A properties file (user=, password=; mode 600, same path on every worker) with the jdbc"
          + " catalog's database credentials. Empty: ICEBERG_CATALOG_USER and"
          + " ICEBERG_CATALOG_PASSWORD from the environment, else none.")
  @Default.String("")
  String getIcebergCatalogCredentialsFile();

  void setIcebergCatalogCredentialsFile(String value);

  @Description(
      "Seconds between a streaming run's commits to the Iceberg tables (--lakeFormat=iceberg with"
          + " --source=kafka): the files written since the last commit become one snapshot per"
          + " table. On Flink a commit also waits for the checkpoint that holds its files"
          + " (exactly once after a crash and --resume), so rows become visible after at most this"
          + " interval plus --checkpointingInterval. Smaller: fresher tables, more snapshots and"
          + " small files (compact them).")
  @Default.Integer(60)
  Integer getIcebergCommitIntervalSeconds();

  void setIcebergCommitIntervalSeconds(Integer value);

  @Description("Iceberg namespace (database) of the lake tables.")
  @Default.String("datalake")
  String getIcebergNamespace();

  void setIcebergNamespace(String value);
}
