package io.datalake.transforms.warehouse;

import io.datalake.transforms.freshness.FreshnessViews;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.model.TenantId;
import io.datalake.transforms.warehouse.ClickHouseClient.ClickHouseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A tenant's own database on a server without SQL access management (ClickHouse 18.16), holding a
 * copy of the tenant's rows and nothing else, so that its user, who may read only that database,
 * never runs anything with more rights than its own.
 *
 * <p>Why copies: 18.16 has no row filters per user, and a view runs with the reader's rights (a
 * user who may not read the warehouse database cannot read a view over it). Reading through a
 * {@code Distributed} table that connects back as the admin (what this project did before) lets a
 * tenant run any subquery as the admin: the server sends the whole {@code WHERE} to the other end,
 * so {@code WHERE 1 IN (SELECT ... FROM datalake.dead_letters)} read every tenant's rows there.
 *
 * <p>Per warehouse table {@code T}, in the tenant database:
 *
 * <ul>
 *   <li>{@code T_all_versions}: the tenant's rows, every version, with the warehouse's {@code
 *       _inserted_at} (the same engine, partitions and order key as {@code T});
 *   <li>{@code T_feed}: a materialized view that copies each insert's rows of the tenant into it
 *       (columns named one by one, so a column added to the warehouse later changes nothing until
 *       this copy is made again with it);
 *   <li>{@code T} and {@code <tenant>_T_final}: the tenant's rows deduplicated ({@code FINAL}), the
 *       columns and filter of the warehouse's {@code _final} view.
 * </ul>
 *
 * and {@code dead_letters} (the tenant's own, fed by {@code dead_letters_feed}) and the freshness
 * views over the copies ({@code datalake_freshness}, {@code <tenant>_datalake_freshness} and the
 * two it reads). Cost: each insert into a warehouse table is filtered once more per tenant with a
 * database, and the tenant's rows are stored twice; only tenants given credentials have one.
 *
 * <p>{@link #make} makes what is missing and makes a copy again (dropped, then filled from the
 * warehouse) when its columns are not the warehouse table's; the feed is made before the copy is
 * filled, so a row inserted meanwhile is copied twice rather than not at all (the deduplicated
 * views show it once).
 */
public final class TenantDatabase {
  private static final Logger LOG = LoggerFactory.getLogger(TenantDatabase.class);

  /** A copy's name: the warehouse table's, plus this. */
  public static final String COPY_SUFFIX = "_all_versions";

  /** A copy's feed (materialized view): the warehouse table's name, plus this. */
  public static final String FEED_SUFFIX = "_feed";

  private static final String INSERTED_AT_COPY =
      Sql.identifier(WarehouseTables.INSERTED_AT)
          + " "
          + WarehouseTables.INSERTED_AT_TYPE
          + " DEFAULT now()";

  private TenantDatabase() {}

  /**
   * Makes the tenant's database and every object of it that is missing or out of date. Returns the
   * number of objects made.
   */
  public static int make(
      ClickHouseClient client,
      String database,
      String tenant,
      List<WarehouseTable> tables,
      RecordKinds kinds) {
    return make(client, database, tenant, tables, kinds, true);
  }

  /**
   * As {@link #make(ClickHouseClient, String, String, List, RecordKinds)}; without {@code
   * createDatabase} the database is not made (a prepare completes existing tenant databases only,
   * and must not bring back one that a revoke dropped meanwhile: its statements fail instead, with
   * the server's "database doesn't exist", which {@link #completeAll} tells apart).
   */
  private static int make(
      ClickHouseClient client,
      String database,
      String tenant,
      List<WarehouseTable> tables,
      RecordKinds kinds,
      boolean createDatabase) {
    String tenantDb = TenantAccess.tenantDatabase(database, tenant);
    if (createDatabase) {
      TenantAccess.executeUnlessExists(
          client, "CREATE DATABASE IF NOT EXISTS " + Sql.identifier(tenantDb));
    }
    Map<String, String> engines = new HashMap<>();
    Map<String, String> orderKeys = new HashMap<>();
    for (String line :
        WarehouseSchema.lines(
            client.execute(
                "SELECT name, engine, engine_full FROM system.tables WHERE database = "
                    + Sql.string(tenantDb)
                    + " FORMAT TSV"))) {
      String[] f = line.split("\t", -1);
      if (f.length == 3) {
        engines.put(TenantAccess.unescapeTsv(f[0]), f[1]);
        orderKeys.put(TenantAccess.unescapeTsv(f[0]), orderKey(TenantAccess.unescapeTsv(f[2])));
      }
    }
    Map<String, List<String>> columns = new HashMap<>();
    String freshnessTimeType = null;
    for (String line :
        WarehouseSchema.lines(
            client.execute(
                "SELECT table, name, type FROM system.columns WHERE database = "
                    + Sql.string(tenantDb)
                    + " FORMAT TSV"))) {
      String[] f = line.split("\t", -1);
      if (f.length == 3) {
        String table = TenantAccess.unescapeTsv(f[0]);
        String column = TenantAccess.unescapeTsv(f[1]);
        columns.computeIfAbsent(table, k -> new ArrayList<>()).add(column);
        if (table.equals(FreshnessViews.FRESHNESS) && column.equals("newest_event_time")) {
          freshnessTimeType = TenantAccess.unescapeTsv(f[2]);
        }
      }
    }
    String db = Sql.identifier(tenantDb);
    String org = Sql.string(tenant);
    int made = 0;
    for (WarehouseTable table : tables) {
      List<String> names = new ArrayList<>();
      table.columns().forEach(c -> names.add(c.name()));
      List<String> copied = new ArrayList<>(names);
      copied.add(WarehouseTables.INSERTED_AT);
      made +=
          copy(
              client,
              database,
              tenantDb,
              table.name(),
              table.name() + COPY_SUFFIX,
              table.createStatement(tenantDb, table.name() + COPY_SUFFIX, INSERTED_AT_COPY),
              Sql.identifier(table.tenantColumn()) + " = " + org,
              copied,
              engines,
              orderKeys,
              columns);
      String select = String.join(", ", names.stream().map(Sql::identifier).toList());
      for (String view : List.of(table.name(), table.viewName(tenant))) {
        if ("View".equals(engines.get(view)) && names.equals(columns.get(view))) {
          continue;
        }
        // Missing, out of date, or a Distributed table of a release before the copies.
        client.execute("DROP TABLE IF EXISTS " + db + "." + Sql.identifier(view));
        TenantAccess.executeUnlessExists(
            client,
            table.viewStatement(
                db + "." + Sql.identifier(view),
                select,
                t -> db + "." + Sql.identifier(t + COPY_SUFFIX),
                tenant));
        made++;
      }
    }
    List<String> deadLetterColumns = new ArrayList<>(DeadLetterTable.columns().keySet());
    deadLetterColumns.add(WarehouseTables.INSERTED_AT);
    made +=
        copy(
            client,
            database,
            tenantDb,
            DeadLetterTable.NAME,
            DeadLetterTable.NAME,
            DeadLetterTable.createStatement(tenantDb, DeadLetterTable.NAME, INSERTED_AT_COPY),
            Sql.identifier(DeadLetterTable.TENANT_COLUMN) + " = " + org,
            deadLetterColumns,
            engines,
            orderKeys,
            columns);
    // The freshness views name every table: made again whenever a copy was (a table added), as the
    // admin's are at every prepare, and when they are a release's before the dead letters' rows had
    // a null event time (their newest_event_time not Nullable).
    List<String> freshness =
        List.of(
            FreshnessViews.tenantViewName(tenant),
            FreshnessViews.FRESHNESS,
            FreshnessViews.DEAD_LETTER_FRESHNESS,
            FreshnessViews.TABLE_FRESHNESS);
    if (made > 0
        || !freshness.stream().allMatch(v -> "View".equals(engines.get(v)))
        || !FreshnessViews.NULLABLE_TIME.equals(freshnessTimeType)) {
      for (String view : freshness) {
        client.execute("DROP TABLE IF EXISTS " + db + "." + Sql.identifier(view));
      }
      for (String statement :
          FreshnessViews.createStatements(tenantDb, tables, kinds, COPY_SUFFIX)) {
        TenantAccess.executeUnlessExists(client, statement);
      }
      TenantAccess.executeUnlessExists(
          client, FreshnessViews.createTenantViewStatement(tenantDb, tenant));
      made += freshness.size();
    }
    if (made > 0) {
      LOG.info("datalake: made {} objects of a tenant database ({})", made, tenantDb);
    }
    return made;
  }

  /**
   * Makes {@code copy} and its feed from {@code source} again unless both exist with {@code
   * columns}: the copy dropped and made, the feed made, then the rows the source holds already
   * copied. Returns the objects made (0 or 2).
   */
  private static int copy(
      ClickHouseClient client,
      String database,
      String tenantDb,
      String source,
      String copy,
      String createCopy,
      String tenantFilter,
      List<String> columns,
      Map<String, String> engines,
      Map<String, String> orderKeys,
      Map<String, List<String>> existingColumns) {
    String feed = source + FEED_SUFFIX;
    if (engines.getOrDefault(copy, "").endsWith("MergeTree")
        && "MaterializedView".equals(engines.get(feed))
        && columns.equals(existingColumns.get(copy))
        && columns.equals(existingColumns.get(feed))
        // A copy ordered by an earlier key (entity_operations before the event id was part of it)
        // would merge rows the warehouse keeps apart: made again.
        && orderKey(createCopy).equals(orderKeys.get(copy))) {
      return 0;
    }
    String db = Sql.identifier(tenantDb);
    String from = Sql.identifier(database) + "." + Sql.identifier(source);
    String list = String.join(", ", columns.stream().map(Sql::identifier).toList());
    client.execute("DROP TABLE IF EXISTS " + db + "." + Sql.identifier(feed));
    client.execute("DROP TABLE IF EXISTS " + db + "." + Sql.identifier(copy));
    TenantAccess.executeUnlessExists(client, createCopy);
    TenantAccess.executeUnlessExists(
        client,
        "CREATE MATERIALIZED VIEW IF NOT EXISTS "
            + db
            + "."
            + Sql.identifier(feed)
            + " TO "
            + db
            + "."
            + Sql.identifier(copy)
            + " AS SELECT "
            + list
            + " FROM "
            + from
            + " WHERE "
            + tenantFilter);
    try {
      client.execute(
          "INSERT INTO "
              + db
              + "."
              + Sql.identifier(copy)
              + " ("
              + list
              + ") SELECT "
              + list
              + " FROM "
              + from
              + " WHERE "
              + tenantFilter);
    } catch (RuntimeException e) {
      // A copy that holds part of the rows would look whole to the next check: leave none.
      for (String name : List.of(feed, copy)) {
        try {
          client.execute("DROP TABLE IF EXISTS " + db + "." + Sql.identifier(name));
        } catch (RuntimeException dropFailed) {
          e.addSuppressed(dropFailed);
        }
      }
      throw new IllegalStateException(
          "Could not fill "
              + tenantDb
              + "."
              + copy
              + " from "
              + database
              + "."
              + source
              + " ("
              + e.getMessage()
              + "); the copy was dropped: run ./datalake credentials create again, or any"
              + " run, whose prepare step makes it again",
          e);
    }
    return 2;
  }

  /**
   * The {@code ORDER BY} of a table's DDL or of its {@code engine_full}, without white space and
   * quotes ({@code (org_id,entity_id)}), so that 18.16's and this project's spelling compare; empty
   * when there is none.
   */
  static String orderKey(String ddl) {
    int at = ddl.indexOf("ORDER BY ");
    if (at < 0) {
      return "";
    }
    String rest = ddl.substring(at + "ORDER BY ".length());
    int end = rest.length();
    for (String next : List.of(" SETTINGS", " TTL", " SAMPLE BY", " PRIMARY KEY", "\n")) {
      int i = rest.indexOf(next);
      if (i >= 0 && i < end) {
        end = i;
      }
    }
    String key = rest.substring(0, end).replaceAll("[\\s`]", "");
    // One column: the DDL writes (x), 18.16's engine_full x.
    return key.startsWith("(") && key.endsWith(")") && key.indexOf(',') < 0
        ? key.substring(1, key.length() - 1)
        : key;
  }

  /**
   * The tenants that have a database of {@code database}'s: found by their {@code
   * <tenant>_<table>_final} objects (views, or Distributed tables of a release before the copies),
   * each checked against the database name it gives.
   */
  public static Set<String> tenants(
      ClickHouseClient client, String database, List<WarehouseTable> tables) {
    String prefix = TenantAccess.tenantDatabasePrefix(database);
    Set<String> tenants = new LinkedHashSet<>();
    for (String line :
        WarehouseSchema.lines(
            client.execute(
                "SELECT database, name FROM system.tables WHERE startsWith(database, "
                    + Sql.string(prefix)
                    + ") AND endsWith(name, '_final') FORMAT TSV"))) {
      String[] f = line.split("\t", -1);
      if (f.length != 2) {
        continue;
      }
      String db = TenantAccess.unescapeTsv(f[0]);
      String name = TenantAccess.unescapeTsv(f[1]);
      for (WarehouseTable table : tables) {
        String suffix = "_" + table.name() + "_final";
        if (name.length() > suffix.length() && name.endsWith(suffix)) {
          String tenant = name.substring(0, name.length() - suffix.length());
          if (TenantId.isValid(tenant)
              && TenantAccess.tenantDatabase(database, tenant).equals(db)) {
            tenants.add(tenant);
          }
        }
      }
    }
    return tenants;
  }

  /**
   * Every tenant database of {@code database} made complete ({@link #make}): a table added to the
   * warehouse since reaches its tenants, a copy without a column added since is made again, and a
   * database of a release before the copies gets them. Returns the objects made.
   */
  public static int completeAll(
      ClickHouseClient client, String database, List<WarehouseTable> tables, RecordKinds kinds) {
    Map<String, Integer> made = new LinkedHashMap<>();
    for (String tenant : tenants(client, database, tables)) {
      String tenantDb = TenantAccess.tenantDatabase(database, tenant);
      try {
        made.put(tenant, make(client, database, tenant, tables, kinds, false));
      } catch (RuntimeException e) {
        // Dropped since it was listed: its last credential was revoked meanwhile. Left dropped
        // (made again, it would serve no one and feed on every insert); anything else fails.
        if (databaseExists(client, tenantDb)) {
          throw e;
        }
        LOG.info("datalake: tenant database {} was dropped meanwhile; left dropped", tenantDb);
      }
    }
    int total = made.values().stream().mapToInt(Integer::intValue).sum();
    // Distributed tables left in a tenant database that is not (or no longer) a tenant's: a
    // release before the copies made them, over this warehouse through the cluster self, and they
    // run what a tenant sends as the admin. Only those: a database of someone else's that happens
    // to start with the prefix keeps its own.
    String prefix = TenantAccess.tenantDatabasePrefix(database);
    for (String line :
        WarehouseSchema.lines(
            client.execute(
                "SELECT database, name FROM system.tables WHERE startsWith(database, "
                    + Sql.string(prefix)
                    + ") AND engine = 'Distributed' AND startsWith(engine_full, "
                    + Sql.string("Distributed(self, " + Sql.string(database) + ", ")
                    + ") FORMAT TSV"))) {
      String[] f = line.split("\t", -1);
      if (f.length != 2) {
        continue;
      }
      String db = TenantAccess.unescapeTsv(f[0]);
      client.execute(
          "DROP TABLE IF EXISTS "
              + Sql.identifier(db)
              + "."
              + Sql.identifier(TenantAccess.unescapeTsv(f[1])));
      LOG.warn(
          "datalake: dropped a Distributed table of {}, a tenant database of an earlier release"
              + " that no tenant id names now; `./datalake credentials create` makes the tenant's"
              + " database again",
          db);
    }
    if (total > 0) {
      LOG.info("datalake: made {} missing tenant objects for {} tenants", total, made.size());
    }
    return total;
  }

  private static boolean databaseExists(ClickHouseClient client, String name) {
    return !client
        .execute("SELECT count() FROM system.databases WHERE name = " + Sql.string(name))
        .trim()
        .equals("0");
  }

  /**
   * Drops {@code tenant}'s database of warehouse {@code database}: its copies, feeds and views. For
   * a tenant whose last credential is revoked: the database serves that tenant's users only, and
   * its feeds would go on filtering every insert into the warehouse and its copies on holding the
   * tenant's rows. {@link #make} makes it again, refilled from the warehouse. Returns the name of
   * the database dropped.
   */
  public static String drop(ClickHouseClient client, String database, String tenant) {
    String tenantDb = TenantAccess.tenantDatabase(database, tenant);
    client.execute("DROP DATABASE IF EXISTS " + Sql.identifier(tenantDb));
    LOG.info("datalake: dropped the tenant database {}", tenantDb);
    return tenantDb;
  }

  /**
   * Deletes from every tenant's copy of {@code table} what {@code where} selects, as {@code ALTER
   * TABLE ... DELETE} does in the warehouse: the feeds copy inserts only, so whatever deletes in
   * the warehouse must call this too, or the tenants keep the rows. A tenant database without the
   * copy (not made yet) is skipped. Returns the number of copies the delete was sent to; like the
   * warehouse's, each runs as a mutation in the background.
   */
  public static int deleteFromCopies(
      ClickHouseClient client,
      String database,
      String table,
      List<WarehouseTable> tables,
      String where) {
    int sent = 0;
    for (String tenant : tenants(client, database, tables)) {
      String copy =
          Sql.identifier(TenantAccess.tenantDatabase(database, tenant))
              + "."
              + Sql.identifier(table + COPY_SUFFIX);
      try {
        client.execute("ALTER TABLE " + copy + " DELETE WHERE " + where);
        sent++;
      } catch (ClickHouseException e) {
        // No such copy (60) or tenant database (81, dropped since the listing): nothing to delete.
        if (!e.hasCode(60) && !e.hasCode(81)) {
          throw e;
        }
      }
    }
    if (sent > 0) {
      LOG.info("datalake: sent the delete on {} to {} tenant copies", table, sent);
    }
    return sent;
  }
}
