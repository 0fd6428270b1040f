package io.datalake.transforms.freshness;

import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.warehouse.ClickHouseClient;
import io.datalake.transforms.warehouse.DeadLetterTable;
import io.datalake.transforms.warehouse.Sql;
import io.datalake.transforms.warehouse.TenantAccess;
import io.datalake.transforms.warehouse.WarehouseTable;
import io.datalake.transforms.warehouse.WarehouseTables;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The warehouse's freshness figures, as plain views over the tables (exact: counted from the rows
 * themselves at each query, nothing kept beside them that could disagree). Every row has {@code
 * _inserted_at} ({@link WarehouseTables#INSERTED_AT}, the server's clock at insert) and {@code
 * late} (set by the streaming late branch, {@code RouteLateRows}, on rows later than their window's
 * allowed lateness), so ClickHouse alone knows when each row arrived and whether it was late.
 *
 * <ul>
 *   <li>{@value #TABLE_FRESHNESS}: per warehouse table and tenant, the newest event time written,
 *       the last write, rows in all, in the last hour and day, late rows in all and in the last
 *       hour. Tenant users may read it: on a current server their row policies on the tables leave
 *       them their own rows only.
 *   <li>{@value #DEAD_LETTER_FRESHNESS}: per tenant, kind, rejecting table, step and reason, dead
 *       letters in all, in the last hour and day, and the last one's time. The tenant is the
 *       record's when it was known at the refusal ({@code DeadLetter#tenant}), empty when the
 *       record was refused before (not JSON, no tenant field): those are the admin's only.
 *   <li>{@value #FRESHNESS}: both, one row shape (the one table): table rows have empty
 *       dead-letter columns, dead-letter rows a null event time and event lag (a dead letter has no
 *       event time to be late by; a zero would read as 1970, or as 0000-00-00 on 18.16).
 *   <li>{@code <tenant>_datalake_freshness}: the tenant's rows of {@value #FRESHNESS}, its tables'
 *       and its dead letters', made with the tenant's other objects ({@link
 *       TenantAccess#tenantObjects}) and readable by its user.
 * </ul>
 *
 * <p>Cost: a query reads four columns of every table ({@code GROUP BY} the tenant, the first column
 * of every table's order key), with no {@code FINAL}: the counts are rows written, a row written
 * again counts again. The views are made again at every {@code PrepareWarehouse}, so a table added
 * since shows; a tenant's view reads {@value #TABLE_FRESHNESS} by name and never needs remaking.
 */
public final class FreshnessViews {
  private static final Logger LOG = LoggerFactory.getLogger(FreshnessViews.class);

  public static final String TABLE_FRESHNESS = "datalake_table_freshness";
  public static final String DEAD_LETTER_FRESHNESS = "datalake_dead_letter_freshness";
  public static final String FRESHNESS = "datalake_freshness";

  /** The columns of {@value #FRESHNESS} and of each tenant's view, in order. */
  public static final List<String> COLUMNS =
      List.of(
          "table",
          "kind",
          "org_id",
          "newest_event_time",
          "last_write",
          "event_lag_seconds",
          "rows_total",
          "rows_last_hour",
          "rows_last_day",
          "late_rows",
          "late_rows_last_hour",
          "dead_letter_step",
          "dead_letter_reason",
          "dead_letters_last_hour",
          "dead_letters_last_day");

  /** The type of {@value #FRESHNESS}'s {@code newest_event_time}: null on dead letters' rows. */
  public static final String NULLABLE_TIME = "Nullable(DateTime)";

  /** The type of {@value #FRESHNESS}'s {@code event_lag_seconds}: null on dead letters' rows. */
  private static final String NULLABLE_LAG = "Nullable(Int64)";

  private static final String HOUR = "now() - 3600";
  private static final String DAY = "now() - 86400";

  private FreshnessViews() {}

  /** A tenant's freshness view in the warehouse database. */
  public static String tenantViewName(String tenant) {
    return tenant + "_" + FRESHNESS;
  }

  /**
   * The admin views, in the order they must be made (each reads the ones before): table freshness,
   * dead-letter freshness, freshness.
   */
  public static List<String> createStatements(
      String database, List<WarehouseTable> tables, RecordKinds kinds) {
    return createStatements(database, tables, kinds, "");
  }

  /**
   * The same views over each table's rows under its name plus {@code tableSuffix} ({@code
   * dead_letters} as it is): a tenant's database reads its copies so ({@code TenantDatabase}).
   */
  public static List<String> createStatements(
      String database, List<WarehouseTable> tables, RecordKinds kinds, String tableSuffix) {
    String db = Sql.identifier(database);
    List<String> perTable = new ArrayList<>();
    String inserted = Sql.identifier(WarehouseTables.INSERTED_AT);
    for (WarehouseTable table : tables) {
      String eventTime =
          Sql.identifier(kinds.table(table.source()).eventTimeColumn()); // current state: too
      String tenant = Sql.identifier(table.tenantColumn());
      perTable.add(
          "SELECT "
              + Sql.string(table.name())
              + " AS `table`, "
              + Sql.string(kinds.kindOf(table.source()).name())
              + " AS kind, "
              + tenant
              + " AS org_id, max("
              + eventTime
              + ") AS newest_event_time, max("
              + inserted
              + ") AS last_write, count() AS rows_total, countIf("
              + inserted
              + " >= "
              + HOUR
              + ") AS rows_last_hour, countIf("
              + inserted
              + " >= "
              + DAY
              + ") AS rows_last_day, countIf(late = 1) AS late_rows, countIf(late = 1 AND "
              + inserted
              + " >= "
              + HOUR
              + ") AS late_rows_last_hour FROM "
              + db
              + "."
              + Sql.identifier(table.name() + tableSuffix)
              + " GROUP BY "
              + tenant);
    }
    String tableFreshness =
        "CREATE VIEW "
            + db
            + "."
            + Sql.identifier(TABLE_FRESHNESS)
            + " AS SELECT `table`, kind, org_id, newest_event_time, last_write,"
            + " toInt64(now()) - toInt64(newest_event_time) AS event_lag_seconds, rows_total,"
            + " rows_last_hour, rows_last_day, late_rows, late_rows_last_hour FROM ("
            + String.join(" UNION ALL ", perTable)
            + ")";
    String deadLetterFreshness =
        "CREATE VIEW "
            + db
            + "."
            + Sql.identifier(DEAD_LETTER_FRESHNESS)
            + " AS SELECT ifNull(org_id, '') AS org_id, kind, ifNull(`table`, '') AS `table`,"
            + " step, error AS reason,"
            + " count() AS dead_letters_total, countIf("
            + inserted
            + " >= "
            + HOUR
            + ") AS dead_letters_last_hour, countIf("
            + inserted
            + " >= "
            + DAY
            + ") AS dead_letters_last_day, max("
            + inserted
            + ") AS last_dead_letter FROM "
            + db
            + "."
            + Sql.identifier(DeadLetterTable.NAME)
            + " GROUP BY org_id, kind, `table`, step, error";
    String freshness =
        "CREATE VIEW "
            + db
            + "."
            + Sql.identifier(FRESHNESS)
            + " AS "
            + tableRows(database)
            + " UNION ALL SELECT `table`, kind, org_id,"
            + " CAST(NULL AS "
            + NULLABLE_TIME
            + ") AS newest_event_time,"
            + " last_dead_letter AS last_write, CAST(NULL AS "
            + NULLABLE_LAG
            + ") AS event_lag_seconds,"
            + " toUInt64(0) AS rows_total, toUInt64(0) AS rows_last_hour,"
            + " toUInt64(0) AS rows_last_day, toUInt64(0) AS late_rows,"
            + " toUInt64(0) AS late_rows_last_hour, step AS dead_letter_step,"
            + " reason AS dead_letter_reason, dead_letters_last_hour, dead_letters_last_day FROM "
            + db
            + "."
            + Sql.identifier(DEAD_LETTER_FRESHNESS);
    return List.of(tableFreshness, deadLetterFreshness, freshness);
  }

  /** The rows of {@value #TABLE_FRESHNESS} in the shape of {@value #FRESHNESS}. */
  private static String tableRows(String database) {
    return "SELECT `table`, kind, org_id,"
        + " CAST(newest_event_time AS "
        + NULLABLE_TIME
        + ") AS newest_event_time, last_write,"
        + " CAST(event_lag_seconds AS "
        + NULLABLE_LAG
        + ") AS event_lag_seconds, rows_total, rows_last_hour, rows_last_day, late_rows,"
        + " late_rows_last_hour,"
        + " '' AS dead_letter_step, '' AS dead_letter_reason,"
        + " toUInt64(0) AS dead_letters_last_hour, toUInt64(0) AS dead_letters_last_day FROM "
        + Sql.identifier(database)
        + "."
        + Sql.identifier(TABLE_FRESHNESS);
  }

  /**
   * The tenant's view: its own rows of {@value #FRESHNESS}, those of its tables and of its dead
   * letters (not those without a tenant).
   */
  public static String createTenantViewStatement(String database, String tenant) {
    return "CREATE VIEW IF NOT EXISTS "
        + Sql.identifier(database)
        + "."
        + Sql.identifier(tenantViewName(tenant))
        + " AS SELECT "
        + String.join(", ", COLUMNS.stream().map(Sql::identifier).toList())
        + " FROM "
        + Sql.identifier(database)
        + "."
        + Sql.identifier(FRESHNESS)
        + " WHERE org_id = "
        + Sql.string(tenant);
  }

  /**
   * Makes the admin views again (dropped first: a view keeps the query it was made with, and the
   * tables may have changed). Between the drop and the create (milliseconds, before the run) a
   * reader gets "doesn't exist".
   */
  public static void prepare(
      ClickHouseClient client, String database, List<WarehouseTable> tables, RecordKinds kinds) {
    String db = Sql.identifier(database);
    for (String view : List.of(FRESHNESS, DEAD_LETTER_FRESHNESS, TABLE_FRESHNESS)) {
      client.execute("DROP TABLE IF EXISTS " + db + "." + Sql.identifier(view));
    }
    for (String statement : createStatements(database, tables, kinds)) {
      // Another launcher may prepare the same warehouse at the same moment.
      TenantAccess.executeUnlessExists(client, statement);
    }
    int tenants = remakeTenantViews(client, database);
    LOG.info(
        "datalake: made the freshness views of {} ({} tables, {} tenants)",
        database,
        tables.size(),
        tenants);
  }

  /**
   * Makes each tenant's view again, as {@link #createTenantViewStatement} says now (a view keeps
   * the query it was made with: one made by an older release would lack what was added since).
   * Tenants are found by their views' names. Returns how many were made.
   */
  static int remakeTenantViews(ClickHouseClient client, String database) {
    String suffix = "_" + FRESHNESS;
    List<String> tenants = new ArrayList<>();
    for (String name :
        client
            .execute(
                "SELECT name FROM system.tables WHERE database = "
                    + Sql.string(database)
                    + " AND endsWith(name, "
                    + Sql.string(suffix)
                    + ") FORMAT TSV")
            .split("\n")) {
      String view = TenantAccess.unescapeTsv(name);
      if (view.length() > suffix.length()) {
        tenants.add(view.substring(0, view.length() - suffix.length()));
      }
    }
    for (String tenant : tenants) {
      client.execute(
          "DROP TABLE IF EXISTS "
              + Sql.identifier(database)
              + "."
              + Sql.identifier(tenantViewName(tenant)));
      TenantAccess.executeUnlessExists(client, createTenantViewStatement(database, tenant));
    }
    return tenants.size();
  }
}
