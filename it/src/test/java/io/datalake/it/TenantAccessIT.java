package io.datalake.it;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertThrows;

import io.datalake.testing.LocalServices;
import io.datalake.transforms.freshness.FreshnessViews;
import io.datalake.transforms.warehouse.ClickHouseWarehouseIO;
import io.datalake.transforms.warehouse.DeadLetterTable;
import io.datalake.transforms.warehouse.Sql;
import io.datalake.transforms.warehouse.TenantAccess;
import io.datalake.transforms.warehouse.TenantDatabase;
import io.datalake.transforms.warehouse.WarehouseTable;
import io.datalake.transforms.warehouse.WarehouseTables;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.After;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Tenant access against the real server (ClickHouse 18.16): a batch written as the pipeline's admin
 * user with two tenants' rows, credentials made for both with {@code ./datalake credentials create}
 * and each tenant's user logged in over HTTP and JDBC. For every table and view of its database a
 * user sees exactly its own tenant's rows (the admin's count of the tenant's {@code _final} view)
 * and none of the other's, its own dead letters; writes, DDL, settings, the warehouse database and
 * the other tenant's database are refused, also inside a subquery or a join; a revoked user is
 * refused within seconds while the other still gets in.
 */
public class TenantAccessIT {
  private static final String A = "739224";
  private static final String B = "123";

  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  private final String run = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
  private final String database = "it_tenants_" + run;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final List<String> users = new ArrayList<>();

  @After
  public void cleanUp() throws Exception {
    for (String user : users) {
      Launcher.run(120, "credentials", "revoke", user, "--clickhouseDatabase=" + database);
    }
    LocalServices.dropWarehouse(database);
  }

  @Test
  public void eachTenantReadsItsOwnRowsOnlyAndARevokedUserIsRefused() throws Exception {
    SamplesBatch.run(temp.newFolder("lake").toPath(), database);

    TenantUser a = create(A);
    TenantUser b = create(B);
    assertThat(a.database(), equalTo(TenantAccess.tenantDatabase(database, A)));

    String list = Launcher.run(120, "credentials", "list").orFail("credentials list").output();
    assertThat(list, containsString(a.user()));
    assertThat(list, containsString(b.user()));
    assertThat("list shows no password", list, not(containsString(a.password())));
    assertThat("list shows no password", list, not(containsString(b.password())));

    checkOwnRowsOnly(a, A);
    checkOwnRowsOnly(b, B);
    // The clickhouse-client command create printed works as printed (native port included).
    String view = Sql.identifier(WarehouseTables.all().get(0).viewName(A));
    assertThat(
        a.client("SELECT count() FROM " + view).trim(),
        equalTo(http(a, "SELECT count() FROM " + view + " FORMAT TSV", "").body().trim()));
    checkRefusals(a, b);
    tablesAddedLaterReachExistingTenants(a, A);
    deletesReachTheCopies(a, A);

    // Revoked: refused within seconds, without a restart; the other tenant still gets in.
    long start = System.nanoTime();
    String revoked =
        Launcher.run(120, "credentials", "revoke", a.user(), "--clickhouseDatabase=" + database)
            .orFail("credentials revoke")
            .output();
    users.remove(a.user());
    HttpResponse<String> refused;
    do {
      refused = http(a, "SELECT 1", "");
    } while (refused.statusCode() == 200 && System.nanoTime() - start < 30_000_000_000L);
    long millis = (System.nanoTime() - start) / 1_000_000;
    System.out.println(
        "TenantAccessIT: revoked user refused "
            + millis
            + " ms after ./datalake credentials revoke started; it said: "
            + revoked.strip());
    assertThat(revoked, containsString("revoked " + a.user()));
    // A's last credential: its database (copies, feeds) goes with it; B's stays.
    assertThat(revoked, containsString("dropped the tenant database " + a.database()));
    assertThat(databaseCount(a.database()), equalTo(0L));
    assertThat(databaseCount(b.database()), equalTo(1L));
    assertThat("a revoked user is refused", refused.statusCode(), not(equalTo(200)));
    assertThat(refused.body(), containsString("Unknown user " + a.user()));
    assertThat("refused within seconds", millis, lessThan(15_000L));
    assertThat(http(b, "SELECT 1", "").statusCode(), equalTo(200));
    assertThrows(SQLException.class, () -> jdbcCount(a, "SELECT 1"));
    assertThat(jdbcCount(b, "SELECT 1"), equalTo(1L));
  }

