package io.datalake.transforms.warehouse;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The warehouse's {@code datalake_runs} table: one row per pipeline run, keyed by its {@code
 * run_id} (the {@code _load_id} of every row the run wrote). A run writes its row twice: when it
 * starts ({@code state = 'running'}, no end) and when it ends ({@code succeeded} or {@code failed},
 * with its counts); {@code _version} (microseconds of the write) makes the later one win under
 * {@code FINAL}. A streaming run normally never ends: its row stays {@code running}, and its
 * figures are in {@code datalake_freshness}. Admin only, like {@code dead_letters}: the options
 * name every tenant's topics and folders.
 */
public final class RunsTable {
  public static final String NAME = "datalake_runs";

  private RunsTable() {}

  /** Column name to ClickHouse DDL type, in table order ({@link #meanings()} says what each is). */
  public static Map<String, String> columns() {
    Map<String, String> columns = new LinkedHashMap<>();
    columns.put("run_id", "String");
    columns.put("lake_run_id", "String");
    columns.put("mode", "String");
    columns.put("runner", "String");
    columns.put("lake", "String");
    columns.put("started_at", "DateTime");
    columns.put("ended_at", "Nullable(DateTime)");
    columns.put("state", "String");
    columns.put("options", "String");
    columns.put("counts", "String");
    columns.put(WarehouseTables.VERSION, "UInt64");
    return columns;
  }

  /** What each column holds, in table order. */
  public static Map<String, String> meanings() {
    Map<String, String> meanings = new LinkedHashMap<>();
    meanings.put("run_id", "The run's id: the _load_id of every warehouse row it wrote");
    meanings.put("lake_run_id", "The lake's run id: the part-<id>- prefix of its files");
    meanings.put("mode", "batch or streaming");
    meanings.put("runner", "The Beam runner, e.g. FlinkRunner");
    meanings.put("lake", "The lake it wrote to");
    meanings.put("started_at", "When the run started (UTC)");
    meanings.put("ended_at", "When it ended (UTC); null while it runs");
    meanings.put("state", "running, succeeded or failed");
    meanings.put("options", "Its pipeline options as JSON, secrets left out");
    meanings.put("counts", "What it counted as JSON (batch: records in, rows, dead letters)");
    meanings.put(WarehouseTables.VERSION, "When this row was written, in microseconds");
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
