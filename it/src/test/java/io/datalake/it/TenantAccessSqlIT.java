package io.datalake.it;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.startsWith;

import io.datalake.testing.CurrentClickHouse;
import io.datalake.transforms.warehouse.Sql;
import io.datalake.transforms.warehouse.TenantAccess;
import io.datalake.transforms.warehouse.WarehouseTables;
import java.util.ArrayList;
import java.util.List;
import org.junit.Test;

/**
 * The statements that give a tenant's user access on a current server (users, row policies, grants;
 * {@link TenantAccess#createUserStatements}) and take it back are accepted by the current parser
 * (chdb, ClickHouse 26.x: {@code formatQuery}). chdb parses them but cannot enforce them (it has no
 * users): enforcement is measured on 18.16's way by TenantAccessIT.
 */
public class TenantAccessSqlIT {
  private static final String HASH = TenantAccess.sha256Hex("not a real password");

  @Test
  public void theCurrentServersAccessStatementsParse() {
    List<String> statements = new ArrayList<>();
    for (String tenant : List.of("739224", "shop.example.com", "it's")) {
      String user = TenantAccess.tenantDatabase("datalake", tenant) + "_bi";
      statements.addAll(
          TenantAccess.createUserStatements(user, HASH, "datalake", tenant, WarehouseTables.all()));
      statements.addAll(TenantAccess.dropUserStatements(user, "datalake", WarehouseTables.all()));
    }
    List<String> formatQueries = new ArrayList<>();
    for (String sql : statements) {
      formatQueries.add("SELECT formatQuery(" + Sql.string(sql) + ")");
    }
    List<CurrentClickHouse.Result> results =
        CurrentClickHouse.stateless().run(formatQueries, "TSVRaw");
    for (int i = 0; i < results.size(); i++) {
      // Each parses (orThrow) as the statement it is.
      assertThat(results.get(i).orThrow().trim(), startsWith(statements.get(i).split(" ", 2)[0]));
    }
    assertThat(results.get(0).orThrow(), containsString("sha256_hash"));
    assertThat(results.get(0).orThrow(), containsString("readonly = 1"));
    assertThat(results.get(1).orThrow(), containsString("ROW POLICY"));
  }
}
