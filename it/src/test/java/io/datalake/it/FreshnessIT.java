package io.datalake.it;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.datalake.pipelines.RunRecord;
import io.datalake.testing.CurrentClickHouse;
import io.datalake.testing.LakeFiles;
import io.datalake.testing.LocalServices;
import io.datalake.testing.TestEvents;
import io.datalake.transforms.Fixtures;
import io.datalake.transforms.freshness.FreshnessViews;
import io.datalake.transforms.freshness.WriteFreshness;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.warehouse.DeadLetterTable;
import io.datalake.transforms.warehouse.RunsTable;
import io.datalake.transforms.warehouse.Sql;
import io.datalake.transforms.warehouse.TenantAccess;
import io.datalake.transforms.warehouse.TenantDatabase;
import io.datalake.transforms.warehouse.WarehouseTable;
import io.datalake.transforms.warehouse.WarehouseTables;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.After;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.RuleChain;
import org.junit.rules.TemporaryFolder;

/**
 * Freshness and run records against the real services: a streaming job (Kafka, the embedded
 * FlinkRunner in its own JVM, ClickHouse 18.16) whose {@code datalake_freshness} follows the
 * produced events' newest event time within seconds, table by table; a tenant's user who reads its
 * own freshness rows only (no other tenant, no dead letters); a batch run whose freshness figures,
 * lake freshness records and run record agree with what it wrote; and the same DDL on the current
 * engine (chdb).
 */
