package io.datalake.transforms.warehouse;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.Assert.assertThrows;

import java.util.List;
import org.junit.Test;

/**
 * The statements and files that give a tenant access, derived from the warehouse tables: the
 * tenant's objects in the warehouse, the tenant database's name, the users.d file (18.16) and the
 * SQL users (current servers). {@code TenantDatabaseTest}: what a tenant database holds.
 */
public class TenantAccessTest {
  private static final List<WarehouseTable> TABLES = WarehouseTables.all();
  private static final String HASH = TenantAccess.sha256Hex("secret");

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
    // A plain id that looks like another id's hashed name is hashed too, so it never names that
    // id's database (a tenant named so would otherwise read the other's rows).
    String lookalike = host.substring("tenant_".length());
    assertThat(
        TenantAccess.tenantDatabase("datalake", lookalike),
        matchesPattern("tenant_shop_example_com_[0-9a-f]{8}_[0-9a-f]{8}"));
    assertThat(TenantAccess.tenantDatabase("datalake", lookalike), not(equalTo(host)));
    assertThat(TenantAccess.tenantDatabase("datalake", "shop_2024"), equalTo("tenant_shop_2024"));
    assertThrows(IllegalArgumentException.class, () -> TenantAccess.tenantDatabase("datalake", ""));
    // What a dropped test or benchmark warehouse's tenant databases are found by.
    assertThat(TenantAccess.tenantDatabasePrefix("it-x"), equalTo("it_x_tenant_"));
    assertThat(
        TenantAccess.tenantDatabase("it-x", "shop.example.com"),
        startsWith(TenantAccess.tenantDatabasePrefix("it-x")));
  }

  @Test
  public void theWarehouseGetsATenantsViewsWhenItFirstAppears() {
    List<TenantAccess.Step> steps = TenantAccess.tenantObjects("datalake", "739224", TABLES);
    assertThat(steps.size(), equalTo(TABLES.size() + 1));
    for (TenantAccess.Step step : steps) {
      assertThat(step.database(), equalTo("datalake"));
      assertThat(step.sql(), not(containsString("Distributed")));
    }
    assertThat(steps.get(0).sql(), startsWith("CREATE VIEW IF NOT EXISTS `datalake`.`739224_"));
    assertThat(
        steps.get(TABLES.size()).sql(),
        startsWith("CREATE VIEW IF NOT EXISTS `datalake`.`739224_datalake_freshness` AS SELECT"));
    assertThat(steps.get(TABLES.size()).sql(), containsString(" WHERE org_id = '739224'"));
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
    // Nothing is read through another connection (no Distributed tables): no local-replica rule.
    assertThat(xml, not(containsString("prefer_localhost_replica")));
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
}
