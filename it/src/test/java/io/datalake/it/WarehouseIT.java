package io.datalake.it;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.datalake.options.DatalakeOptions;
import io.datalake.pipelines.DatalakePipeline;
import io.datalake.testing.LocalServices;
import io.datalake.transforms.warehouse.ClickHouseClient;
import io.datalake.transforms.warehouse.WarehouseSchema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.After;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The ClickHouse warehouse against the real server: latest state, versions, reruns, rejects, schema
 * changes.
 */
public class WarehouseIT {
  private static final String ORG = "739224";
  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  private final String database =
      "it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

  @After
  public void dropDatabase() {
    LocalServices.dropWarehouse(database);
  }

  private void run(Path input, Path lake) {
    DatalakeOptions options =
        PipelineOptionsFactory.fromArgs(
                "--input=" + input,
                "--lake=" + lake,
                "--piiDevelopmentKeyset=true",
                "--clickhouseUrl=" + LocalServices.clickhouseUrl(),
                "--clickhouseCredentialsFile=" + LocalServices.clickhouseCredentialsFile(),
                "--clickhouseDatabase=" + database)
            .as(DatalakeOptions.class);
    DatalakePipeline.run(options);
  }

  private Path input(String kind, List<String> lines) throws Exception {
    Path dir = temp.newFolder().toPath();
    Files.createDirectories(dir.resolve(kind));
    Files.write(dir.resolve(kind).resolve("part.jsonl"), lines);
    return dir;
  }

  private String query(String sql) {
    return LocalServices.clickhouse(sql.replace("{db}", "`" + database + "`")).trim();
  }

  private static String operation(String entity, String op, String time) {
    return "{\"id\":\"evt-"
        + entity
        + "-"
        + op
        + "-"
        + time
        + "\",\"detail-type\":\"EntityOperation\",\"source\":\"epilot\","
        + "\"account\":\"1\",\"time\":\""
        + time
        + "\",\"region\":\"eu-central-1\",\"detail\":"
        + "{\"entity\":\""
        + entity
        + "\",\"org\":\""
        + ORG
        + "\",\"activity_id\":\"act-"
        + op
        + time
        + "\","
        + "\"operation\":\""
        + op
        + "\",\"params\":{\"id\":\""
        + entity
        + "\",\"slug\":\"contact\"},"
        + "\"payload\":{\"_id\":\""
        + entity
        + "\",\"_schema\":\"contact\",\"status\":\""
        + op
        + "\",\"email\":[{\"email\":\"a@b.c\"}]}}}";
  }

  @Test
  public void currentEntitiesFollowEventTimeWhateverTheArrivalOrder() throws Exception {
    List<String> lines =
        new ArrayList<>(
            List.of(
                operation("A", "createEntity", "2024-01-01T00:00:00.000001Z"),
                operation("A", "updateEntity", "2024-01-01T00:00:00.000002Z"),
                operation("A", "updateEntity", "2024-01-02T00:00:00Z"),
                operation("A", "deleteEntity", "2024-01-03T00:00:00Z"),
                operation("B", "createEntity", "2024-01-01T00:00:00Z"),
                operation("B", "softDeleteEntity", "2024-02-01T00:00:00Z"),
                operation("B", "restoreEntity", "2024-03-01T00:00:00Z"),
                operation("C", "createEntity", "2024-01-01T00:00:00Z"),
                operation("C", "relationsDeleted", "2024-01-05T00:00:00Z")));
    Collections.shuffle(lines, new Random(7));
    run(input("entity-operations", lines), temp.newFolder().toPath());
    assertThat(
        query(
            "SELECT arrayStringConcat(groupArray(concat(entity_id, ':', operation)), ',') FROM"
                + " (SELECT entity_id, operation FROM {db}.`"
                + ORG
                + "_current_entities_final` ORDER BY entity_id)"),
        // A relation operation changes no entity's state: C stays as its create left it.
        equalTo("B:restoreEntity,C:createEntity"));
    assertThat(
        query("SELECT count() FROM {db}.`" + ORG + "_entity_operations_final`"), equalTo("9"));
    assertThat(
        "PII encrypted in ClickHouse too",
        query("SELECT countIf(position(payload, 'a@b.c') > 0) FROM {db}.current_entities"),
        equalTo("0"));
  }

  private static String execution(String status, String updatedAt, int phases) {
    StringBuilder p = new StringBuilder();
    for (int i = 0; i < phases; i++) {
      p.append(i == 0 ? "" : ",")
          .append("{\"id\":\"ph")
          .append(i)
          .append("\",\"name\":\"Phase ")
          .append(i)
          .append("\",\"status\":\"OPEN\"}");
    }
    return "{\"id\":\"ex-1\",\"org_id\":\""
        + ORG
        + "\",\"name\":\"Flow\",\"status\":\""
        + status
        + "\","
        + "\"created_at\":\"2024-04-01T00:00:00Z\",\"updated_at\":\""
        + updatedAt
        + "\",\"phases\":["
        + p
        + "],"
        + "\"tasks\":[],\"contexts\":[{\"entity_id\":\"e1\",\"entity_schema\":\"opportunity\",\"is_primary\":true}]}";
  }

  @Test
  public void aNewerWorkflowSnapshotWinsOverAnOlderOneArrivingLater() throws Exception {
    run(
        input("workflow-executions", List.of(execution("CLOSED", "2024-04-03T10:00:00.5Z", 1))),
        temp.newFolder().toPath());
    run(
        input("workflow-executions", List.of(execution("STARTED", "2024-04-03T10:00:00.4Z", 3))),
        temp.newFolder().toPath());
    assertThat(
        query("SELECT status FROM {db}.`" + ORG + "_workflow_executions_final`"),
        equalTo("CLOSED"));
    assertThat(query("SELECT count() FROM {db}.`" + ORG + "_workflow_phases_final`"), equalTo("1"));
  }

