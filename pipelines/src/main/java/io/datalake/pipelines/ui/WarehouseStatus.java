package io.datalake.pipelines.ui;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.transforms.freshness.FreshnessViews;
import io.datalake.transforms.warehouse.ClickHouseClient;
import io.datalake.transforms.warehouse.ClickHouseClient.ClickHouseException;
import io.datalake.transforms.warehouse.RunsTable;
import io.datalake.transforms.warehouse.Sql;
import io.datalake.transforms.warehouse.WarehouseTable;
import io.datalake.transforms.warehouse.WarehouseTables;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the status page reads from the warehouse, all of it through the freshness views ({@link
 * FreshnessViews}) but the sparkline: per table and tenant the figures of {@value
 * FreshnessViews#TABLE_FRESHNESS} with the rows written per minute over the last hour (counted from
 * {@code _inserted_at}), and the dead letters of {@value FreshnessViews#DEAD_LETTER_FRESHNESS}.
 * Only SELECTs, with nothing from the request in them. Times are epoch seconds (the page shows them
 * in the browser's time zone), counts numbers (18.16 quotes 64-bit integers in JSON).
 */
public final class WarehouseStatus {
  /** Minutes of the sparkline, the last one the current minute. */
  public static final int MINUTES = 60;

  /** Dead-letter rows shown at most (the most frequent in the last hour first). */
  static final int DEAD_LETTER_ROWS = 100;

  /** Characters of a dead letter's reason shown at most. */
  static final int REASON_CHARS = 300;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final ClickHouseClient client;
  private final String database;
  private final List<WarehouseTable> tables;

  public WarehouseStatus(ClickHouseClient client, String database, List<WarehouseTable> tables) {
    this.client = client;
    this.database = database;
    this.tables = List.copyOf(tables);
  }

  /**
   * Whether ClickHouse said that a table or view does not exist (code 60), or its database (81: no
   * run has prepared this warehouse yet).
   */
  public static boolean isMissing(ClickHouseException e) {
    return e.hasCode(60) || e.hasCode(81);
  }

  /** What to do about a missing freshness view. */
  public static String missingViewHint(String database, String view) {
    return "no "
        + view
        + " in "
        + database
        + ": run the pipeline once with --clickhouseUrl (PrepareWarehouse makes it)";
  }

  /** {@code {"available": true, "database": ..., "now": s, "tables": [...]}}. */
  public JsonNode freshness() {
    JsonNode rows =
        select(
            FreshnessViews.TABLE_FRESHNESS,
            "SELECT `table`, kind, org_id, toUInt32(newest_event_time) AS newest_event_time,"
                + " toUInt32(last_write) AS last_write, event_lag_seconds, rows_total,"
                + " rows_last_hour, rows_last_day, late_rows, late_rows_last_hour FROM "
                + view(FreshnessViews.TABLE_FRESHNESS)
                + " ORDER BY `table`, org_id");
    Map<String, long[]> perMinute = rowsPerMinute();
    // table, kind, org_id, then the figures (newest_event_time ... late_rows_last_hour).
    return answer(
        "tables",
        rows,
        FreshnessViews.COLUMNS.subList(0, 3),
        FreshnessViews.COLUMNS.subList(3, 11),
        (row, r) -> {
          ArrayNode minutes = r.putArray("rows_per_minute");
          long[] counts =
              perMinute.getOrDefault(
                  key(r.path("table").asText(), r.path("org_id").asText()), new long[MINUTES]);
          for (long count : counts) {
            minutes.add(count);
          }
        });
  }

  /**
   * Per table and tenant, rows written in each of the last {@value #MINUTES} minutes (index 0 the
   * oldest, the last the current minute), from {@code _inserted_at}: one scan of that column over
   * every table.
   */
  Map<String, long[]> rowsPerMinute() {
    StringBuilder union = new StringBuilder();
    String inserted = Sql.identifier(WarehouseTables.INSERTED_AT);
    for (WarehouseTable table : tables) {
      if (union.length() > 0) {
        union.append(" UNION ALL ");
      }
      union
          .append("SELECT ")
          .append(Sql.string(table.name()))
          .append(" AS `table`, ")
          .append(Sql.identifier(table.tenantColumn()))
          .append(" AS org_id, ")
          .append(inserted)
          .append(" AS inserted FROM ")
          .append(view(table.name()))
          .append(" WHERE ")
          .append(inserted)
          .append(" >= now() - ")
          .append(MINUTES * 60);
    }
    JsonNode rows =
        select(
            FreshnessViews.TABLE_FRESHNESS, // made with the tables: missing means both are
            "SELECT `table`, org_id, intDiv(toInt64(now()) - toInt64(inserted), 60) AS minutes_ago,"
                + " count() AS row_count FROM ("
                + union
                + ") GROUP BY `table`, org_id, minutes_ago");
    Map<String, long[]> counts = new HashMap<>();
    for (JsonNode row : rows) {
      long ago = row.path("minutes_ago").asLong();
      if (ago < 0 || ago >= MINUTES) {
        continue; // the first second of the hour's window, or a clock that went back
      }
      counts
              .computeIfAbsent(
                  key(row.path("table").asText(), row.path("org_id").asText()),
                  k -> new long[MINUTES])[(int) (MINUTES - 1 - ago)] +=
          row.path("row_count").asLong();
    }
    return counts;
  }

  /** {@code {"available": true, "database": ..., "now": s, "dead_letters": [...]}}. */
  public JsonNode deadLetters() {
    JsonNode rows =
        select(
            FreshnessViews.DEAD_LETTER_FRESHNESS,
            "SELECT kind, `table`, step, reason, dead_letters_total, dead_letters_last_hour,"
                + " dead_letters_last_day, toUInt32(last_dead_letter) AS last_dead_letter FROM "
                + view(FreshnessViews.DEAD_LETTER_FRESHNESS)
                + " ORDER BY dead_letters_last_hour DESC, dead_letters_total DESC, kind, step,"
                + " reason LIMIT "
                + DEAD_LETTER_ROWS);
    return answer(
        "dead_letters",
        rows,
        List.of("kind", "table", "step", "reason"),
        List.of(
            "dead_letters_total",
            "dead_letters_last_hour",
            "dead_letters_last_day",
            "last_dead_letter"),
        (row, r) -> {
          String reason = r.path("reason").asText();
          if (reason.length() > REASON_CHARS) {
            r.put("reason", reason.substring(0, REASON_CHARS) + "...");
          }
        });
  }

  /** Runs shown at most, the latest started first. */
  static final int RUNS = 20;

  /**
   * {@code {"available": true, ..., "runs": [...]}}: the latest runs of {@value RunsTable#NAME}
   * (under FINAL, so each run's end when it wrote one), with what each counted; {@code lost} by
   * {@link RunsTable#lostCondition()} (judged by ClickHouse's clock).
   */
  public JsonNode runs() {
    JsonNode rows =
        select(
            RunsTable.NAME,
            "SELECT run_id, mode, runner, lake, state, toUInt32(started_at) AS started_at,"
                + " toUInt32(ifNull(ended_at, toDateTime(0))) AS ended_at,"
                + " toUInt32(ifNull(alive_at, toDateTime(0))) AS alive_at, "
                + RunsTable.lostCondition()
                + " AS lost, counts FROM "
                + view(RunsTable.NAME)
                + " FINAL ORDER BY started_at DESC, run_id LIMIT "
                + RUNS);
    return answer(
        "runs",
        rows,
        List.of("run_id", "mode", "runner", "lake", "state"),
        List.of("started_at", "ended_at", "alive_at"),
        (row, r) -> {
          r.put("lost", row.path("lost").asInt() == 1);
          JsonNode counts;
          try {
            counts = JSON.readTree(row.path("counts").asText("{}"));
          } catch (JsonProcessingException e) {
            counts = null; // a row written by hand: shown without its counts
          }
          r.set("counts", counts == null || !counts.isObject() ? JSON.createObjectNode() : counts);
        });
  }

  /**
   * " (name)" of the (first) column ClickHouse said is missing, in 18.16's, 23-24's and current
   * wording, or "".
   */
  static String missingColumn(String message) {
    Matcher m = MISSING_COLUMN.matcher(message);
    return m.find() ? " (" + (m.group(1) != null ? m.group(1) : m.group(2)) + ")" : "";
  }

  private static final Pattern MISSING_COLUMN =
      Pattern.compile(
          "Missing columns: '([^']+)'"
              + "|[Uu]nknown (?:expression (?:or function )?)?identifier:? [`']?([A-Za-z0-9_]+)");

  /**
   * {@code {"available": true, ..., field: [...]}}: each row's {@code texts} as strings and {@code
   * numbers} as numbers (18.16 quotes a UInt64), then {@code more} done to it (given the row as
   * ClickHouse answered it, and its answer).
   */
  private ObjectNode answer(
      String field,
      JsonNode rows,
      List<String> texts,
      List<String> numbers,
      BiConsumer<JsonNode, ObjectNode> more) {
    ObjectNode answer = available();
    ArrayNode out = answer.putArray(field);
    for (JsonNode row : rows) {
      ObjectNode r = out.addObject();
      for (String column : texts) {
        r.put(column, row.path(column).asText());
      }
      for (String column : numbers) {
        r.put(column, row.path(column).asLong());
      }
      more.accept(row, r);
    }
    return answer;
  }

  private ObjectNode available() {
    ObjectNode answer = JSON.createObjectNode();
    answer.put("available", true);
    answer.put("database", database);
    answer.put("clickhouse", client.url());
    answer.put("now", System.currentTimeMillis() / 1000);
    return answer;
  }

  private String view(String name) {
    return Sql.identifier(database) + "." + Sql.identifier(name);
  }

  private static String key(String table, String tenant) {
    return table + "\u0000" + tenant;
  }

  /**
   * The rows of {@code sql} (FORMAT JSON's "data"); a missing {@code object} says how to make it,
   * an unreachable server says so (the page shows either message).
   */
  private JsonNode select(String object, String sql) {
    String body;
    try {
      body = client.execute(sql + " FORMAT JSON");
    } catch (ClickHouseException e) {
      if (isMissing(e)) {
        throw new IllegalStateException(missingViewHint(database, object), e);
      }
      if (e.hasCode(47)) {
        // A column this page reads came with a later version of the pipeline.
        throw new IllegalStateException(
            object
                + " in "
                + database
                + " lacks a column this page reads"
                + missingColumn(e.getMessage())
                + ": run the pipeline once with --clickhouseUrl (PrepareWarehouse adds it)",
            e);
      }
      String hint = io.datalake.pipelines.PreRunSteps.clickhouseHint(e);
      if (hint != null) {
        throw new IllegalStateException(e.getMessage() + ". " + hint, e);
      }
      throw e;
    }
    try {
      return JSON.readTree(body).path("data");
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("ClickHouse answered something that is not JSON", e);
    }
  }
}