  private static long databaseCount(String name) {
    return LocalServices.clickhouseCount(
        "SELECT count() FROM system.databases WHERE name = '" + name + "'");
  }

  private TenantUser create(String tenant) throws Exception {
    TenantUser c = TenantUser.create(tenant, "it" + run, database);
    users.add(c.user());
    assertThat(c.password().length(), greaterThan(20));
    assertThat(
        "only the hash is stored",
        java.nio.file.Files.readString(
            LocalServices.clickhouseUsersDir().resolve(c.user() + ".xml")),
        not(containsString(c.password())));
    return c;
  }

  /** Every table and view of the tenant's database: its own rows, as many as the admin counts. */
  private void checkOwnRowsOnly(TenantUser user, String tenant) throws Exception {
    Set<String> expected = new TreeSet<>();
    for (WarehouseTable table : WarehouseTables.all()) {
      expected.add(table.name());
      expected.add(table.viewName(tenant));
      // The copy of its rows and the feed that fills it.
      expected.add(table.name() + TenantDatabase.COPY_SUFFIX);
      expected.add(table.name() + TenantDatabase.FEED_SUFFIX);
    }
    expected.add(DeadLetterTable.NAME);
    expected.add(DeadLetterTable.NAME + TenantDatabase.FEED_SUFFIX);
    // Its freshness (FreshnessIT checks the rows): under the admin's name and its view's.
    expected.add(FreshnessViews.FRESHNESS);
    expected.add(FreshnessViews.TABLE_FRESHNESS);
    expected.add(FreshnessViews.DEAD_LETTER_FRESHNESS);
    expected.add(FreshnessViews.tenantViewName(tenant));
    Set<String> names =
        new TreeSet<>(
            List.of(
                LocalServices.clickhouse(
                        "SELECT name FROM system.tables WHERE database = "
                            + Sql.string(user.database()))
                    .trim()
                    .split("\n")));
    assertThat("the tenant database's tables", names, equalTo(expected));
    long total = 0;
    Set<String> nonEmpty = new HashSet<>();
    for (WarehouseTable table : WarehouseTables.all()) {
      long own = adminCountOfView(table, tenant);
      if (table.viewFilter().isEmpty()) {
        assertThat(
            "the view is the tenant's rows under FINAL: " + table.name(),
            own,
            equalTo(
                LocalServices.clickhouseCount(
                    "SELECT count() FROM "
                        + Sql.identifier(database)
                        + "."
                        + Sql.identifier(table.name())
                        + " FINAL WHERE "
                        + table.tenantColumn()
                        + " = "
                        + Sql.string(tenant))));
      }
      for (String name : List.of(table.name(), table.viewName(tenant))) {
        String sql =
            "SELECT count(), countIf("
                + table.tenantColumn()
                + " != "
                + Sql.string(tenant)
                + ") FROM "
                + Sql.identifier(name);
        HttpResponse<String> r = http(user, sql + " FORMAT TSV", "");
        assertThat(name + ": " + r.body(), r.statusCode(), equalTo(200));
        assertThat(user.user() + " over HTTP: " + name, r.body().trim(), equalTo(own + "\t0"));
        assertThat(user.user() + " over JDBC: " + name, jdbcCount(user, sql), equalTo(own));
        total += own;
        if (own > 0) {
          nonEmpty.add(table.name());
        }
      }
    }
    // Its own dead letters, as many as the admin counts of the tenant.
    HttpResponse<String> letters =
        http(
            user,
            "SELECT count(), countIf(ifNull(org_id, '') != "
                + Sql.string(tenant)
                + ") FROM dead_letters",
            "");
    assertThat(letters.body(), letters.statusCode(), equalTo(200));
    assertThat(
        letters.body().trim(),
        equalTo(
            LocalServices.clickhouseCount(
                    "SELECT count() FROM "
                        + Sql.identifier(database)
                        + ".dead_letters WHERE org_id = "
                        + Sql.string(tenant))
                + "\t0"));
    assertThat("rows the tenant reads", total, greaterThan(0L));
    assertThat("tables with rows of " + tenant, nonEmpty.size(), greaterThan(5));
  }

