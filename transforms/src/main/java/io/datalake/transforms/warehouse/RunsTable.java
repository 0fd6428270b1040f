package io.datalake.transforms.warehouse;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The warehouse's {@code datalake_runs} table: one row per pipeline run, keyed by its {@code
 * run_id} (the {@code _load_id} of every row the run wrote). A run writes its row twice: when it
 * starts ({@code state = 'running'}, no end) and when it ends ({@code succeeded} or {@code failed},
 * with its counts; a stream stopped with its JVM: {@code stopped}); {@code _version} (microseconds
 * of the write) makes the later one win under {@code FINAL}. A stream's figures are in {@code
 * datalake_freshness}. Admin only, like {@code dead_letters}: the options name every tenant's
 * topics and folders.
 */
public final class RunsTable {
  public static final String NAME = "datalake_runs";

  private RunsTable() {}

  /** A column: its name, ClickHouse type and what it holds. */
  private record Column(String name, String type, String meaning) {}

  private static final List<Column> COLUMNS =
      List.of(
          new Column(
              "run_id", "String", "The run's id: the _load_id of every warehouse row it wrote"),
          new Column(
              "lake_run_id", "String", "The lake's run id: the part-<id>- prefix of its files"),
          new Column("mode", "String", "batch or streaming"),
          new Column("runner", "String", "The Beam runner, e.g. FlinkRunner"),
          new Column("lake", "String", "The lake it wrote to"),
          new Column("started_at", "DateTime", "When the run started (UTC)"),
          new Column("ended_at", "Nullable(DateTime)", "When it ended (UTC); null while it runs"),
          new Column("state", "String", "running, succeeded, failed or stopped"),
          new Column("options", "String", "Its pipeline options as JSON, secrets left out"),
          new Column(
              "counts",
              "String",
              "What it counted as JSON (batch: records in, rows, dead letters)"),
          new Column(
              WarehouseTables.VERSION, "UInt64", "When this row was written, in microseconds"));

  /** Column name to ClickHouse DDL type, in table order. */
  public static Map<String, String> columns() {
    Map<String, String> columns = new LinkedHashMap<>();
    COLUMNS.forEach(c -> columns.put(c.name(), c.type()));
    return columns;
  }

  /** Column name to what it holds, in table order. */
  public static Map<String, String> meanings() {
    Map<String, String> meanings = new LinkedHashMap<>();
    COLUMNS.forEach(c -> meanings.put(c.name(), c.meaning()));
    return meanings;
  }

  public static List<String> orderBy() {
    return List.of("run_id");
  }

  public static String createStatement(String database) {
    StringBuilder sql = new StringBuilder("CREATE TABLE IF NOT EXISTS ");
    sql.append(Sql.identifier(database)).append('.').append(Sql.identifier(NAME)).append(" (\n");
    columns()
        .forEach(
            (name, type) ->
                sql.append("  ")
                    .append(Sql.identifier(name))
                    .append(' ')
                    .append(type)
                    .append(",\n"));
    sql.append("  ")
        .append(Sql.identifier(WarehouseTables.INSERTED_AT))
        .append(' ')
        .append(WarehouseTables.INSERTED_AT_DDL)
        .append('\n');
    sql.append(") ENGINE = ReplacingMergeTree(_version)\nPARTITION BY tuple()\nORDER BY (run_id)");
    return sql.toString();
  }

  /** An insert of one row given as a JSON object of {@link #columns()} (JSONEachRow). */
  public static String insertStatement(String database, String jsonRow) {
    if (jsonRow.contains("\n")) {
      throw new IllegalArgumentException("A JSONEachRow row is one line");
    }
    return "INSERT INTO "
        + Sql.identifier(database)
        + "."
        + Sql.identifier(NAME)
        + " FORMAT JSONEachRow\n"
        + jsonRow;
  }
}
