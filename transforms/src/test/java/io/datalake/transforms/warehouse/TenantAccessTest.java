package io.datalake.transforms.warehouse;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.Assert.assertThrows;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.After;
import org.junit.Test;

/**
 * The statements and files that give a tenant access, derived from the warehouse tables: which
 * objects a tenant gets on 18.16 and on current servers, the users.d file, the SQL users, and the
 * refusal to start on an 18.16 server without the cluster {@code self}.
 */
public class TenantAccessTest {
  private static final List<WarehouseTable> TABLES = WarehouseTables.all();
  private static final String HASH = TenantAccess.sha256Hex("secret");
  private HttpServer server;

  @After
  public void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  @Test
  public void theServerVersionChoosesTheWay() {
    assertThat(TenantAccess.hasSqlAccessManagement("18.16.1"), equalTo(false));
    assertThat(TenantAccess.hasSqlAccessManagement("19.17.4.11"), equalTo(false));
    assertThat(TenantAccess.hasSqlAccessManagement("20.4.2"), equalTo(false));
    assertThat(TenantAccess.hasSqlAccessManagement("20.5.1"), equalTo(true));
    assertThat(TenantAccess.hasSqlAccessManagement("24.8.4.13"), equalTo(true));
    assertThat(TenantAccess.hasSqlAccessManagement("26.7.1"), equalTo(true));
    assertThrows(
        IllegalArgumentException.class, () -> TenantAccess.hasSqlAccessManagement("latest"));
  }

  @Test
  public void tenantDatabasesAreNamedClearlyAndNeverShared() {
    assertThat(TenantAccess.tenantDatabase("datalake", "739224"), equalTo("tenant_739224"));
    assertThat(TenantAccess.tenantDatabase("it_x", "739224"), equalTo("it_x_tenant_739224"));
    String host = TenantAccess.tenantDatabase("datalake", "shop.example.com");
    assertThat(host, matchesPattern("tenant_shop_example_com_[0-9a-f]{8}"));
    // Ids that differ only where they are not plain still get databases of their own.
    assertThat(host, not(equalTo(TenantAccess.tenantDatabase("datalake", "shop_example.com"))));
    assertThat(
        TenantAccess.tenantDatabase("datalake", "shop_example_com"),
        equalTo("tenant_shop_example_com"));
    assertThat(TenantAccess.tenantDatabase("datalake", "x".repeat(300)).length(), equalTo(7 + 48));
    assertThrows(IllegalArgumentException.class, () -> TenantAccess.tenantDatabase("datalake", ""));
    // What a dropped test or benchmark warehouse's tenant databases are found by.
    assertThat(TenantAccess.tenantDatabasePrefix("it-x"), equalTo("it_x_tenant_"));
    assertThat(
        TenantAccess.tenantDatabase("it-x", "shop.example.com"),
        startsWith(TenantAccess.tenantDatabasePrefix("it-x")));
  }

  @Test
  public void on1816ATenantGetsViewsAndADatabaseOfDistributedTables() {
    List<TenantAccess.Step> steps = TenantAccess.tenantObjects("datalake", "739224", TABLES, false);
    // Per table a view and two Distributed tables; the freshness view and its two; the database.
    assertThat(steps.size(), equalTo(TABLES.size() * 3 + 4));
    List<String> names = new ArrayList<>();
    for (TenantAccess.Step step : steps) {
      if (step.database().equals("tenant_739224")) {
        names.add(step.name());
      }
    }
    for (WarehouseTable table : TABLES) {
      assertThat(names, hasItem(table.name()));
      assertThat(names, hasItem("739224_" + table.name() + "_final"));
    }
    assertThat(names, not(hasItem(DeadLetterTable.NAME)));
    // The tenant reads its freshness under the admin's name.
    assertThat(names, hasItem("datalake_freshness"));
    assertThat(names, hasItem("739224_datalake_freshness"));
    // The views first (the Distributed tables take their columns), then the database.
    assertThat(steps.get(0).sql(), startsWith("CREATE VIEW IF NOT EXISTS `datalake`.`739224_"));
    assertThat(
        steps.get(TABLES.size()).sql(),
        startsWith("CREATE VIEW IF NOT EXISTS `datalake`.`739224_datalake_freshness` AS SELECT"));
    assertThat(steps.get(TABLES.size()).sql(), containsString(" WHERE org_id = '739224'"));
    assertThat(
        steps.get(TABLES.size() + 1).sql(),
        equalTo("CREATE DATABASE IF NOT EXISTS `tenant_739224`"));
    assertThat(
        steps.get(TABLES.size() + 2).sql(),
        equalTo(
            "CREATE TABLE IF NOT EXISTS `tenant_739224`.`entity_operations` AS"
                + " `datalake`.`739224_entity_operations_final` ENGINE = Distributed(self,"
                + " 'datalake', '739224_entity_operations_final')"));
  }

  @Test
  public void onCurrentServersATenantGetsItsViewsOnly() {
    List<TenantAccess.Step> steps = TenantAccess.tenantObjects("datalake", "739224", TABLES, true);
    assertThat(steps.size(), equalTo(TABLES.size() + 1));
    for (TenantAccess.Step step : steps) {
      assertThat(step.database(), equalTo("datalake"));
    }
  }

