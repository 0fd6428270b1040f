package io.datalake.transforms.warehouse;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The warehouse's {@code datalake_runs} table: one row per pipeline run, keyed by its {@code
 * run_id} (the {@code _load_id} of every row the run wrote). A run writes its row when it starts
 * ({@code state = 'running'}, no end) and when it ends ({@code succeeded} or {@code failed}, with
 * its counts; a run stopped with its JVM: {@code stopped}); {@code _version} (microseconds of the
 * write, larger at each write of a run) makes the later one win under {@code FINAL}. While it runs,
 * the JVM that waits on it writes the row again every {@value #ALIVE_EVERY_SECONDS} seconds with a
 * new {@code alive_at}: a {@code running} row silent for {@value #LOST_AFTER_SECONDS} seconds lost
 * that JVM (killed with SIGKILL, its host gone), and with it the record of its end. A stream's
 * figures are in {@code datalake_freshness}. Admin only, like {@code dead_letters}: the options
 * name every tenant's topics and folders.
 */
public final class RunsTable {
  public static final String NAME = "datalake_runs";

  /** How often the JVM that waits on a run writes its {@code alive_at} again. */
  public static final int ALIVE_EVERY_SECONDS = 60;

  /**
   * How long a {@code running} row may go without a new {@code alive_at} before it counts as lost:
   * five missed writes, so a slow ClickHouse or a long pause of the JVM does not make a live run
   * look lost.
   */
  public static final int LOST_AFTER_SECONDS = 5 * ALIVE_EVERY_SECONDS;

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
          new Column(
              "alive_at",
              "Nullable(DateTime)",
              "When the JVM that runs or waits on the job last wrote this row (UTC): at the start,"
                  + " every minute while it runs, at the end; null for a stream handed to a Flink"
                  + " cluster or Dataflow, which no JVM of the project waits on"),
          new Column("options", "String", "Its pipeline options as JSON, secrets left out"),
          new Column(
              "counts",
              "String",
              "What it counted as JSON (batch: records in, rows, dead letters)"),
          new Column(
              WarehouseTables.VERSION, "UInt64", "When this row was written, in microseconds"));

  /**
   * The condition (SQL over a row of this table, also on 18.16) of a run that lost its JVM: {@code
   * running} and no {@code alive_at} written for {@link #LOST_AFTER_SECONDS}. A row without {@code
   * alive_at} (a stream handed to a cluster, a record from before the column) is not judged: its
   * condition is false, never NULL (18.16's {@code if} gives NULL for a NULL condition).
   */
  public static String lostCondition() {
    return "(state = 'running' AND ifNull(alive_at, now()) < now() - INTERVAL "
        + LOST_AFTER_SECONDS
        + " SECOND)";
  }

  /**
   * The {@code run_id} of the latest stream still {@code running} by its record whose options name
   * Flink job {@code jobName} (one row, or none): a stream handed to a cluster, which no JVM of the
   * project waits on, is ended in its record by the command that stops it.
   */
  public static String runningStreamOfJobStatement(String database, String jobName) {
    return "SELECT run_id FROM "
        + Sql.identifier(database)
        + "."
        + Sql.identifier(NAME)
        // Handed to a cluster: no JVM of ours wrote alive_at (a stream of the same name on the
        // embedded cluster has its own, and its JVM ends it).
        + " FINAL WHERE state = 'running' AND mode = 'streaming' AND runner = 'FlinkRunner'"
        + " AND alive_at IS NULL AND visitParamExtractString(options, 'jobName') = "
        + Sql.string(jobName)
        + " ORDER BY started_at DESC LIMIT 1 FORMAT TSV";
  }

  /**
   * Writes run {@code runId}'s record again as {@code stopped} at {@code endedEpochSeconds}, all
   * else as it was: the end of a job stopped from outside the JVM that started it.
   */
  public static String stoppedStatement(
      String database, String runId, long endedEpochSeconds, long versionMicros) {
    Map<String, String> changed =
        Map.of(
            "ended_at",
            "toDateTime(" + endedEpochSeconds + ")",
            "state",
            "'stopped'",
            // Later than the row it replaces, whatever this clock says against the submitter's.
            WarehouseTables.VERSION,
            "greatest(" + WarehouseTables.VERSION + " + 1, " + versionMicros + ")");
    String table = Sql.identifier(database) + "." + Sql.identifier(NAME);
    StringBuilder names = new StringBuilder();
    StringBuilder values = new StringBuilder();
    for (String column : columns().keySet()) {
      names.append(names.length() == 0 ? "" : ", ").append(Sql.identifier(column));
      values
          .append(values.length() == 0 ? "" : ", ")
          .append(changed.getOrDefault(column, Sql.identifier(column)));
    }
    return "INSERT INTO "
        + table
        + " ("
        + names
        + ") SELECT "
        + values
        + " FROM "
        + table
        + " FINAL WHERE run_id = "
        + Sql.string(runId);
  }

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
