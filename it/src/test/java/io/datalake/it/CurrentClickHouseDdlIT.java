package io.datalake.it;

import static org.junit.Assert.assertEquals;

import io.datalake.testing.CurrentClickHouse;
import io.datalake.transforms.warehouse.DeadLetterTable;
import io.datalake.transforms.warehouse.WarehouseTable;
import io.datalake.transforms.warehouse.WarehouseTables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.Test;

/**
 * The warehouse's DDL, written to what ClickHouse 18.16 (the server here) accepts, also runs on the
 * current engine (chdb, ClickHouse 26.x): every table, the dead letters and a tenant's {@code
 * _final} views, with a tenant id that starts with a digit, as real ones do.
 */
public class CurrentClickHouseDdlIT {
  @Test
  public void theWarehouseTablesAndTenantViewsAreCreatedOnTheCurrentEngine() throws Exception {
    Path dir = Files.createTempDirectory("chdb-ddl");
    List<String> statements = new ArrayList<>();
    statements.add("CREATE DATABASE IF NOT EXISTS datalake");
    statements.add(DeadLetterTable.createStatement("datalake"));
    for (WarehouseTable table : WarehouseTables.all()) {
      statements.add(table.createStatement("datalake"));
    }
    for (WarehouseTable table : WarehouseTables.all()) {
      statements.add(table.createViewStatement("datalake", "739224"));
    }
    CurrentClickHouse engine = CurrentClickHouse.session(dir);
    for (CurrentClickHouse.Result result : engine.run(statements, "TSV")) {
      result.orThrow();
    }
    long views =
        Long.parseLong(
            engine
                .query(
                    "SELECT count() FROM system.tables WHERE database = 'datalake' AND name LIKE"
                        + " '739224\\_%\\_final'")
                .trim());
    assertEquals(WarehouseTables.all().size(), views);
    for (WarehouseTable table : WarehouseTables.all()) {
      assertEquals(
          "0",
          engine.query("SELECT count() FROM datalake.`" + table.viewName("739224") + "`").trim());
    }
  }
}