  @Test
  public void theTenantOfADistributedTableIsReadBack() {
    assertThat(
        TenantAccess.tenantOf(
            "Distributed(self, 'datalake', '739224_entity_operations_final')", "entity_operations"),
        equalTo("739224"));
    assertThat(
        TenantAccess.tenantOf("Distributed(self, 'datalake', 'it\\'s_a_b_final')", "a_b"),
        equalTo("it's"));
    assertThat(
        TenantAccess.tenantOf("Distributed(self, 'datalake', 'x_other_final')", "a_b"),
        nullValue());
    assertThat(TenantAccess.tenantOf("MergeTree", "a_b"), nullValue());
  }

  @Test
  public void aUsersFileHoldsTheHashTheDatabaseAndAReadOnlyProfile() {
    String xml =
        TenantAccess.usersFile(
            "tenant_739224_bi", HASH, "tenant_739224", "datalake-credential tenant=739224");
    assertThat(xml, containsString("<!-- datalake-credential tenant=739224 -->"));
    assertThat(xml, containsString("<password_sha256_hex>" + HASH + "</password_sha256_hex>"));
    assertThat(xml, containsString("<database>tenant_739224</database>"));
    assertThat(xml, containsString("<readonly>1</readonly>"));
    assertThat(xml, containsString("<prefer_localhost_replica>0</prefer_localhost_replica>"));
    assertThat(xml, containsString("<profile>tenant_739224_bi</profile>"));
    assertThat(xml, not(containsString("secret")));
    assertThrows(
        IllegalArgumentException.class, () -> TenantAccess.usersFile("a-b", HASH, "tenant_1", "c"));
    assertThrows(
        IllegalArgumentException.class,
        () -> TenantAccess.usersFile("a", "secret", "tenant_1", "c"));
    assertThrows(
        IllegalArgumentException.class,
        () -> TenantAccess.usersFile("a", HASH, "tenant_1", "a -- b"));
  }

  @Test
  public void onCurrentServersAUserGetsARowPolicyAndSelectPerTable() {
    List<String> sql =
        TenantAccess.createUserStatements("tenant_1_bi", HASH, "datalake", "1", TABLES);
    // The user; per table a row policy and two grants; the dead letters' row policy and grant;
    // the four freshness views.
    assertThat(sql.size(), equalTo(1 + 3 * TABLES.size() + 2 + 4));
    assertThat(
        sql.get(0),
        equalTo(
            "CREATE USER IF NOT EXISTS `tenant_1_bi` IDENTIFIED WITH sha256_hash BY '"
                + HASH
                + "' DEFAULT DATABASE `datalake` SETTINGS readonly = 1 CONST"));
    String all = String.join("\n", sql);
    for (WarehouseTable table : TABLES) {
      assertThat(
          all,
          containsString(
              "CREATE ROW POLICY IF NOT EXISTS `tenant_1_bi` ON `datalake`.`"
                  + table.name()
                  + "` FOR SELECT USING `"
                  + table.tenantColumn()
                  + "` = '1' TO `tenant_1_bi`"));
      assertThat(
          all,
          containsString("GRANT SELECT ON `datalake`.`" + table.name() + "` TO `tenant_1_bi`"));
      assertThat(
          all,
          containsString(
              "GRANT SELECT ON `datalake`.`1_" + table.name() + "_final` TO `tenant_1_bi`"));
    }
    // Its own dead letters only: those whose record's tenant was known.
    assertThat(
        all,
        containsString(
            "CREATE ROW POLICY IF NOT EXISTS `tenant_1_bi` ON `datalake`.`dead_letters` FOR SELECT"
                + " USING `org_id` = '1' TO `tenant_1_bi`"));
    assertThat(all, containsString("GRANT SELECT ON `datalake`.`dead_letters` TO `tenant_1_bi`"));
    assertThat(
        all, containsString("GRANT SELECT ON `datalake`.`datalake_freshness` TO `tenant_1_bi`"));
    assertThat(
        all,
        containsString("GRANT SELECT ON `datalake`.`datalake_table_freshness` TO `tenant_1_bi`"));
    assertThat(
        all, containsString("GRANT SELECT ON `datalake`.`1_datalake_freshness` TO `tenant_1_bi`"));
    List<String> drop = TenantAccess.dropUserStatements("tenant_1_bi", "datalake", TABLES);
    assertThat(drop.get(drop.size() - 1), equalTo("DROP USER IF EXISTS `tenant_1_bi`"));
    assertThat(drop.size(), equalTo(TABLES.size() + 2));
    assertThat(
        drop,
        hasItem(
            "DROP ROW POLICY IF EXISTS `tenant_1_bi` ON `datalake`.`"
                + DeadLetterTable.NAME
                + "`"));
  }

  /** A server answering every statement with {@code body}. */
  private ClickHouseClient serve(String body) throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          byte[] answer = body.getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, answer.length);
          exchange.getResponseBody().write(answer);
          exchange.close();
        });
    server.start();
    return new ClickHouseClient("http://127.0.0.1:" + server.getAddress().getPort(), "");
  }

  @Test
  public void an1816ServerWithoutTheClusterIsRefusedNamingIt() throws Exception {
    ClickHouseClient client = serve("0\n");
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class, () -> TenantAccess.checkCluster(client, "18.16.1"));
    assertThat(e.getMessage(), containsString("the cluster 'self'"));
    assertThat(e.getMessage(), containsString("config.d"));
  }

  @Test
  public void an1816ServerWithTheClusterIsAccepted() throws Exception {
    TenantAccess.checkCluster(serve("1\n"), "18.16.1");
  }
}
