package io.datalake.transforms.warehouse;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;

import com.sun.net.httpserver.HttpServer;
import io.datalake.transforms.kinds.RecordKinds;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.After;
import org.junit.Test;

/**
 * What a tenant database on 18.16 is made of ({@link TenantDatabase#make}), against a server that
 * records each statement and knows no object yet: copies fed from the warehouse and filled from it,
 * views over the copies only, nothing that reads the warehouse with other rights than the tenant's.
 * {@code TenantAccessIT} runs it on the real server.
 */
public class TenantDatabaseTest {
  private static final List<WarehouseTable> TABLES = WarehouseTables.all();
  private final List<String> statements = Collections.synchronizedList(new ArrayList<>());
  private HttpServer server;

  @After
  public void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  private ClickHouseClient recordingServer() throws IOException {
    return recordingServer("", "");
  }

  /** Records every statement; answers {@code answer} to those that contain {@code asked}. */
  private ClickHouseClient recordingServer(String asked, String answer) throws IOException {
    return recordingServer(asked, answer, 200);
  }

  private ClickHouseClient recordingServer(String asked, String answer, int status)
      throws IOException {
    return recordingServer(
        asked.isEmpty() ? List.of() : List.of(new Answer(asked, answer, status)));
  }

  /** What the server answers a statement that contains {@code asked}. */
  private record Answer(String asked, String body, int status) {}