  @Test
  public void aSecondIdenticalRunChangesNoResult() throws Exception {
    Path input =
        Path.of(System.getProperty("datalake.project.dir"), "pipelines", "samples", "input");
    run(input, temp.newFolder().toPath());
    String first = finalCounts();
    run(input, temp.newFolder().toPath());
    assertThat(finalCounts(), equalTo(first));
    assertThat(query("SELECT count() FROM {db}.`luxstore_checkout_orders_final`"), equalTo("2"));
  }

  private String finalCounts() {
    StringBuilder counts = new StringBuilder();
    for (String table :
        List.of(
            "entity_operations",
            "current_entities",
            "workflow_executions",
            "workflow_phases",
            "checkout_orders",
            "checkout_order_items",
            "journey_sessions",
            "journey_events",
            "portal_sessions",
            "portal_events")) {
      counts
          .append(table)
          .append('=')
          .append(query("SELECT count() FROM {db}.`" + table + "` FINAL"))
          .append(' ');
    }
    counts
        .append("current=")
        .append(query("SELECT count() FROM {db}.`" + ORG + "_current_entities_final`"));
    return counts.toString();
  }

  @Test
  public void rowsTheTableWouldRejectAreDeadLetters() throws Exception {
    Path lake = temp.newFolder().toPath();
    String before1970 =
        "{\"id\":\"ev-old\",\"org_id\":\""
            + ORG
            + "\",\"session_id\":\"s\",\"journey_id\":\"j\",\"type\":\"t\",\"details\":\"{}\",\"created_at\":\"1969-12-31T23:00:00Z\"}";
    String fine =
        "{\"id\":\"ev-ok\",\"org_id\":\""
            + ORG
            + "\",\"session_id\":\"s\",\"journey_id\":\"j\",\"type\":\"t\",\"details\":\"{}\",\"created_at\":\"2024-01-01T00:00:00Z\"}";
    run(input("journey-events", List.of(before1970, fine)), lake);
    assertThat(query("SELECT count() FROM {db}.journey_events"), equalTo("1"));
    assertThat(
        query("SELECT concat(step, ' ', error) FROM {db}.dead_letters"),
        containsString(
            "clickhouse journey_events.created_at is outside the range of ClickHouse DateTime"));
    String letters;
    try (var files = Files.walk(lake.resolve("_dead_letters"))) {
      letters =
          String.join(
              "\n",
              files
                  .filter(Files::isRegularFile)
                  .map(
                      f -> {
                        try {
                          return Files.readString(f);
                        } catch (java.io.IOException e) {
                          throw new IllegalStateException(e);
                        }
                      })
                  .toList());
    }
    assertThat(letters, containsString("\"step\":\"clickhouse\""));
    // The rejecting table is a field of its own, in the lake's lines and in the warehouse.
    assertThat(letters, containsString("\"table\":\"journey_events\""));
    assertThat(
        query("SELECT `table` FROM {db}.dead_letters WHERE step = 'clickhouse'"),
        equalTo("journey_events"));
  }

  @Test
  public void schemaChangesAreAddedOrRefused() {
    ClickHouseClient client = LocalServices.clickhouseClient();
    query("CREATE DATABASE {db}");
    query(
        "CREATE TABLE {db}.journey_events (id String, org_id String, created_at DateTime, _version UInt64)"
            + " ENGINE = ReplacingMergeTree(_version) ORDER BY (org_id, id)");
    // dead_letters as made before it had its table and org_id columns.
    query(
        "CREATE TABLE {db}.dead_letters (kind String, step String, error String, source String,"
            + " encrypted_record Nullable(String), _version UInt64, _load_id String)"
            + " ENGINE = ReplacingMergeTree(_version) PARTITION BY tuple() ORDER BY (kind, source, step)");
    WarehouseSchema.prepare(client, database);
    assertThat(
        query(
            // system.columns lists a table's columns in their order.
            "SELECT groupArray(name) FROM system.columns WHERE database = '"
                + database
                + "' AND table = 'dead_letters'"),
        equalTo(
            "['kind','step','error','source','encrypted_record','table','org_id','_version','_load_id',"
                + "'_inserted_at']"));
    assertThat(
        query(
            "SELECT count() FROM system.columns WHERE database = '"
                + database
                + "' AND table = 'journey_events' AND name IN ('details', 'session_id', '_load_id',"
                + " '_inserted_at')"),
        equalTo("4"));
    query("DROP TABLE {db}.portal_events");
    query(
        "CREATE TABLE {db}.portal_events (id String, org_id String, created_at DateTime, type Int32, legacy String, _version UInt64)"
            + " ENGINE = ReplacingMergeTree(_version) ORDER BY (org_id, id)");
    try {
      WarehouseSchema.prepare(client, database);
      throw new AssertionError("a type change must be refused");
    } catch (IllegalStateException e) {
      assertThat(e.getMessage(), containsString("table " + database + ".portal_events:"));
      assertThat(
          e.getMessage(),
          containsString("column type: is Int32, pipeline writes Nullable(String) (type change)"));
      assertThat(
          e.getMessage(),
          containsString("column legacy: exists in ClickHouse, the pipeline no longer writes it"));
    }
  }
}
