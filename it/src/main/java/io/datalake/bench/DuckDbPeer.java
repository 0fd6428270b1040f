package io.datalake.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.datalake.transforms.kinds.RecordKind;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The outside peer for JSON to partitioned Parquet: DuckDB (JDBC driver, in-process) turns the same
 * JSON lines files into the same Hive layout ({@code <table>/org_id=/year=/month=/day=}), one
 * {@code COPY (SELECT ... FROM read_json(...)) TO ... (FORMAT PARQUET, PARTITION_BY (org_id, year,
 * month, day))} per kind, into the kind's primary table's folder.
 *
 * <p>What it does less than the pipeline: it keeps each record's top-level fields as they are
 * (nested values as DuckDB's JSON), with the columns named explicitly from the kind's first record
 * (no schema inference pass); it writes only each kind's primary table (no child tables such as
 * order items or workflow tasks); no PII encryption, no dropped fields, no mappers or typing rules,
 * no dead letters, no record checks; the tenant and event time are read from the kind's declared
 * fields (the event time cast to a UTC timestamp). So it is a floor for how fast JSON becomes
 * partitioned Parquet on this machine, not the same work.
 *
 * <p>Timed: from the first COPY to the last one's end (the JVM, loading the native library and
 * opening the in-memory database are start-up, not timed). Prints {@code PEER name=duckdb seconds=S
 * rows.<table>=N ...}.
 */
public final class DuckDbPeer {
  private static final ObjectMapper JSON = new ObjectMapper();

