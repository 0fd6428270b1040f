package io.datalake.it;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.options.DatalakeOptions;
import io.datalake.pipelines.DatalakePipeline;
import io.datalake.pipelines.cli.DemoQueries;
import io.datalake.testing.CurrentClickHouse;
import io.datalake.testing.LocalServices;
import io.datalake.transforms.warehouse.ClickHouseClient;
import io.datalake.transforms.warehouse.DeadLetterTable;
import io.datalake.transforms.warehouse.WarehouseTable;
import io.datalake.transforms.warehouse.WarehouseTables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.After;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The customer documentation's three example queries ({@link DemoQueries#DOCUMENTED}): a batch of
 * two tenants goes through the pipeline into the local ClickHouse 18.16; the warehouse schema (the
 * tables' DDL and one tenant's {@code _final} views) and that tenant's rows are copied into the
 * current engine (chdb, ClickHouse 26.x), where the queries run verbatim, as a client of that
 * tenant connected to the warehouse database runs them. Their 18.16 equivalents, run on 18.16 in
 * the warehouse database (both tenants' rows), return the same rows.
 */
public class DocumentedQueriesIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ORG = "739224";
  private static final String OTHER = "123";
  private static final String JOURNEY = "ae270da7-02f0-4b90-b143-262fdc5c0eed";
  private static final String OTHER_JOURNEY = "e2817efd-ae84-4217-9d53-434bb88139b9";
  private static final String APP = "customer-portal";
  private static final List<String> COPIED =
      List.of("entity_operations", "journey_sessions", "portal_sessions");

  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  private final String database =
      "it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  private final ClickHouseClient clickhouse =
      new ClickHouseClient(
          LocalServices.clickhouseUrl(), LocalServices.clickhouseCredentialsFile());

  @After
  public void dropDatabase() {
    LocalServices.dropWarehouse(clickhouse, database);
  }

  @Test
  public void theDocumentedQueriesRunVerbatimOnTheCurrentEngineAndTheir1816FormsGiveTheSameRows()
      throws Exception {
    run(input());

    CurrentClickHouse current = CurrentClickHouse.session(temp.newFolder("chdb").toPath());
    List<String> statements = new ArrayList<>();
    statements.add("CREATE DATABASE IF NOT EXISTS datalake");
    statements.add(DeadLetterTable.createStatement("datalake"));
    for (WarehouseTable table : WarehouseTables.all()) {
      statements.add(table.createStatement("datalake"));
      statements.add(table.createViewStatement("datalake", ORG));
    }
    // Only the tenant's rows: unqualified, entity_operations is the tenant's own rows (a row
    // policy on current servers).
    for (String table : COPIED) {
      String rows =
          clickhouse.execute(
              "SELECT * FROM `"
                  + database
                  + "`.`"
                  + table
                  + "` WHERE org_id = '"
                  + ORG
                  + "' FORMAT JSONEachRow");
      assertThat(table + " has rows of the tenant", rows.isBlank(), equalTo(false));
      statements.add("INSERT INTO datalake." + table + " FORMAT JSONEachRow\n" + rows);
    }
    for (CurrentClickHouse.Result result : current.run(statements, "TSV")) {
      result.orThrow();
    }

    List<String> verbatim = new ArrayList<>();
    // The engine's time zone is the machine's: the warehouse's DateTime columns are UTC.
    verbatim.add("SET session_timezone = 'UTC'");
    verbatim.add("USE datalake");
    for (DemoQueries.Query query : DemoQueries.DOCUMENTED) {
      verbatim.add(query.current(ORG, JOURNEY, APP));
    }
    List<CurrentClickHouse.Result> results = current.run(verbatim, "TSVWithNames");
    List<List<String>> currentRows = new ArrayList<>();
    for (int i = 0; i < DemoQueries.DOCUMENTED.size(); i++) {
      currentRows.add(sorted(results.get(i + 2).orThrow()));
    }

    // What the data holds (see input()), so that the comparison is of the right rows.
    assertThat(
        currentRows.get(0),
        equalTo(
            sortedLines(
                "count\tjourney_source\tyear\tmonth",
                "1\tWebsite Journey\t2023-01-01\t2023-12-01",
                "2\tWebsite Journey\t2024-01-01\t2024-01-01",
                "1\tSolar Check Journey\t2024-01-01\t2024-01-01",
                "1\t\t2024-01-01\t2024-01-01",
                "1\t\t2024-01-01\t2024-02-01",
                "1\t42\t2024-01-01\t2024-02-01",
                "1\tPartner Portal Journey\t2024-01-01\t2024-03-01")));
    assertThat(currentRows.get(1).size(), equalTo(1 + 2));
    assertThat(currentRows.get(2).size(), equalTo(1 + 2));
    assertThat(currentRows.get(1).toString(), containsString(JOURNEY + "\t2024-08-01 00:00:01\t"));
    assertThat(currentRows.get(1).toString(), containsString(JOURNEY + "\t2024-09-10 12:00:00\t"));
    assertThat(currentRows.get(2).toString(), containsString(APP + "\t2024-08-02 09:00:00\t"));
    assertThat(currentRows.get(2).toString(), containsString(APP + "\t2024-10-01 09:00:00\t"));
    // The newest version of a session (FINAL in the view).
    assertThat(currentRows.get(1).toString(), containsString("\"step\":\"done\""));
    assertThat(currentRows.get(1).toString(), not(containsString("\"step\":\"started\"")));

    for (int i = 0; i < DemoQueries.DOCUMENTED.size(); i++) {
      DemoQueries.Query query = DemoQueries.DOCUMENTED.get(i);
      String sql = query.clickHouse1816(ORG, JOURNEY, APP);
      List<String> old = sorted(clickhouse.execute(sql + "\nFORMAT TSVWithNames", database));
      assertThat(
          query.title() + ": 18.16's rows differ from the current engine's\n" + sql,
          old,
          equalTo(currentRows.get(i)));
    }

    // The README's former 18.16 rewrite took the first "source" key at any depth: an assignee's.
    String formerRewrite =
        clickhouse.execute(
            "SELECT visitParamExtractString(visitParamExtractRaw(detail, 'source'), 'title')"
                + " FROM entity_operations WHERE org_id = '"
                + ORG
                + "' AND entity_id = 'opp-3' FORMAT TSV",
            database);
    assertThat(formerRewrite.trim(), equalTo("CRM import"));
  }

  /**
   * A warehouse made before the column: PrepareWarehouse adds {@code journey_source} in its place
   * and makes the tenant's view again, which would otherwise keep the columns it was made with.
   */
  @Test
  public void anExistingTableAndItsTenantViewsGetTheColumn() throws Exception {
    WarehouseTable operations = WarehouseTables.byName("entity_operations");
    String before =
        Arrays.stream(operations.createStatement(database).split("\n"))
            .filter(line -> !line.contains("`journey_source`"))
            .reduce((a, b) -> a + "\n" + b)
            .orElseThrow();
    clickhouse.execute("CREATE DATABASE `" + database + "`");
    clickhouse.execute(before);
    clickhouse.execute(operations.createViewStatement(database, ORG));
    assertThat(columns(operations.viewName(ORG)), not(hasItem("journey_source")));

    run(input());

    List<String> table = columns("entity_operations");
    assertThat(table.get(table.indexOf("schema") + 1), equalTo("journey_source"));
    // The view has every column but the MATERIALIZED _inserted_at, which SELECT * leaves out.
    assertThat(table.get(table.size() - 1), equalTo(WarehouseTables.INSERTED_AT));
    assertThat(columns(operations.viewName(ORG)), equalTo(table.subList(0, table.size() - 1)));
    assertThat(
        List.of(
            clickhouse
                .execute(
                    "SELECT DISTINCT journey_source FROM `"
                        + operations.viewName(ORG)
                        + "` WHERE schema = 'opportunity' FORMAT TSV",
                    database)
                .trim()
                .split("\n")),
        containsInAnyOrder(
            "\\N", "Website Journey", "Solar Check Journey", "42", "Partner Portal Journey"));
  }

  private List<String> columns(String table) {
    return List.of(
        clickhouse
            .execute(
                "SELECT name FROM system.columns WHERE database = '"
                    + database
                    + "' AND table = '"
                    + table
                    + "' FORMAT TSV")
            .trim()
            .split("\n"));
  }

  private void run(Path input) throws Exception {
    DatalakeOptions options =
        PipelineOptionsFactory.fromArgs(
                "--input=" + input,
                "--lake=" + temp.newFolder().toPath(),
                "--piiDevelopmentKeyset=true",
                "--clickhouseUrl=" + LocalServices.clickhouseUrl(),
                "--clickhouseCredentialsFile=" + LocalServices.clickhouseCredentialsFile(),
                "--clickhouseDatabase=" + database)
            .as(DatalakeOptions.class);
    DatalakePipeline.run(options);
  }

  /** The header first, then the rows in order: types and order normalised, values untouched. */
  private static List<String> sorted(String tsv) {
    return sortedLines(tsv.split("\n"));
  }

  private static List<String> sortedLines(String... lines) {
    List<String> rows = new ArrayList<>();
    for (String line : lines) {
      if (!line.isEmpty()) {
        rows.add(line);
      }
    }
    if (rows.isEmpty()) {
      return rows;
    }
    List<String> body = new ArrayList<>(rows.subList(1, rows.size()));
    body.sort(String::compareTo);
    List<String> out = new ArrayList<>();
    out.add(rows.get(0));
    out.addAll(body);
    return out;
  }

  /**
   * Two tenants. Opportunities created in several months and two years, with different journey
   * sources, none, a source without title, a non-string title, and one whose assignee (earlier in
   * the payload) has a source of its own; other operations and schemas that the query leaves out.
   * Journey and portal sessions before, at and after 2024-08-01, of other journeys and apps, and of
   * the other tenant; a session in two versions.
   */
  private Path input() throws Exception {
    Path dir = temp.newFolder().toPath();
    List<String> operations =
        List.of(
            operation(
                ORG,
                "opp-1",
                "createEntity",
                "opportunity",
                "2023-12-14T10:00:00Z",
                source("Website Journey")),
            operation(
                ORG,
                "opp-2",
                "createEntity",
                "opportunity",
                "2024-01-05T10:00:00Z",
                source("Website Journey")),
            operation(
                ORG,
                "opp-9",
                "createEntity",
                "opportunity",
                "2024-01-28T10:00:00Z",
                source("Website Journey")),
            operation(
                ORG,
                "opp-3",
                "createEntity",
                "opportunity",
                "2024-01-20T10:00:00Z",
                "\"assignees\":{\"$relation\":[{\"entity_id\":\"u-1\",\"source\":{\"title\":\"CRM"
                    + " import\"}}]},"
                    + source("Solar Check Journey")),
            operation(
                ORG,
                "opp-4",
                "createEntity",
                "opportunity",
                "2024-01-25T10:00:00Z",
                "\"status\":\"open\""),
            operation(
                ORG,
                "opp-5",
                "createEntity",
                "opportunity",
                "2024-02-05T10:00:00Z",
                "\"source\":{\"href\":\"/journeys/2\"}"),
            operation(
                ORG,
                "opp-6",
                "createEntity",
                "opportunity",
                "2024-02-10T10:00:00Z",
                "\"source\":{\"title\":42}"),
            operation(
                ORG,
                "opp-7",
                "createEntity",
                "opportunity",
                "2024-03-05T10:00:00Z",
                source("Partner Portal Journey")),
            operation(
                ORG,
                "opp-7",
                "updateEntity",
                "opportunity",
                "2024-03-06T10:00:00Z",
                source("Partner Portal Journey")),
            operation(
                ORG,
                "opp-8",
                "deleteEntity",
                "opportunity",
                "2024-03-07T10:00:00Z",
                source("Website Journey")),
            operation(
                ORG,
                "con-1",
                "createEntity",
                "contact",
                "2024-01-05T10:00:00Z",
                source("Contact Form")),
            operation(
                OTHER,
                "opp-1",
                "createEntity",
                "opportunity",
                "2024-01-05T10:00:00Z",
                source("Other Tenant Journey")),
            operation(
                OTHER,
                "opp-2",
                "createEntity",
                "opportunity",
                "2024-02-05T10:00:00Z",
                source("Website Journey")));
    write(dir, "entity-operations", operations);
    write(
        dir,
        "journey-sessions",
        List.of(
            session(
                ORG,
                "js-1",
                "journey_id",
                JOURNEY,
                "2024-07-31T23:59:59Z",
                "2024-08-01T00:05:00Z",
                "done"),
            session(
                ORG,
                "js-2",
                "journey_id",
                JOURNEY,
                "2024-08-01T00:00:00Z",
                "2024-08-01T00:10:00Z",
                "done"),
            session(
                ORG,
                "js-3",
                "journey_id",
                JOURNEY,
                "2024-08-01T00:00:01Z",
                "2024-08-01T00:10:00Z",
                "done"),
            session(
                ORG,
                "js-4",
                "journey_id",
                JOURNEY,
                "2024-09-10T12:00:00Z",
                "2024-09-10T12:05:00Z",
                "started"),
            session(
                ORG,
                "js-4",
                "journey_id",
                JOURNEY,
                "2024-09-10T12:00:00Z",
                "2024-09-10T12:30:00Z",
                "done"),
            session(
                ORG,
                "js-5",
                "journey_id",
                OTHER_JOURNEY,
                "2024-08-15T12:00:00Z",
                "2024-08-15T12:07:00Z",
                "done"),
            session(
                OTHER,
                "js-6",
                "journey_id",
                JOURNEY,
                "2024-08-20T12:00:00Z",
                "2024-08-20T12:07:00Z",
                "done")));
    write(
        dir,
        "portal-sessions",
        List.of(
            session(
                ORG,
                "ps-1",
                "app_name",
                APP,
                "2024-07-20T09:00:00Z",
                "2024-07-20T09:30:00Z",
                "done"),
            session(
                ORG,
                "ps-2",
                "app_name",
                APP,
                "2024-08-02T09:00:00Z",
                "2024-08-02T09:30:00Z",
                "done"),
            session(
                ORG,
                "ps-3",
                "app_name",
                APP,
                "2024-10-01T09:00:00Z",
                "2024-10-01T09:30:00Z",
                "done"),
            session(
                ORG,
                "ps-4",
                "app_name",
                "installer-portal",
                "2024-08-03T09:00:00Z",
                "2024-08-03T09:30:00Z",
                "done"),
            session(
                OTHER,
                "ps-5",
                "app_name",
                APP,
                "2024-08-04T09:00:00Z",
                "2024-08-04T09:30:00Z",
                "done")));
    return dir;
  }

  private static void write(Path dir, String kind, List<String> lines) throws Exception {
    Files.createDirectories(dir.resolve(kind));
    Files.write(dir.resolve(kind).resolve("part.jsonl"), lines);
  }

  private static String source(String title) {
    return "\"source\":{\"title\":\"" + title + "\",\"href\":\"/journeys/1\"}";
  }

  /** An EventBridge envelope as epilot sends it: the detail stringified, the payload inside. */
  private static String operation(
      String org, String entity, String op, String schema, String time, String payloadFields)
      throws Exception {
    ObjectNode payload =
        (ObjectNode)
            JSON.readTree(
                "{\"_id\":\""
                    + entity
                    + "\",\"_schema\":\""
                    + schema
                    + "\",\"_org\":\""
                    + org
                    + "\","
                    + payloadFields
                    + "}");
    ObjectNode detail = JSON.createObjectNode();
    detail.put("entity", entity);
    detail.put("org", org);
    detail.put("activity_id", "act-" + entity + "-" + op);
    detail.put("operation", op);
    detail.putObject("params").put("id", entity).put("slug", schema);
    detail.set("payload", payload);
    ObjectNode envelope = JSON.createObjectNode();
    envelope.put("id", "evt-" + org + "-" + entity + "-" + op);
    envelope.put("detail-type", "EntityOperation");
    envelope.put("source", "epilot.entity");
    envelope.put("account", "912345678901");
    envelope.put("time", time);
    envelope.put("region", "eu-central-1");
    envelope.put("detail", detail.toString());
    return envelope.toString();
  }

  /** A session whose version is its end (last_updated_at), with visitor details (PII). */
  private static String session(
      String org,
      String id,
      String scope,
      String scopeValue,
      String start,
      String end,
      String step) {
    ObjectNode details = JSON.createObjectNode();
    details.put("ip", "203.0.113.9");
    details.put("email", "visitor-" + id + "@example.net");
    details.put("step", step);
    ObjectNode s = JSON.createObjectNode();
    s.put("id", id);
    s.put("org_id", org);
    s.put(scope, scopeValue);
    s.put("start_time", start);
    s.put("details", details.toString());
    s.put("end_time", end);
    s.put("last_updated_at", end);
    return s.toString();
  }
}
