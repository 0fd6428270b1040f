package io.datalake.transforms.lake.iceberg;

import io.datalake.transforms.io.LakePaths;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;

/**
 * Which Iceberg catalog holds the lake tables, as a serializable value: the catalog itself is made
 * where it is used ({@link #catalog()}, in a DoFn's {@code @Setup} or before the run), never
 * shipped. Credentials of a JDBC catalog are not part of it: they are read where the catalog is
 * made, from the credentials file it names or the environment (Flink shows everything serialized
 * into a job's options, and keeps its transforms in checkpoints).
 *
 * @param type {@code hadoop} (metadata beside the data in {@code warehouse}) or {@code jdbc}
 * @param warehouse folder or {@code s3://} prefix of the tables, absolute
 * @param uri the JDBC catalog's URL; null for hadoop
 * @param credentialsFile properties file with {@code user=} and {@code password=}; null: the
 *     environment's ICEBERG_CATALOG_USER / ICEBERG_CATALOG_PASSWORD, else none
 * @param namespace the namespace of the lake tables
 * @param s3 how to reach an {@code s3://} warehouse (S3FileIO); null for a local folder
 */
public record IcebergCatalogConfig(
    String type,
    String warehouse,
    String uri,
    String credentialsFile,
    String namespace,
    IcebergS3FileIO s3)
    implements Serializable {
  /** The catalog's name in Iceberg (the JDBC catalog's rows carry it). */
  public static final String CATALOG_NAME = "datalake";

  public static final String DEFAULT_NAMESPACE = "datalake";

  public IcebergCatalogConfig {
    type = Objects.requireNonNull(type, "type").toLowerCase(Locale.ROOT);
    if (!type.equals("hadoop") && !type.equals("jdbc")) {
      throw new IllegalArgumentException("--icebergCatalog must be hadoop or jdbc, got " + type);
    }
    if (warehouse == null || warehouse.isBlank()) {
      throw new IllegalArgumentException(
          "the Iceberg warehouse (--icebergWarehouse, else --lake) must not be empty");
    }
    warehouse = absolute(warehouse);
    if (LakePaths.isUri(warehouse)) {
      checkS3(type, warehouse);
      s3 = s3 == null ? new IcebergS3FileIO(null, null) : s3;
    } else {
      s3 = null;
    }
    if (type.equals("jdbc")) {
      if (uri == null || uri.isBlank() || !uri.startsWith("jdbc:")) {
        throw new IllegalArgumentException(
            "--icebergCatalog=jdbc needs --icebergCatalogUri=jdbc:... (jdbc:sqlite:FILE locally,"
                + " jdbc:postgresql://HOST:PORT/DB in production)");
      }
      String lower = uri.toLowerCase(Locale.ROOT);
      if (lower.contains("password=") || lower.matches("jdbc:[a-z]+://[^/]*:[^/]*@.*")) {
        throw new IllegalArgumentException(
            "--icebergCatalogUri holds a password: options are shown by Flink's web UI and kept in"
                + " checkpoints. Put user= and password= in --icebergCatalogCredentialsFile, or"
                + " ICEBERG_CATALOG_USER/ICEBERG_CATALOG_PASSWORD in the environment.");
      }
    } else {
      uri = null;
    }
    credentialsFile = credentialsFile == null || credentialsFile.isBlank() ? null : credentialsFile;
    namespace =
        namespace == null || namespace.isBlank() ? DEFAULT_NAMESPACE : namespace.toLowerCase();
    if (!namespace.matches("[a-z][a-z0-9_]*")) {
      throw new IllegalArgumentException(
          "--icebergNamespace is lower-case letters, digits and '_', got " + namespace);
    }
  }

  /** Without S3 settings (a local warehouse, or S3 with the SDK's defaults). */
  public IcebergCatalogConfig(
      String type, String warehouse, String uri, String credentialsFile, String namespace) {
    this(type, warehouse, uri, credentialsFile, namespace, null);
  }

  /**
   * Fails before the run, not on the first table: only {@code s3://} is served (S3FileIO), and only
   * by the jdbc catalog (the hadoop catalog commits by renaming a file, which S3 cannot do
   * atomically, and needs Hadoop's own S3 file system).
   */
  private static void checkS3(String type, String warehouse) {
    String scheme = warehouse.substring(0, warehouse.indexOf("://") + 3);
    if (!scheme.equals("s3://")) {
      throw new IllegalArgumentException(
          "the Iceberg warehouse is a local folder or s3://BUCKET/PREFIX, got " + scheme + "...");
    }
    if (!type.equals("jdbc")) {
      throw new IllegalArgumentException(
          "an Iceberg warehouse on s3:// needs --icebergCatalog=jdbc (with --icebergCatalogUri):"
              + " the hadoop catalog commits by an atomic rename, which S3 does not have");
    }
  }

  /** The same catalog, its {@code s3://} warehouse reached with these settings. */
  public IcebergCatalogConfig withS3(IcebergS3FileIO value) {
    return new IcebergCatalogConfig(type, warehouse, uri, credentialsFile, namespace, value);
  }

  /** A Hadoop catalog on {@code warehouse}, namespace {@value #DEFAULT_NAMESPACE}. */
  public static IcebergCatalogConfig hadoop(String warehouse) {
    return new IcebergCatalogConfig("hadoop", warehouse, null, null, DEFAULT_NAMESPACE);
  }

  /** The identifier of lake table {@code table}. */
  public TableIdentifier id(String table) {
    return TableIdentifier.of(Namespace.of(namespace), table);
  }

  /** A new catalog client: callers close it when it is {@link AutoCloseable}. */
  public Catalog catalog() {
    Map<String, String> properties = new HashMap<>();
    properties.put(CatalogProperties.WAREHOUSE_LOCATION, warehouse);
    properties.put(CatalogUtil.ICEBERG_CATALOG_TYPE, type);
    if (s3 != null) {
      properties.putAll(s3.catalogProperties());
    }
    if (!type.equals("jdbc")) {
      return CatalogUtil.buildIcebergCatalog(CATALOG_NAME, properties, new Configuration());
    }
    properties.put(CatalogProperties.URI, uri);
    properties.put("jdbc.schema-version", "V1");
    Map<String, String> credentials = credentials();
    if (credentials.containsKey("user")) {
      properties.put("jdbc.user", credentials.get("user"));
    }
    if (credentials.containsKey("password")) {
      properties.put("jdbc.password", credentials.get("password"));
    }
    if (uri.startsWith("jdbc:sqlite:")) {
      // Writers of one SQLite file take turns: a commit waits for another's to end instead of
      // failing at once with SQLITE_BUSY.
      properties.put("jdbc.busy_timeout", String.valueOf(SQLITE_BUSY_TIMEOUT_MS));
    }
    createCatalogTablesOnce(properties);
    properties.put(INIT_CATALOG_TABLES, "false");
    return JdbcCatalogClosingItsFileIo.open(CATALOG_NAME, properties, new Configuration());
  }

  /** How long a SQLite catalog's client waits for another's write to end. */
  static final int SQLITE_BUSY_TIMEOUT_MS = 30_000;

  /** JdbcCatalog's switch for creating its own tables when it starts. */
  private static final String INIT_CATALOG_TABLES = "jdbc.init-catalog-tables";

  /** The JDBC catalogs whose tables this JVM has made sure of. */
  private static final Set<String> CATALOG_TABLES_READY = ConcurrentHashMap.newKeySet();

  /**
   * Creates the JDBC catalog's own tables when missing, with a client that is closed at once.
   * Iceberg's JdbcCatalog checks for them with {@code getTables} and leaves that ResultSet open on
   * a pooled connection: on SQLite an open read statement holds the file's shared lock for the life
   * of the client, so every other client's (or process's) commit fails with SQLITE_BUSY. The
   * clients this config hands out never run that check ({@value #INIT_CATALOG_TABLES}=false); the
   * check runs once per JVM and catalog, and its connection is closed with it.
   */
  private static void createCatalogTablesOnce(Map<String, String> properties) {
    String key = properties.get(CatalogProperties.URI);
    if (CATALOG_TABLES_READY.contains(key)) {
      return;
    }
    synchronized (CATALOG_TABLES_READY) {
      if (CATALOG_TABLES_READY.contains(key)) {
        return;
      }
      Map<String, String> init = new HashMap<>(properties);
      init.put(INIT_CATALOG_TABLES, "true");
      close(JdbcCatalogClosingItsFileIo.open(CATALOG_NAME, init, new Configuration()));
      CATALOG_TABLES_READY.add(key);
    }
  }

  private Map<String, String> credentials() {
    Map<String, String> out = new HashMap<>();
    if (credentialsFile != null) {
      Properties file = new Properties();
      try (InputStream in = Files.newInputStream(Path.of(credentialsFile))) {
        file.load(in);
      } catch (IOException e) {
        throw new UncheckedIOException(
            "Cannot read --icebergCatalogCredentialsFile " + credentialsFile, e);
      }
      for (String key : file.stringPropertyNames()) {
        out.put(key, file.getProperty(key));
      }
      return out;
    }
    String user = System.getenv("ICEBERG_CATALOG_USER");
    String password = System.getenv("ICEBERG_CATALOG_PASSWORD");
    if (user != null) {
      out.put("user", user);
    }
    if (password != null) {
      out.put("password", password);
    }
    return out;
  }

  /**
   * A local folder as an absolute path without a scheme (readers that take paths, such as
   * ClickHouse's {@code icebergLocal}, find the files the metadata names); URIs as they are.
   */
  static String absolute(String location) {
    String trimmed =
        location.endsWith("/") ? location.substring(0, location.length() - 1) : location;
    if (LakePaths.isUri(trimmed)) {
      if (trimmed.startsWith("file://")) {
        return Path.of(java.net.URI.create(trimmed)).toAbsolutePath().normalize().toString();
      }
      return trimmed;
    }
    return Path.of(trimmed).toAbsolutePath().normalize().toString();
  }

  /** Closes a catalog client when it holds resources (the JDBC catalog's connections). */
  public static void close(Catalog catalog) {
    if (catalog instanceof AutoCloseable closeable) {
      try {
        closeable.close();
      } catch (Exception e) {
        // Closing a client after its work is done: a failure here loses nothing.
        org.slf4j.LoggerFactory.getLogger(IcebergCatalogConfig.class)
            .debug("closing the Iceberg catalog client failed", e);
      }
    }
  }
}
