package io.datalake.transforms.warehouse;

import io.datalake.transforms.freshness.FreshnessViews;
import io.datalake.transforms.warehouse.ClickHouseClient.ClickHouseException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What lets a tenant's user in, and only to its own rows: every object and statement derived from
 * the warehouse tables ({@link WarehouseTables}), never from a list of names, so that a table added
 * later reaches every tenant.
 *
 * <p>Two ways, chosen by the server's version:
 *
 * <ul>
 *   <li><b>ClickHouse without SQL access management</b> (18.16, the server installed here): it has
 *       no row filters per user (they came in 19.5; a {@code <filter>} in users.xml is ignored),
 *       and a view runs with its reader's rights. A tenant gets its own database ({@link
 *       #tenantDatabase}) holding a copy of its rows ({@link TenantDatabase}), made by {@code
 *       ./datalake credentials create}; its user may read only that database ({@code
 *       allow_databases}), with a profile {@code readonly = 1}. The tenant database holds each
 *       table under its own name and under the documented {@code <tenant>_<table>_final} name, both
 *       the tenant's rows, deduplicated.
 *   <li><b>Current ClickHouse</b> (SQL access management, 24.x and later in production): a user per
 *       credential with {@code readonly = 1}, a row policy per table restricting it to the tenant,
 *       and SELECT on the tables and the tenant's own views in the warehouse database.
 * </ul>
 *
 * Either way a tenant reads its own dead letters (those whose record's tenant was known): on 18.16
 * its copy of them, on a current server through a row policy, as its tables.
 */
public final class TenantAccess {

  /** Longest tenant database name part taken from the tenant id as it is. */
  private static final int MAX_PLAIN_TENANT = 48;

  private static final Pattern VERSION = Pattern.compile("^(\\d+)\\.(\\d+)");
  private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_]+");
  private static final Pattern HASHED_END = Pattern.compile("_[0-9a-f]{8}$");

  private TenantAccess() {}

  /** One object a tenant needs: where it lives and the statement that creates it when missing. */
  public record Step(String database, String name, String sql) {}

  /**
   * Whether the server manages users, row policies and grants in SQL (ClickHouse 20.5 and later;
   * production runs 24.x and later), rather than in users.xml only (18.16).
   */
  public static boolean hasSqlAccessManagement(String serverVersion) {
    Matcher m = VERSION.matcher(serverVersion == null ? "" : serverVersion.trim());
    if (!m.find()) {
      throw new IllegalArgumentException("Not a ClickHouse version: " + serverVersion);
    }
    int major = Integer.parseInt(m.group(1));
    int minor = Integer.parseInt(m.group(2));
    return major > 20 || (major == 20 && minor >= 5);
  }

  /**
   * The database a tenant's user reads (18.16): {@code tenant_<tenant>} for the default warehouse
   * database, {@code <database>_tenant_<tenant>} for another one (so that two warehouses on one
   * server never share a tenant database). A tenant id that is not plain letters, digits and
   * underscores (a VTEX host name), longer than 48 characters or ending in {@code _} and 8 hex
   * digits has the others replaced by {@code _} and a hash of the id added, so that two ids never
   * share a database.
   */
  public static String tenantDatabase(String database, String tenant) {
    if (tenant == null || tenant.isEmpty()) {
      throw new IllegalArgumentException("The tenant must not be empty");
    }
    String prefix = tenantDatabasePrefix(database);
    // A plain id that ends as a hashed one does ("shop_com_a26926cd") is hashed too: kept as it
    // is, it would name the database of the id it looks like ("shop.com").
    if (PLAIN.matcher(tenant).matches()
        && tenant.length() <= MAX_PLAIN_TENANT
        && !HASHED_END.matcher(tenant).find()) {
      return prefix + tenant;
    }
    String part = plain(tenant);
    part = part.substring(0, Math.min(part.length(), MAX_PLAIN_TENANT - 9));
    return prefix + part + "_" + sha256Hex(tenant).substring(0, 8);
  }

  /**
   * What every tenant database of a warehouse database starts with ({@link #tenantDatabase}): what
   * to drop with a warehouse that is dropped (a test's or a benchmark run's).
   */
  public static String tenantDatabasePrefix(String database) {
    return database.equals(ClickHouseWarehouseIO.DEFAULT_DATABASE)
        ? "tenant_"
        : plain(database) + "_tenant_";
  }

  private static String plain(String name) {
    return name.replaceAll("[^A-Za-z0-9_]", "_");
  }

  /**
   * A tenant's objects in the warehouse database, made when the tenant first appears: its {@code
   * _final} views and its freshness view (the admin's, and on a current server what its user
   * reads). All {@code IF NOT EXISTS}. A tenant database on 18.16 is {@link TenantDatabase}'s.
   */
  public static List<Step> tenantObjects(
      String database, String tenant, List<WarehouseTable> tables) {
    List<Step> steps = new ArrayList<>();
    for (WarehouseTable table : tables) {
      steps.add(
          new Step(database, table.viewName(tenant), table.createViewStatement(database, tenant)));
    }
    steps.add(
        new Step(
            database,
            FreshnessViews.tenantViewName(tenant),
            FreshnessViews.createTenantViewStatement(database, tenant)));
    return steps;
  }

  /**
   * A tenant user's file for the server's {@code users.d} folder (servers without SQL access
   * management): only the password's SHA-256, its own read-only profile, and the tenant database as
   * the one database it may use. {@code comment} (one line, no {@code --}) says whose it is.
   */
  public static String usersFile(
      String user, String passwordSha256Hex, String tenantDatabase, String comment) {
    checkPlain("user", user);
    checkPlain("tenant database", tenantDatabase);
    if (!passwordSha256Hex.matches("[0-9a-f]{64}")) {
      throw new IllegalArgumentException("Not a SHA-256 in hex");
    }
    if (comment.contains("--") || comment.contains("\n")) {
      throw new IllegalArgumentException("The comment must be one line without --");
    }
    return "<?xml version=\"1.0\"?>\n"
        + "<!-- "
        + comment
        + " -->\n"
        + "<yandex>\n"
        + "    <profiles>\n"
        + "        <"
        + user
        + ">\n"
        // Reads only: no insert, DDL or SET, and no setting changed in a query's URL.
        + "            <readonly>1</readonly>\n"
        + "        </"
        + user
        + ">\n"
        + "    </profiles>\n"
        + "    <users>\n"
        + "        <"
        + user
        + ">\n"
        + "            <password_sha256_hex>"
        + passwordSha256Hex
        + "</password_sha256_hex>\n"
        + "            <networks>\n"
        + "                <ip>::/0</ip>\n"
        + "            </networks>\n"
        + "            <profile>"
        + user
        + "</profile>\n"
        + "            <quota>default</quota>\n"
        + "            <allow_databases>\n"
        + "                <database>"
        + tenantDatabase
        + "</database>\n"
        + "            </allow_databases>\n"
        + "        </"
        + user
        + ">\n"
        + "    </users>\n"
        + "</yandex>\n";
  }

  /**
   * A tenant user on a server with SQL access management: the user (password as SHA-256, read-only
   * and unable to change that), a row policy per table that shows it the tenant's rows only, and
   * SELECT on the tables and the tenant's {@code _final} views.
   */
  public static List<String> createUserStatements(
      String user,
      String passwordSha256Hex,
      String database,
      String tenant,
      List<WarehouseTable> tables) {
    checkPlain("user", user);
    String u = Sql.identifier(user);
    String db = Sql.identifier(database);
    List<String> sql = new ArrayList<>();
    sql.add(
        "CREATE USER IF NOT EXISTS "
            + u
            + " IDENTIFIED WITH sha256_hash BY "
            + Sql.string(passwordSha256Hex)
            + " DEFAULT DATABASE "
            + db
            + " SETTINGS readonly = 1 CONST");
    for (WarehouseTable table : tables) {
      String t = db + "." + Sql.identifier(table.name());
      sql.add(
          "CREATE ROW POLICY IF NOT EXISTS "
              + u
              + " ON "
              + t
              + " FOR SELECT USING "
              + Sql.identifier(table.tenantColumn())
              + " = "
              + Sql.string(tenant)
              + " TO "
              + u);
      sql.add("GRANT SELECT ON " + t + " TO " + u);
      sql.add("GRANT SELECT ON " + db + "." + Sql.identifier(table.viewName(tenant)) + " TO " + u);
    }
    // The tenant's freshness view reads the freshness views, which read the tables and the dead
    // letters: the row policies leave the user its own rows at every level (dead letters without a
    // tenant have a null org_id, which no policy passes).
    String deadLetters = db + "." + Sql.identifier(DeadLetterTable.NAME);
    sql.add(
        "CREATE ROW POLICY IF NOT EXISTS "
            + u
            + " ON "
            + deadLetters
            + " FOR SELECT USING "
            + Sql.identifier(DeadLetterTable.TENANT_COLUMN)
            + " = "
            + Sql.string(tenant)
            + " TO "
            + u);
    sql.add("GRANT SELECT ON " + deadLetters + " TO " + u);
    for (String view :
        List.of(
            FreshnessViews.TABLE_FRESHNESS,
            FreshnessViews.DEAD_LETTER_FRESHNESS,
            FreshnessViews.FRESHNESS,
            FreshnessViews.tenantViewName(tenant))) {
      sql.add("GRANT SELECT ON " + db + "." + Sql.identifier(view) + " TO " + u);
    }
    return sql;
  }

  /** What {@link #createUserStatements} made, dropped. */
  public static List<String> dropUserStatements(
      String user, String database, List<WarehouseTable> tables) {
    checkPlain("user", user);
    List<String> sql = new ArrayList<>();
    List<String> policed = new ArrayList<>();
    tables.forEach(t -> policed.add(t.name()));
    policed.add(DeadLetterTable.NAME);
    for (String table : policed) {
      sql.add(
          "DROP ROW POLICY IF EXISTS "
              + Sql.identifier(user)
              + " ON "
              + Sql.identifier(database)
              + "."
              + Sql.identifier(table));
    }
    sql.add("DROP USER IF EXISTS " + Sql.identifier(user));
    return sql;
  }

  private static void checkPlain(String what, String name) {
    if (name == null || !PLAIN.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "The " + what + " must be letters, digits and underscores: " + name);
    }
  }

  public static String unescapeTsv(String value) {
    StringBuilder out = new StringBuilder(value.length());
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\\' && i + 1 < value.length()) {
        char n = value.charAt(++i);
        out.append(
            switch (n) {
              case 't' -> '\t';
              case 'n' -> '\n';
              case '0' -> '\0';
              default -> n;
            });
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /**
   * Whether a failed CREATE lost a race to another worker making the same object (ClickHouse
   * 18.16's IF NOT EXISTS is not atomic): the object exists, which is what was wanted.
   */
  public static boolean alreadyExists(ClickHouseException e) {
    return e.hasCode(57) || e.hasCode(82);
  }

  /**
   * Runs a CREATE that another launcher or worker may run at the same moment: losing that race
   * ({@link #alreadyExists}) leaves the object there, as wanted; any other failure is thrown.
   */
  public static void executeUnlessExists(ClickHouseClient client, String sql) {
    try {
      client.execute(sql);
    } catch (ClickHouseException e) {
      if (!alreadyExists(e)) {
        throw e;
      }
    }
  }

  /** SHA-256 of a text, lowercase hex (what users.xml and sha256_hash take for a password). */
  public static String sha256Hex(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)))
          .toLowerCase(Locale.ROOT);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