public class FreshnessIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ORG = "739224";
  private static final String OTHER = "555001";

  private final TemporaryFolder temp = new TemporaryFolder();
  private final JobRun jobs = new JobRun("fresh_");
  @Rule public final RuleChain chain = RuleChain.outerRule(temp).around(jobs);

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final List<String> users = new ArrayList<>();
  private final List<String> databases = new ArrayList<>();

  @After
  public void cleanUp() throws Exception {
    for (String user : users) {
      Launcher.run(120, "credentials", "revoke", user, "--clickhouseDatabase=" + jobs.database);
    }
    for (String database : databases) {
      LocalServices.dropWarehouse(database);
    }
  }

  /** One round of events, all at {@code time}, ids made unique by {@code round}. */
  private static Map<String, List<String>> round(int round, Instant time) {
    String t = time.toString();
    Map<String, List<String>> byKind = new TreeMap<>();
    byKind.put(
        "journey-events",
        List.of(
            TestEvents.journeyEvent("r" + round + "-a", time),
            TestEvents.journeyEvent("r" + round + "-b", time.minusSeconds(1))));
    byKind.put(
        "portal-events", List.of(Fixtures.analytics("p" + round, ORG, "created_at", t).toString()));
    byKind.put(
        "entity-operations",
        List.of(
            Fixtures.entityOperation(
                    ORG,
                    "e" + round,
                    "createEntity",
                    t,
                    JSON.createObjectNode().put("name", "x"),
                    false)
                .toString()));
    byKind.put(
        "workflow-executions", List.of(Fixtures.workflowExecution("w" + round, ORG, t).toString()));
    return byKind;
  }

  private static void produce(Map<String, String> topics, Map<String, List<String>> byKind) {
    byKind.forEach((kind, records) -> LocalServices.produce(topics.get(kind), records));
  }

  /** The {@code --topics} value as kind to topic. */
  private static Map<String, String> topicMap(String topics) {
    Map<String, String> map = new HashMap<>();
    for (String pair : topics.split(",")) {
      String[] kv = pair.split("=", 2);
      map.put(kv[0], kv[1]);
    }
    return map;
  }

  /** Table to newest event time (epoch seconds) of {@code tenant}, as the admin's view says. */
  private Map<String, Long> newest(String database, String tenant) {
    Map<String, Long> newest = new TreeMap<>();
    String body;
    try {
      body =
          LocalServices.clickhouse(
              "SELECT `table`, toUInt32(newest_event_time) FROM "
                  + Sql.identifier(database)
                  + "."
                  + FreshnessViews.FRESHNESS
                  + " WHERE org_id = "
                  + Sql.string(tenant)
                  + " AND dead_letter_reason = '' FORMAT TSV");
    } catch (RuntimeException e) {
      return newest; // not made yet
    }
    for (String line : body.split("\n")) {
      if (!line.isBlank()) {
        String[] f = line.split("\t");
        newest.put(f[0], Long.parseLong(f[1]));
      }
    }
    return newest;
  }

  @Test
  public void streamingFreshnessFollowsTheEventsWithinSecondsAndATenantSeesOnlyItsOwn()
      throws Exception {
    String database = jobs.database;
    String topics = LocalServices.freshTopics(jobs.run);
    Map<String, String> topicByKind = topicMap(topics);
    Path lake = temp.newFolder("lake").toPath();
    List<String> args =
        new ArrayList<>(
            FlinkJob.flinkArgs("fresh-" + jobs.run, temp.newFolder("checkpoints").toPath()));
    args.addAll(LocalServices.streamingArgs(jobs.run, topics, lake, database));
    FlinkJob job = jobs.start(List.of("-Xmx1g"), args, temp.getRoot().toPath().resolve("job.log"));

    List<String> expectedTables =
        List.of(
            "current_entities",
            "entity_operations",
            "journey_events",
            "portal_events",
            "workflow_executions");
    List<Long> seconds = new ArrayList<>();
    for (int round = 1; round <= 3; round++) {
      Instant time = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(5);
      long start = System.nanoTime();
      produce(topicByKind, round(round, time));
      long want = time.getEpochSecond();
      job.await(
          "round " + round + ": every table's newest event time at " + time,
          round == 1 ? 300 : 120,
          () -> {
            Map<String, Long> newest = newest(database, ORG);
            return expectedTables.stream()
                .allMatch(t -> newest.containsKey(t) && newest.get(t) == want);
          });
      long took = (System.nanoTime() - start) / 1_000_000_000L;
      seconds.add(took);
      System.out.printf(
          "FreshnessIT: round %d: newest event time of %s followed in %d s (%s)%n",
          round, expectedTables, took, newest(database, ORG));
    }
    // The first round includes the job's start; the others are the pipeline's own delay
    // (--clickhouseFlushSeconds=1, batching, the insert).
    assertThat("seconds per round " + seconds, seconds.get(1), lessThan(30L));
    assertThat("seconds per round " + seconds, seconds.get(2), lessThan(30L));
    Map<String, Long> all = newest(database, ORG);
    for (String table : all.keySet()) {
      assertThat(table + " follows the last round", all.get(table), greaterThan(0L));
    }

    // Another tenant's rows, a dead letter without a tenant (broken JSON) and one of the tenant
    // (an event time in 2099: refused once its tenant was read).
    LocalServices.produce(
        topicByKind.get("journey-events"),
        List.of(
            TestEvents.journeyEvent("o-1", Instant.now()).replace(ORG, OTHER),
            "{not json",
            TestEvents.journeyEvent("o-2099", Instant.parse("2099-01-01T00:00:00Z"))));
    job.await(
        "the other tenant's rows and the dead letters in the freshness view",
        120,
        () ->
            newest(database, OTHER).containsKey("journey_events")
                && clickhouseLong(
                        "SELECT sum(dead_letters_last_hour) FROM "
                            + Sql.identifier(database)
                            + "."
                            + FreshnessViews.FRESHNESS
                            + " WHERE org_id = ''")
                    >= 1
                && clickhouseLong(
                        "SELECT sum(dead_letters_last_hour) FROM "
                            + Sql.identifier(database)
                            + "."
                            + FreshnessViews.FRESHNESS
                            + " WHERE org_id = "
                            + Sql.string(ORG))
                    >= 1);

    TenantUser own = TenantUser.create(ORG, "fr" + jobs.run, database);
    users.add(own.user());
    String mine = query(own, "SELECT DISTINCT org_id FROM datalake_freshness FORMAT TSV");
    assertThat("the tenant's user sees its own rows only", mine.trim(), equalTo(ORG));
    long tenantRows =
        Long.parseLong(query(own, "SELECT count() FROM datalake_freshness FORMAT TSV").trim());
    long adminRows =
        clickhouseLong(
            "SELECT count() FROM "
                + Sql.identifier(database)
                + "."
                + FreshnessViews.FRESHNESS
                + " WHERE org_id = "
                + Sql.string(ORG));
    assertThat("as many rows as the admin sees of the tenant", tenantRows, equalTo(adminRows));
    assertThat(
        "the tenant's own dead letter, by reason; none without a tenant",
        query(
                own,
                "SELECT dead_letter_step, dead_letter_reason, dead_letters_last_hour,"
                    + " newest_event_time, event_lag_seconds FROM datalake_freshness"
                    + " WHERE dead_letter_reason != '' FORMAT TSV")
            .trim(),
        equalTo(
            "parse\tcreated_at is more than 86400 s ahead of the clock (--maxFutureSeconds)\t1"
                + "\t\\N\t\\N"));
    assertThat(
        "the admin's view is not the tenant's",
        status(own, "SELECT count() FROM " + Sql.identifier(database) + ".datalake_freshness"),
        not(equalTo(200)));
    assertThat(
        "the dead letters are not the tenant's",
        status(own, "SELECT count() FROM " + Sql.identifier(database) + ".dead_letters"),
        not(equalTo(200)));

    // A tenant database made by a release before the dead letters' null times (18.16: the tenant
    // reads views over its copies there) gets the current views at its next make.
    String tenantDb = TenantAccess.tenantDatabase(database, ORG);
    if (!TenantAccess.hasSqlAccessManagement(LocalServices.clickhouseClient().serverVersion())) {
      LocalServices.clickhouse(
          "DROP TABLE " + Sql.identifier(tenantDb) + "." + FreshnessViews.FRESHNESS);
      LocalServices.clickhouse(
          "CREATE VIEW "
              + Sql.identifier(tenantDb)
              + "."
              + FreshnessViews.FRESHNESS
              + " AS SELECT '' AS `table`, '' AS kind, '' AS org_id,"
              + " toDateTime(0) AS newest_event_time, now() AS last_write,"
              + " toInt64(0) AS event_lag_seconds");
      TenantDatabase.make(
          LocalServices.clickhouseClient(),
          database,
          ORG,
          WarehouseTables.all(),
          RecordKinds.builtIn());
      assertThat(
          "the old release's view was made again",
          query(
                  own,
                  "SELECT newest_event_time, event_lag_seconds FROM datalake_freshness"
                      + " WHERE dead_letter_reason != '' FORMAT TSV")
              .trim(),
          equalTo("\\N\t\\N"));
    }

    // ./datalake freshness prints the same figures.
    String printed =
        Launcher.run(120, "freshness", "--clickhouseDatabase=" + database, "--tenant", ORG)
            .orFail("freshness --tenant")
            .output();
    assertThat(printed, containsString("journey_events"));
    assertThat(printed, not(containsString(OTHER)));

    // A streaming run's record: running, its options without secrets.
    JsonNode run = runRecord(database);
    assertThat(run.get("mode").asText(), equalTo("streaming"));
    assertThat(run.get("state").asText(), equalTo("running"));
    assertThat(run.get("options").asText(), containsString("\"consumerGroup\""));
    assertThat(
        "every row's _load_id is the run's id",
        LocalServices.clickhouse(
                "SELECT DISTINCT _load_id FROM " + Sql.identifier(database) + ".journey_events")
            .trim(),
        equalTo(run.get("run_id").asText()));
  }

  @Test
  public void aBatchRunsFreshnessLakeRecordsAndRunRecordAgreeWithWhatItWrote() throws Exception {
    String database = "fresh_batch_" + jobs.run;
    databases.add(database);
    // A warehouse made before the column: PrepareWarehouse adds _inserted_at, MATERIALIZED.
    WarehouseTable events = WarehouseTables.byName("journey_events");
    LocalServices.clickhouse("CREATE DATABASE " + Sql.identifier(database));
    LocalServices.clickhouse(
        events
            .createStatement(database)
            .replace(",\n  `_inserted_at` DateTime MATERIALIZED now()", ""));

    Path lake = temp.newFolder("batch-lake").toPath();
    SamplesBatch.run(lake, database);

    for (WarehouseTable table : WarehouseTables.all()) {
      String kind =
          LocalServices.clickhouse(
                  "SELECT default_kind FROM system.columns WHERE database = "
                      + Sql.string(database)
                      + " AND table = "
                      + Sql.string(table.name())
                      + " AND name = '_inserted_at'")
              .trim();
      assertThat(table.name() + "._inserted_at", kind, equalTo("MATERIALIZED"));
    }

    // The view's figures are the tables' own, table by table and tenant by tenant.
    RecordKinds kinds = RecordKinds.builtIn();
    int checked = 0;
    for (WarehouseTable table : WarehouseTables.all()) {
      String eventTime = kinds.table(table.source()).eventTimeColumn();
      String own =
          LocalServices.clickhouse(
              "SELECT "
                  + table.tenantColumn()
                  + ", count(), toUInt32(max("
                  + Sql.identifier(eventTime)
                  + ")), countIf(late = 1) FROM "
                  + Sql.identifier(database)
                  + "."
                  + Sql.identifier(table.name())
                  + " GROUP BY "
                  + table.tenantColumn()
                  + " ORDER BY 1 FORMAT TSV");
      String view =
          LocalServices.clickhouse(
              "SELECT org_id, rows_total, toUInt32(newest_event_time), late_rows FROM "
                  + Sql.identifier(database)
                  + "."
                  + FreshnessViews.FRESHNESS
                  + " WHERE `table` = "
                  + Sql.string(table.name())
                  + " AND dead_letter_reason = '' ORDER BY 1 FORMAT TSV");
      assertThat(table.name(), view, equalTo(own));
      checked += own.isBlank() ? 0 : 1;
      long recent =
          clickhouseLong(
              "SELECT sum(rows_last_hour) - sum(rows_total) + sum(rows_last_day) - sum(rows_total)"
                  + " FROM "
                  + Sql.identifier(database)
                  + "."
                  + FreshnessViews.FRESHNESS
                  + " WHERE `table` = "
                  + Sql.string(table.name()));
      assertThat(table.name() + ": every row written in the last hour", recent, equalTo(0L));
    }
    assertThat("tables with rows", checked, greaterThan(8));
    long letters =
        clickhouseLong(
            "SELECT count() FROM " + Sql.identifier(database) + "." + DeadLetterTable.NAME);
    assertThat(
        "dead letters by reason add up",
        clickhouseLong(
            "SELECT sum(dead_letters_last_hour) FROM "
                + Sql.identifier(database)
                + "."
                + FreshnessViews.FRESHNESS),
        equalTo(letters));

    // The run record, in ClickHouse and in the lake.
    JsonNode row = runRecord(database);
    String runId = row.get("run_id").asText();
    assertThat(row.get("state").asText(), equalTo("succeeded"));
    assertThat(row.get("mode").asText(), equalTo("batch"));
    assertThat(row.get("ended_at").isNull(), equalTo(false));
    assertThat(row.get("options").asText(), containsString("\"lake\""));
    assertThat(row.get("options").asText(), not(containsString("password")));
    assertThat(
        LocalServices.clickhouse(
                "SELECT DISTINCT _load_id FROM " + Sql.identifier(database) + ".journey_events")
            .trim(),
        equalTo(runId));
    JsonNode file = JSON.readTree(lake.resolve(RunRecord.FOLDER).resolve(runId + ".json").toFile());
    assertThat(file.get("state").asText(), equalTo("succeeded"));
    long lakeEvents = LakeFiles.rows(lake, "journey_events").size();
    assertThat(
        file.get("counts").get("lake_rows").get("journey_events").asLong(), equalTo(lakeEvents));
    assertThat(
        JSON.readTree(row.get("counts").asText()).get("input_records").asLong(),
        equalTo(file.get("counts").get("input_records").asLong()));

    // The lake's freshness records: per table and tenant, the rows the lake holds.
    Map<String, Long> recorded = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(lake.resolve(WriteFreshness.FOLDER))) {
      for (Path path : walk.filter(Files::isRegularFile).toList()) {
        if (LakeFiles.hidden(lake.relativize(path))) {
          continue;
        }
        for (String line : Files.readAllLines(path)) {
          JsonNode record = JSON.readTree(line);
          recorded.merge(record.get("table").asText(), record.get("rows").asLong(), Long::sum);
        }
      }
    }
    for (String table : new TreeSet<>(recorded.keySet())) {
      assertThat(
          "lake freshness rows of " + table,
          recorded.get(table),
          equalTo((long) LakeFiles.rows(lake, table).size()));
    }
    assertThat(recorded.keySet(), hasItem("journey_events"));
  }

  /** The freshness views, the runs table and a tenant's view on the current engine. */
  @Test
  public void theFreshnessDdlRunsOnTheCurrentEngine() throws Exception {
    Path dir = temp.newFolder("chdb").toPath();
    List<String> statements = new ArrayList<>();
    statements.add("CREATE DATABASE IF NOT EXISTS datalake");
    statements.add(DeadLetterTable.createStatement("datalake"));
    statements.add(RunsTable.createStatement("datalake"));
    for (WarehouseTable table : WarehouseTables.all()) {
      statements.add(table.createStatement("datalake"));
    }
    // Made twice, as two runs' PrepareWarehouse do: the drop must pass with a tenant view on it.
    for (int i = 0; i < 2; i++) {
      for (String view :
          List.of(
              FreshnessViews.FRESHNESS,
              FreshnessViews.DEAD_LETTER_FRESHNESS,
              FreshnessViews.TABLE_FRESHNESS)) {
        statements.add("DROP TABLE IF EXISTS datalake." + Sql.identifier(view));
      }
      statements.addAll(
          FreshnessViews.createStatements(
              "datalake", WarehouseTables.all(), RecordKinds.builtIn()));
      // Remade at each PrepareWarehouse, as FreshnessViews.remakeTenantViews does.
      statements.add(
          "DROP TABLE IF EXISTS datalake." + Sql.identifier(FreshnessViews.tenantViewName(ORG)));
      statements.add(FreshnessViews.createTenantViewStatement("datalake", ORG));
    }
    statements.add(
        "INSERT INTO datalake.journey_events (id, org_id, created_at, late, _version, _load_id)"
            + " VALUES ('a', '739224', toDateTime('2026-01-02 03:04:05'), 1, 1, 'l')");
    statements.add(
        "INSERT INTO datalake.dead_letters (kind, step, error, source, _version, _load_id)"
            + " VALUES ('journey-events', 'parse', 'not JSON', 'f:1', 1, 'l')");
    statements.add(
        "INSERT INTO datalake.dead_letters (kind, step, error, source, org_id, _version, _load_id)"
            + " VALUES ('journey-events', 'type', 'bad type', 'f:2', '739224', 1, 'l')");
    statements.add(
        RunsTable.insertStatement(
            "datalake",
            "{\"run_id\":\"l\",\"started_at\":1700000000,\"ended_at\":null,\"_version\":1}"));
    CurrentClickHouse engine = CurrentClickHouse.session(dir);
    for (CurrentClickHouse.Result result : engine.run(statements, "TSV")) {
      result.orThrow();
    }
    assertThat(
        engine
            .query(
                "SELECT `table`, org_id, newest_event_time, rows_total, rows_last_hour, late_rows"
                    + " FROM datalake.datalake_freshness WHERE dead_letter_reason = ''")
            .trim(),
        equalTo("journey_events\t739224\t2026-01-02 03:04:05\t1\t1\t1"));
    assertThat(
        engine
            .query(
                "SELECT kind, dead_letter_reason, dead_letters_last_hour, newest_event_time,"
                    + " event_lag_seconds FROM datalake.datalake_freshness"
                    + " WHERE dead_letter_reason != '' ORDER BY org_id")
            .trim(),
        equalTo("journey-events\tnot JSON\t1\t\\N\t\\N\njourney-events\tbad type\t1\t\\N\t\\N"));
    // The tenant's view: its table row and its own dead letter, not the one without a tenant.
    assertThat(
        engine
            .query(
                "SELECT kind, dead_letter_reason FROM datalake.`739224_datalake_freshness`"
                    + " ORDER BY dead_letter_reason")
            .trim(),
        equalTo("journey-events\t\njourney-events\tbad type"));
    assertThat(
        engine
            .query(
                "SELECT concat('[', state, ']'), ended_at FROM datalake.datalake_runs"
                    + " WHERE run_id = 'l'")
            .trim(),
        equalTo("[]\t\\N"));

    // ./datalake stop's statements: a cluster stream's record found by its job name and ended,
    // and the lost condition, on the current engine.
    engine
        .run(
            List.of(
                RunsTable.insertStatement(
                    "datalake",
                    "{\"run_id\":\"s\",\"mode\":\"streaming\",\"state\":\"running\",\"runner\":\"FlinkRunner\","
                        + "\"started_at\":1700000000,\"options\":\"{\\\"jobName\\\":\\\"j1\\\"}\","
                        + "\"_version\":1}")),
            "TSV")
        .get(0)
        .orThrow();
    assertThat(
        engine.query(RunsTable.runningStreamOfJobStatement("datalake", "j1")).trim(), equalTo("s"));
    engine
        .run(List.of(RunsTable.stoppedStatement("datalake", "s", 1700000600, 2)), "TSV")
        .get(0)
        .orThrow();
    assertThat(
        engine
            .query(
                "SELECT state, toUInt32(ended_at), options, "
                    + RunsTable.lostCondition()
                    + " FROM datalake.datalake_runs FINAL WHERE run_id = 's'")
            .trim(),
        equalTo("stopped\t1700000600\t{\"jobName\":\"j1\"}\t0"));
  }

  /** The one run record of {@code database}'s datalake_runs, its latest version. */
  private static JsonNode runRecord(String database) throws Exception {
    return JSON.readTree(
        LocalServices.clickhouse(
            "SELECT * FROM "
                + Sql.identifier(database)
                + "."
                + RunsTable.NAME
                + " FINAL FORMAT JSONEachRow"));
  }

  private long clickhouseLong(String sql) {
    return Long.parseLong(LocalServices.clickhouse(sql).trim());
  }

  /** What the tenant's user gets; fails on a refusal. */
  private String query(TenantUser c, String sql) throws Exception {
    HttpResponse<String> response = c.http(http, sql, "");
    assertThat(sql + ": " + response.body(), response.statusCode(), equalTo(200));
    return response.body();
  }

  private int status(TenantUser c, String sql) throws Exception {
    return c.http(http, sql, "").statusCode();
  }
}