  private DuckDbPeer() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> flags =
        Baseline.flags("DuckDbPeer", args, Set.of("input", "lake", "threads"));
    Path input = Path.of(Baseline.required(flags, "input"));
    Path lake = Path.of(Baseline.required(flags, "lake"));
    int threads = Integer.parseInt(flags.getOrDefault("threads", "1"));
    Map<RecordKind, List<Path>> byKind = new LinkedHashMap<>();
    for (Baseline.InputFile f : Baseline.inputFiles(input)) {
      byKind.computeIfAbsent(f.kind(), k -> new ArrayList<>()).add(f.path());
    }
    Map<String, Long> rows = new TreeMap<>();
    Files.createDirectories(lake);
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
        Statement st = db.createStatement()) {
      st.execute("SET threads = " + threads);
      st.execute("SET TimeZone = 'UTC'");
      st.execute("SET preserve_insertion_order = false");
      List<String> statements = new ArrayList<>();
      List<String> tables = new ArrayList<>();
      for (Map.Entry<RecordKind, List<Path>> e : byKind.entrySet()) {
        statements.add(copy(e.getKey(), e.getValue(), lake));
        tables.add(e.getKey().tables().get(0).name());
      }
      long t0 = System.nanoTime();
      for (int i = 0; i < statements.size(); i++) {
        // COPY's update count is the number of rows it wrote.
        st.execute(statements.get(i));
        rows.put(tables.get(i), (long) st.getUpdateCount());
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      StringBuilder line = new StringBuilder("PEER name=duckdb");
      line.append(String.format(java.util.Locale.ROOT, " seconds=%.3f", seconds));
      rows.forEach((t, n) -> line.append(" rows.").append(t).append('=').append(n));
      System.out.println(line);
    }
  }

  /**
   * DuckDB's JDBC jar (a dependency of the it module, not in the pipeline's jar): {@code
   * --duckdb-jar}, else the one on this JVM's class path, else the newest in the local Maven
   * repository; null when none is found.
   */
  static String jar() {
    String set = System.getProperty("datalake.duckdb.jar");
    if (set != null && !set.isBlank()) {
      return set;
    }
    for (String entry : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
      if (entry.contains("duckdb_jdbc")) {
        return entry;
      }
    }
    Path repo =
        Path.of(
            System.getProperty("user.home"), ".m2", "repository", "org", "duckdb", "duckdb_jdbc");
    if (!Files.isDirectory(repo)) {
      return null;
    }
    try (Stream<Path> versions = Files.list(repo)) {
      return versions
          .map(v -> v.resolve("duckdb_jdbc-" + v.getFileName() + ".jar"))
          .filter(Files::isRegularFile)
          .max(Comparator.comparing(Path::toString))
          .map(Path::toString)
          .orElse(null);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** The COPY of one kind: its files, its columns, its partition columns. */
  static String copy(RecordKind kind, List<Path> files, Path lake) throws Exception {
    Map<String, String> columns = columns(files.get(0));
    String tenant = fieldExpression(kind.tenantField());
    String time = "CAST(" + fieldExpression(kind.eventTimeField()) + " AS TIMESTAMPTZ)";
    StringBuilder struct = new StringBuilder("{");
    for (Map.Entry<String, String> c : columns.entrySet()) {
      if (struct.length() > 1) {
        struct.append(", ");
      }
      struct.append(literal(c.getKey())).append(": ").append(literal(c.getValue()));
    }
    struct.append('}');
    StringBuilder list = new StringBuilder("[");
    for (Path f : files) {
      list.append(list.length() > 1 ? ", " : "").append(literal(f.toString()));
    }
    list.append(']');
    String table = kind.tables().get(0).name();
    return "COPY (SELECT * EXCLUDE (_t), strftime(_t, '%Y') AS year, strftime(_t, '%m') AS month,"
        + " strftime(_t, '%d') AS day FROM (SELECT "
        + tenantColumns(kind.tenantField(), tenant, columns)
        + time
        + " AS _t FROM read_json("
        + list
        + ", format = 'newline_delimited', columns = "
        + struct
        + "))) TO "
        + literal(lake.resolve(table).toString())
        + " (FORMAT PARQUET, COMPRESSION SNAPPY, PARTITION_BY (org_id, year, month, day),"
        + " OVERWRITE_OR_IGNORE)";
  }

  /**
   * The top-level fields of a kind's first record and their DuckDB types: text, numbers and flags
   * as such, objects and arrays as JSON.
   */
  static Map<String, String> columns(Path file) throws Exception {
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String first = in.readLine();
      if (first == null) {
        throw new IllegalArgumentException(file + " is empty");
      }
      JsonNode record = JSON.readTree(first);
      Map<String, String> columns = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = record.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> f = it.next();
        JsonNode v = f.getValue();
        columns.put(
            f.getKey(),
            v.isTextual()
                ? "VARCHAR"
                : v.isIntegralNumber()
                    ? "BIGINT"
                    : v.isNumber() ? "DOUBLE" : v.isBoolean() ? "BOOLEAN" : "JSON");
      }
      return columns;
    }
  }

  /** All columns, with the tenant as a text column org_id (the partition column). */
  private static String tenantColumns(String field, String tenant, Map<String, String> columns) {
    if (field.equals("org_id")) {
      return "* REPLACE (CAST(org_id AS VARCHAR) AS org_id), ";
    }
    return (columns.containsKey("org_id") ? "* EXCLUDE (org_id), " : "*, ")
        + tenant
        + " AS org_id, ";
  }

  /**
   * A declared field as SQL: a top-level column, or {@code a.b}: member b of column a (an object,
   * or a string holding one, as entity operations' {@code detail}).
   */
  private static String fieldExpression(String field) {
    int dot = field.indexOf('.');
    if (dot < 0) {
      return "CAST(" + identifier(field) + " AS VARCHAR)";
    }
    return "json_extract_string("
        + identifier(field.substring(0, dot))
        + ", "
        + literal("$." + field.substring(dot + 1))
        + ")";
  }

  private static String identifier(String name) {
    return '"' + name.replace("\"", "\"\"") + '"';
  }

  private static String literal(String value) {
    return "'" + value.replace("'", "''") + "'";
  }
}