  /**
   * A server that records every statement and answers it with the first of {@code answers} whose
   * text it contains, else 200 and nothing.
   */
  private ClickHouseClient recordingServer(List<Answer> answers) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          String sql = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          statements.add(sql);
          Answer answer =
              answers.stream()
                  .filter(a -> sql.contains(a.asked()))
                  .findFirst()
                  .orElse(new Answer("", "", 200));
          byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
          int code = answer.status();
          exchange.sendResponseHeaders(code, body.length == 0 ? -1 : body.length);
          if (body.length > 0) {
            exchange.getResponseBody().write(body);
          }
          exchange.close();
        });
    server.start();
    return new ClickHouseClient("http://127.0.0.1:" + server.getAddress().getPort(), "");
  }

  private List<String> made() throws IOException {
    TenantDatabase.make(recordingServer(), "datalake", "739224", TABLES, RecordKinds.builtIn());
    List<String> ddl = new ArrayList<>();
    for (String s : statements) {
      if (!s.startsWith("SELECT")) {
        ddl.add(s);
      }
    }
    return ddl;
  }

  @Test
  public void eachTableGetsACopyFedAndFilledFromTheWarehouseAndViewsOverTheCopy() throws Exception {
    List<String> ddl = made();
    assertThat(ddl.get(0), equalTo("CREATE DATABASE IF NOT EXISTS `tenant_739224`"));
    WarehouseTable operations = WarehouseTables.byName("entity_operations");
    String copy = "`tenant_739224`.`entity_operations_all_versions`";
    int create = indexOf(ddl, "CREATE TABLE IF NOT EXISTS " + copy);
    int feed =
        indexOf(
            ddl,
            "CREATE MATERIALIZED VIEW IF NOT EXISTS `tenant_739224`.`entity_operations_feed` TO "
                + copy
                + " AS SELECT ");
    int fill = indexOf(ddl, "INSERT INTO " + copy + " (");
    // Made, then fed, then filled: a row inserted meanwhile is copied twice, never missed.
    assertThat(create, lessThan(feed));
    assertThat(feed, lessThan(fill));
    assertThat(ddl.get(create), containsString("ENGINE = ReplacingMergeTree(_version)"));
    assertThat(ddl.get(create), containsString("`_inserted_at` DateTime DEFAULT now()"));
    for (int i : List.of(feed, fill)) {
      assertThat(
          ddl.get(i),
          containsString(
              " FROM `datalake`.`entity_operations` WHERE `"
                  + operations.tenantColumn()
                  + "` = '739224'"));
      // Columns named one by one, the write time included.
      assertThat(ddl.get(i), containsString("`_version`, `_load_id`, `_inserted_at`"));
      assertThat(ddl.get(i), not(containsString("*")));
    }
    for (String view : List.of("`entity_operations`", "`739224_entity_operations_final`")) {
      String sql = ddl.get(indexOf(ddl, "CREATE VIEW IF NOT EXISTS `tenant_739224`." + view));
      assertThat(sql, containsString(" FROM " + copy + " FINAL WHERE org_id = '739224'"));
      assertThat(sql, not(containsString("_inserted_at")));
    }
  }

  @Test
  public void nothingInTheTenantDatabaseReadsTheWarehouseButTheFeedsAndTheFill() throws Exception {
    for (String sql : made()) {
      assertThat(sql, not(containsString("Distributed")));
      if (sql.contains("`datalake`.")) {
        assertThat(
            sql,
            org.hamcrest.Matchers.anyOf(
                org.hamcrest.Matchers.startsWith("CREATE MATERIALIZED VIEW IF NOT EXISTS"),
                org.hamcrest.Matchers.startsWith("INSERT INTO")));
      }
    }
  }

  @Test
  public void aChildTablesViewsFilterOnTheParentsCopy() throws Exception {
    List<String> ddl = made();
    WarehouseTable child = null;
    for (WarehouseTable table : TABLES) {
      if (!table.viewFilter().isEmpty()) {
        child = table;
        break;
      }
    }
    String sql =
        ddl.get(
            indexOf(
                ddl, "CREATE VIEW IF NOT EXISTS `tenant_739224`.`" + child.name() + "` AS SELECT"));
    assertThat(sql, containsString(" FROM `tenant_739224`.`"));
    assertThat(sql, containsString("_all_versions` FINAL WHERE "));
    assertThat(sql, not(containsString("{table:")));
    // The warehouse's own view of it still reads the warehouse's parent table.
    assertThat(child.createViewStatement("datalake", "7"), containsString(" FROM `datalake`.`"));
    assertThat(child.createViewStatement("datalake", "7"), not(containsString("_all_versions")));
  }

  @Test
  public void theTenantReadsItsDeadLettersAndItsFreshnessFromItsCopies() throws Exception {
    List<String> ddl = made();
    assertThat(
        ddl,
        hasItem(
            org.hamcrest.Matchers.startsWith(
                "CREATE TABLE IF NOT EXISTS `tenant_739224`.`dead_letters`")));
    String feed =
        ddl.get(
            indexOf(
                ddl, "CREATE MATERIALIZED VIEW IF NOT EXISTS `tenant_739224`.`dead_letters_feed`"));
    assertThat(feed, containsString("FROM `datalake`.`dead_letters` WHERE `org_id` = '739224'"));
    String freshness =
        ddl.get(indexOf(ddl, "CREATE VIEW `tenant_739224`.`datalake_table_freshness`"));
    assertThat(freshness, containsString("`tenant_739224`.`entity_operations_all_versions`"));
    assertThat(freshness, not(containsString("`datalake`.")));
    assertThat(
        indexOf(ddl, "CREATE VIEW IF NOT EXISTS `tenant_739224`.`739224_datalake_freshness`"),
        greaterThan(0));
  }

  /** A copy's order key as 18.16 shows it compares equal to the one its DDL gives. */
  @Test
  public void orderKeysCompareAsTheServerShowsThem() {
    WarehouseTable operations = WarehouseTables.byName("entity_operations");
    assertThat(
        TenantDatabase.orderKey(operations.createStatement("t")),
        equalTo(
            TenantDatabase.orderKey(
                "ReplacingMergeTree(_version) PARTITION BY toYYYYMM(timestamp) ORDER BY (org_id,"
                    + " entity_id, activity_id, id) SETTINGS index_granularity = 8192")));
    assertThat(
        TenantDatabase.orderKey("MergeTree ORDER BY (`x`)"),
        equalTo(TenantDatabase.orderKey("MergeTree ORDER BY x SETTINGS index_granularity = 8192")));
    assertThat(
        TenantDatabase.orderKey(
            "ReplacingMergeTree(_version) PARTITION BY tuple() ORDER BY (org_id, entity_id,"
                + " activity_id) SETTINGS index_granularity = 8192"),
        not(equalTo(TenantDatabase.orderKey(operations.createStatement("t")))));
  }

  @Test
  public void aDistributedTableOfAnEarlierReleaseInATenantDatabaseIsDropped() throws Exception {
    // Releases before the copies read a tenant's rows through Distributed tables that ran what the
    // tenant sent as the admin; one left in a database no tenant id names now is dropped.
    ClickHouseClient client =
        recordingServer("engine = 'Distributed'", "tenant_shop_com_a26926cd\tcheckout_orders\n");
    TenantDatabase.completeAll(client, "datalake", TABLES, RecordKinds.builtIn());
    assertThat(
        statements, hasItem("DROP TABLE IF EXISTS `tenant_shop_com_a26926cd`.`checkout_orders`"));
  }

  @Test
  public void aCopyThatCouldNotBeFilledIsNotKept() throws Exception {
    ClickHouseClient client =
        recordingServer(
            "INSERT INTO",
            "Code: 159, e.displayText() = DB::Exception: Timeout exceeded, e.what() = DB::Exception",
            500);
    IllegalStateException e =
        org.junit.Assert.assertThrows(
            IllegalStateException.class,
            () -> TenantDatabase.make(client, "datalake", "739224", TABLES, RecordKinds.builtIn()));
    assertThat(e.getMessage(), containsString("credentials create again"));
    String copy = TABLES.get(0).name();
    int fill = indexOf(statements, "INSERT INTO `tenant_739224`.`" + copy + "_all_versions`");
    // A partly filled copy would pass the next check as whole: the feed and the copy are dropped.
    List<String> after = statements.subList(fill + 1, statements.size());
    assertThat(after, hasItem("DROP TABLE IF EXISTS `tenant_739224`.`" + copy + "_feed`"));
    assertThat(after, hasItem("DROP TABLE IF EXISTS `tenant_739224`.`" + copy + "_all_versions`"));
  }

  @Test
  public void aDeleteInTheWarehouseIsSentToEveryTenantsCopy() throws Exception {
    ClickHouseClient client =
        recordingServer(
            "endsWith(name, '_final')", "tenant_739224\t739224_entity_operations_final\n");
    int sent =
        TenantDatabase.deleteFromCopies(
            client, "datalake", "entity_operations", TABLES, "detail_type = 'SnapshotOperation'");
    assertThat(sent, equalTo(1));
    assertThat(
        statements,
        hasItem(
            "ALTER TABLE `tenant_739224`.`entity_operations_all_versions` DELETE WHERE"
                + " detail_type = 'SnapshotOperation'"));
  }

  @Test
  public void aTenantWithoutTheCopyIsSkippedInEitherServersWording() throws Exception {
    for (String missing :
        List.of(
            "Code: 60, e.displayText() = DB::Exception: Table tenant_739224.entity_operations"
                + "_all_versions doesn't exist., e.what() = DB::Exception",
            "Code: 60. DB::Exception: Table tenant_739224.entity_operations_all_versions does"
                + " not exist. (UNKNOWN_TABLE)")) {
      statements.clear();
      if (server != null) {
        server.stop(0);
      }
      ClickHouseClient client =
          recordingServer(
              List.of(
                  new Answer(
                      "endsWith(name, '_final')",
                      "tenant_739224\t739224_entity_operations_final\n",
                      200),
                  new Answer("ALTER TABLE", missing, 404)));
      int sent =
          TenantDatabase.deleteFromCopies(
              client, "datalake", "entity_operations", TABLES, "detail_type = 'X'");
      assertThat(missing, sent, equalTo(0));
      assertThat(
          statements,
          hasItem(
              "ALTER TABLE `tenant_739224`.`entity_operations_all_versions` DELETE WHERE"
                  + " detail_type = 'X'"));
    }
  }

  private static int indexOf(List<String> statements, String start) {
    for (int i = 0; i < statements.size(); i++) {
      if (statements.get(i).startsWith(start)) {
        return i;
      }
    }
    throw new AssertionError("no statement starts with " + start + " in " + statements);
  }
}