  /**
   * A table added to the warehouse after a tenant's database was made (here: one table's copy, feed
   * and views dropped) is made and filled for that tenant by the next run's prepare step; so is a
   * copy that lacks a column added since, and a Distributed table of a release before the copies is
   * replaced.
   */
  private void tablesAddedLaterReachExistingTenants(TenantUser user, String tenant)
      throws Exception {
    WarehouseTable table = WarehouseTables.byName("journey_sessions");
    long before = jdbcCount(user, "SELECT count() FROM " + Sql.identifier(table.viewName(tenant)));
    assertThat(before, greaterThan(0L));
    for (String name :
        List.of(
            table.name() + TenantDatabase.FEED_SUFFIX,
            table.name() + TenantDatabase.COPY_SUFFIX,
            table.name(),
            table.viewName(tenant))) {
      LocalServices.clickhouse(
          "DROP TABLE " + Sql.identifier(user.database()) + "." + Sql.identifier(name));
    }
    LocalServices.clickhouse(
        "DROP TABLE " + Sql.identifier(database) + "." + Sql.identifier(table.viewName(tenant)));
    prepare();
    for (String name : List.of(table.name(), table.viewName(tenant))) {
      assertThat(
          "made and filled again for the existing tenant: " + name,
          jdbcCount(user, "SELECT count() FROM " + Sql.identifier(name)),
          equalTo(before));
    }
    // A column added to a warehouse table later: a copy made before lacks it (here: dropped from
    // it) and the next prepare step makes the copy again whole, and a view made before it (here:
    // with one column) again.
    WarehouseTable operations = WarehouseTables.byName("entity_operations");
    String tenantDb = Sql.identifier(user.database());
    long operationsBefore =
        jdbcCount(user, "SELECT count() FROM " + Sql.identifier(operations.name()));
    LocalServices.clickhouse(
        "ALTER TABLE "
            + tenantDb
            + "."
            + Sql.identifier(operations.name() + TenantDatabase.COPY_SUFFIX)
            + " DROP COLUMN journey_source");
    String view = tenantDb + "." + Sql.identifier(operations.viewName(tenant));
    LocalServices.clickhouse("DROP TABLE " + view);
    LocalServices.clickhouse(
        "CREATE VIEW "
            + view
            + " AS SELECT id FROM "
            + tenantDb
            + "."
            + Sql.identifier(operations.name() + TenantDatabase.COPY_SUFFIX));
    prepare();
    for (String name : List.of(operations.name(), operations.viewName(tenant))) {
      assertThat(
          "the tenant's " + name + " has every column again, every row",
          jdbcCount(
              user,
              "SELECT count() FROM "
                  + Sql.identifier(name)
                  + " WHERE journey_source IS NULL OR journey_source != ''"),
          equalTo(operationsBefore));
    }
  }

  /**
   * What the warehouse deletes (as the snapshot command deletes replaced snapshot rows) the
   * tenant's copy deletes too: its user's count equals the admin's again.
   */
  private void deletesReachTheCopies(TenantUser user, String tenant) throws Exception {
    WarehouseTable operations = WarehouseTables.byName("entity_operations");
    String where = "operation = 'createEntity'";
    LocalServices.clickhouse(
        "ALTER TABLE "
            + Sql.identifier(database)
            + "."
            + Sql.identifier(operations.name())
            + " DELETE WHERE "
            + where);
    TenantDatabase.deleteFromCopies(
        new io.datalake.transforms.warehouse.ClickHouseClient(
            LocalServices.clickhouseUrl(), LocalServices.clickhouseCredentialsFile()),
        database,
        operations.name(),
        WarehouseTables.all(),
        where);
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (LocalServices.clickhouseCount(
            "SELECT count() FROM system.mutations WHERE is_done = 0 AND database IN ("
                + Sql.string(database)
                + ", "
                + Sql.string(user.database())
                + ")")
        > 0) {
      assertThat("mutations done within 60 s", System.nanoTime() < deadline, equalTo(true));
      Thread.sleep(200);
    }
    long admin = adminCountOfView(operations, tenant);
    assertThat(
        "the tenant's rows after the delete",
        jdbcCount(user, "SELECT count() FROM " + Sql.identifier(operations.name())),
        equalTo(admin));
    assertThat(
        jdbcCount(
            user, "SELECT count() FROM " + Sql.identifier(operations.name()) + " WHERE " + where),
        equalTo(0L));
  }

  /** The admin's count of the tenant's {@code _final} view of {@code table} in the warehouse. */
  private long adminCountOfView(WarehouseTable table, String tenant) {
    return LocalServices.clickhouseCount(
        "SELECT count() FROM "
            + Sql.identifier(database)
            + "."
            + Sql.identifier(table.viewName(tenant)));
  }

  private void prepare() {
    ClickHouseWarehouseIO.prepareSchema(
        ClickHouseWarehouseIO.write()
            .withUrl(LocalServices.clickhouseUrl())
            .withCredentialsFile(LocalServices.clickhouseCredentialsFile())
            .withDatabase(database));
  }

  private void checkRefusals(TenantUser a, TenantUser b) throws Exception {
    String table = WarehouseTables.all().get(0).name();
    String t = Sql.identifier(table);
    String tenantColumn = Sql.identifier(WarehouseTables.all().get(0).tenantColumn());
    List<String> refusedStatements =
        List.of(
            "INSERT INTO " + t + " SELECT * FROM " + t + " LIMIT 1",
            "ALTER TABLE " + t + " DELETE WHERE 1",
            "ALTER TABLE " + t + " ADD COLUMN x UInt8",
            "DROP TABLE " + t,
            "TRUNCATE TABLE " + t,
            "CREATE TABLE mine (x UInt8) ENGINE = Memory",
            "CREATE DATABASE mine",
            "SET max_result_rows = 12345",
            "SELECT count() FROM " + Sql.identifier(database) + "." + t,
            "SELECT count() FROM " + Sql.identifier(database) + ".dead_letters",
            "SELECT count() FROM "
                + Sql.identifier(database)
                + "."
                + Sql.identifier(WarehouseTables.all().get(0).viewName(A)),
            "SELECT count() FROM " + Sql.identifier(b.database()) + "." + t,
            // A subquery reads with the tenant's rights: not the warehouse, not the other tenant.
            "SELECT count() FROM "
                + t
                + " WHERE 1 IN (SELECT toUInt8(1) FROM "
                + Sql.identifier(database)
                + "."
                + t
                + ")",
            "SELECT count() FROM "
                + t
                + " WHERE 1 IN (SELECT toUInt8(1) FROM "
                + Sql.identifier(database)
                + ".dead_letters)",
            "SELECT count() FROM "
                + t
                + " WHERE 1 IN (SELECT toUInt8(1) FROM "
                + Sql.identifier(b.database())
                + "."
                + t
                + ")",
            "SELECT count() FROM "
                + t
                + " ALL INNER JOIN (SELECT "
                + tenantColumn
                + " FROM "
                + Sql.identifier(database)
                + "."
                + t
                + ") USING "
                + tenantColumn);
    for (String sql : refusedStatements) {
      HttpResponse<String> r = http(a, sql, "");
      assertThat(
          "refused over HTTP: " + sql + " -> " + r.body(), r.statusCode(), not(equalTo(200)));
      assertThrows("refused over JDBC: " + sql, SQLException.class, () -> jdbcCount(a, sql));
      if (sql.contains("(SELECT")) {
        // Refused for the rights, not for some other fault of the statement.
        assertThat(sql, r.body(), containsString("Access denied to database"));
      }
    }
    // A value no server has by default: ClickHouse 18.16 skips (accepts) a URL setting equal to
    // the current value, and max_threads defaults to the cores it counts (1 on some 2-vCPU hosts).
    HttpResponse<String> setting = http(a, "SELECT 1", "&max_result_rows=12345");
    assertThat(
        "a setting in the URL is refused: " + setting.body(),
        setting.statusCode(),
        not(equalTo(200)));
    assertThat(setting.body(), containsString("readonly"));
    // The warehouse database and the other tenant's are not even listed.
    HttpResponse<String> listed =
        http(
            a,
            "SELECT count() FROM system.tables WHERE database IN ("
                + Sql.string(database)
                + ", "
                + Sql.string(b.database())
                + ")",
            "");
    assertThat(listed.body().trim(), equalTo("0"));
    HttpResponse<String> databases = http(a, "SHOW DATABASES", "");
    assertThat(databases.body(), not(containsString(database + "\n")));
    assertThat(databases.body(), not(containsString(b.database())));
  }

  private HttpResponse<String> http(TenantUser c, String sql, String moreParams) throws Exception {
    return c.http(http, sql, moreParams);
  }

  /** The first column of the first row, over JDBC with the URL create printed, nothing added. */
  private static long jdbcCount(TenantUser c, String sql) throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", c.user());
    props.setProperty("password", c.password());
    try (Connection connection = DriverManager.getConnection(c.jdbcUrl(), props);
        Statement statement = connection.createStatement()) {
      if (!statement.execute(sql)) {
        return statement.getUpdateCount();
      }
      try (ResultSet rows = statement.getResultSet()) {
        if (!rows.next()) {
          throw new SQLException("no row");
        }
        return rows.getLong(1);
      }
    }
  }
}
