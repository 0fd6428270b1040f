package io.datalake.transforms.warehouse;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.instanceOf;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.Assert.assertThrows;

import io.datalake.transforms.model.DeadLetter;
import io.datalake.transforms.model.LakeRow;
import io.datalake.transforms.model.RecordRejectedException;
import io.datalake.transforms.pii.PiiKeyset;
import io.datalake.transforms.schema.AvroSchemas;
import io.datalake.transforms.schema.LakeTables;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.clickhouse.ClickHouseIO;
import org.apache.beam.sdk.io.clickhouse.TimedClickHouseWrite;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;

/**
 * The warehouse IO without a server: its configuration and display data, the conversion of lake
 * rows into warehouse rows (and of those that do not fit into dead letters naming the table), and
 * the size estimate that bounds a batch.
 */
public class ClickHouseWarehouseIOTest {
  /** 2024-03-01T12:00:00Z in epoch microseconds. */
  private static final long MARCH_FIRST_NOON = 1_709_294_400_000_000L;

  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  /** An entity operation as the lake holds it; {@code values} override the defaults. */
  /** .NET's "not set", 0001-01-01T00:00:00Z, in microseconds. */
  private static final long NOT_SET = -62_135_596_800_000_000L;

  private static LakeRow entityOperation(Map<String, Object> values) {
    org.apache.avro.Schema schema = LakeTables.byName("entity_operations").avroSchema();
    GenericRecord record = new GenericData.Record(schema);
    Map<String, Object> all = new LinkedHashMap<>();
    all.put("id", "op-1");
    all.put("operation", "createEntity");
    all.put("org_id", "org-a");
    all.put("timestamp", MARCH_FIRST_NOON);
    all.put("activity_id", "act-1");
    all.put("entity_id", "ent-1");
    all.put("schema", "customer");
    all.put("detail", "{\"payload\":{\"name\":\"x\"},\"other\":1}");
    all.put(AvroSchemas.LATE, false);
    all.putAll(values);
    all.forEach(record::put);
    return new LakeRow("entity_operations", "org-a", MARCH_FIRST_NOON, record);
  }

  /** One output tag per warehouse table (made in a static method: the tags hold no test). */
  private static Map<String, TupleTag<Row>> tags() {
    Map<String, TupleTag<Row>> tags = new LinkedHashMap<>();
    for (WarehouseTable table : WarehouseTables.all()) {
      tags.put(table.name(), new TupleTag<Row>(table.name()) {});
    }
    return tags;
  }

  /** The rows through ToWarehouseRowsFn: one output per warehouse table, and the rejected. */
  private PCollectionTuple toWarehouseRows(Map<String, TupleTag<Row>> tags, LakeRow... rows) {
    PCollectionTuple out =
        pipeline
            .apply(Create.of(List.of(rows)).withCoder(LakeRow.Coder.of()))
            .apply(
                ParDo.of(
                        new ClickHouseWarehouseIO.ToWarehouseRowsFn(
                            tags,
                            "load-1",
                            PiiKeyset.development(),
                            io.datalake.transforms.kinds.RecordKinds.builtIn()))
                    .withOutputTags(
                        ClickHouseWarehouseIO.REJECTED,
                        TupleTagList.of(new ArrayList<>(tags.values()))));
    for (WarehouseTable table : WarehouseTables.all()) {
      out.get(tags.get(table.name())).setRowSchema(table.rowSchema());
    }
    return out;
  }

  private static Row convert(String table, LakeRow row) throws RecordRejectedException {
    WarehouseTable target = WarehouseTables.byName(table);
    return ClickHouseWarehouseIO.toWarehouseRow(target, target.rowSchema(), row, "load-1");
  }

  @Test
  public void aLakeRowBecomesTheRowOfEachColumnTypeItsTableDeclares() throws Exception {
    Row row = convert("entity_operations", entityOperation(Map.of()));

    assertThat(row.getString("org_id"), equalTo("org-a"));
    assertThat(row.getString("entity_id"), equalTo("ent-1"));
    // DateTime has whole seconds: the microseconds become an instant.
    assertThat(
        row.getDateTime("timestamp").toInstant(), equalTo(new Instant(MARCH_FIRST_NOON / 1000)));
    assertThat(row.getString("region"), nullValue());
    assertThat(row.getValue(AvroSchemas.LATE), equalTo((short) 0));
    assertThat(row.getValue(WarehouseTables.VERSION), equalTo(MARCH_FIRST_NOON));
    assertThat(row.getString(WarehouseTables.LOAD_ID), equalTo("load-1"));
    assertThat(
        row.getSchema().getFieldNames(),
        equalTo(
            WarehouseTables.byName("entity_operations").columns().stream()
                .map(WarehouseColumn::name)
                .toList()));
  }

  @Test
  public void aFixedVersionReplacesTheVersionColumnsTime() throws Exception {
    WarehouseTable target = WarehouseTables.byName("entity_operations");
    long computedAt = MARCH_FIRST_NOON + 86_400_000_000L;
    Row row =
        ClickHouseWarehouseIO.toWarehouseRow(
            target, target.rowSchema(), entityOperation(Map.of()), "load-1", computedAt);
    assertThat(row.getValue(WarehouseTables.VERSION), equalTo(computedAt));
    assertThat(
        row.getDateTime("timestamp").toInstant(), equalTo(new Instant(MARCH_FIRST_NOON / 1000)));
    assertThrows(
        IllegalArgumentException.class, () -> ClickHouseWarehouseIO.write().withVersion(-1));
  }

  @Test
  public void currentEntitiesTakeTheDeleteFlagAndThePayloadOutOfTheDetail() throws Exception {
    Row created = convert("current_entities", entityOperation(Map.of()));
    assertThat(created.getValue("deleted"), equalTo((short) 0));
    assertThat(created.getString("payload"), equalTo("{\"name\":\"x\"}"));

    Row deleted =
        convert("current_entities", entityOperation(Map.of("operation", "softDeleteEntity")));
    assertThat(deleted.getValue("deleted"), equalTo((short) 1));
  }

  /**
   * The payload is the detail's text of it, every digit as the lake holds it (a tree of doubles
   * would write 1.50 as 1.5 and round a long decimal); a scalar is its JSON text, null is null, and
   * of a repeated key the last wins.
   */
  @Test
  public void currentEntitiesPayloadIsTheDetailsOwnText() throws Exception {
    String payload = "{\"price\":1.50,\"big\":12345678901234567890.123,\"l\":[1,{\"a\":\"}\"}]}";
    assertThat(
        convert(
                "current_entities",
                entityOperation(Map.of("detail", "{\"x\":[{}],\"payload\":" + payload + "}")))
            .getString("payload"),
        equalTo(payload));
    for (String[] detailAndPayload :
        new String[][] {
          {"{\"payload\":\"text\"}", "\"text\""},
          {"{\"payload\":7}", "7"},
          {"{\"payload\":1.50}", "1.50"},
          {"{\"payload\":\"a\\\"b\\u00e9\"}", "\"a\\\"bé\""},
          {"{\"payload\":{\"e\":\"\\ud83d\\ude00 😀\"}}", "{\"e\":\"\\ud83d\\ude00 😀\"}"},
          {"{\"payload\":null}", null},
          {"{\"other\":1}", null},
          {"{\"payload\":{\"a\":1},\"payload\":[2]}", "[2]"},
        }) {
      assertThat(
          detailAndPayload[0],
          convert("current_entities", entityOperation(Map.of("detail", detailAndPayload[0])))
              .getString("payload"),
          equalTo(detailAndPayload[1]));
    }
    assertThrows(
        RecordRejectedException.class,
        () ->
            convert(
                "current_entities", entityOperation(Map.of("detail", "{\"payload\":{\"a\":1}"))));
  }

  /**
   * EventBridge times are whole seconds: a delete and a create of one entity in one second are
   * ordered by their activity ids' ULID time, as the roll-up orders them, not by insert order.
   */
  @Test
  public void currentEntitiesOrderOneSecondsOperationsByTheirActivityTime() throws Exception {
    long second = 1_709_294_400_000_000L; // 2024-03-01T12:00:00Z
    // ULIDs of 12:00:00.250 and 12:00:00.900 (milliseconds 1709294400250 and ...900).
    String early = ulid(1_709_294_400_250L);
    String late = ulid(1_709_294_400_900L);
    Row deleted =
        convert(
            "current_entities",
            entityOperation(
                Map.of("operation", "deleteEntity", "timestamp", second, "activity_id", early)));
    Row created =
        convert(
            "current_entities", entityOperation(Map.of("timestamp", second, "activity_id", late)));
    assertThat(deleted.getValue("_version"), equalTo(1_709_294_400_250_000L));
    assertThat(created.getValue("_version"), equalTo(1_709_294_400_900_000L));
    // Not a ULID, or a time with a fraction: the time itself; a ULID of a later or an earlier
    // second (the clocks differ): the second's last or first millisecond.
    assertThat(
        convert("current_entities", entityOperation(Map.of("timestamp", second)))
            .getValue("_version"),
        equalTo(second));
    assertThat(
        convert(
                "current_entities",
                entityOperation(
                    Map.of("timestamp", second, "activity_id", ulid(1_709_294_401_000L))))
            .getValue("_version"),
        equalTo(second + 999_000));
    assertThat(
        convert(
                "current_entities",
                entityOperation(
                    Map.of("timestamp", second, "activity_id", ulid(1_709_294_399_000L))))
            .getValue("_version"),
        equalTo(second));
    assertThat(
        convert(
                "current_entities",
                entityOperation(Map.of("timestamp", second + 5, "activity_id", early)))
            .getValue("_version"),
        equalTo(second + 5));
  }

  /** A ULID of {@code millis}, with a fixed random part. */
  private static String ulid(long millis) {
    String alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    StringBuilder time = new StringBuilder();
    for (int i = 0; i < 10; i++) {
      time.insert(0, alphabet.charAt((int) (millis & 31)));
      millis >>>= 5;
    }
    return time + "ABCDEFGHJKMNPQRS";
  }

  @Test
  public void aMissingKeyOrAnOutOfRangeTimeIsRejectedWithTheColumnNamed() {
    Map<String, Object> noEntity = new LinkedHashMap<>();
    noEntity.put("entity_id", null);
    RecordRejectedException missingKey =
        assertThrows(
            RecordRejectedException.class,
            () -> convert("entity_operations", entityOperation(noEntity)));
    assertThat(
        missingKey.getMessage(),
        equalTo("entity_operations.entity_id (part of the key) is missing"));

    RecordRejectedException before1970 =
        assertThrows(
            RecordRejectedException.class,
            () -> convert("entity_operations", entityOperation(Map.of("timestamp", -1_000_000L))));
    assertThat(
        before1970.getMessage(),
        equalTo(
            "entity_operations.timestamp is outside the range of ClickHouse DateTime (1970-2106)"));
  }

  /**
   * An optional time DateTime cannot hold (VTEX's .NET "not set", 0001-01-01T00:00:00) is null in
   * the warehouse, and the row is still written; a required one still rejects the row (above).
   */
  @Test
  public void anOptionalTimeOutsideDateTimeIsNullAndTheRowIsKept() throws Exception {
    Row row =
        convert(
            "workflow_executions",
            lakeRow(
                "workflow_executions",
                Map.of(
                    "id",
                    "wf-1",
                    "updated_at",
                    MARCH_FIRST_NOON,
                    "created_at",
                    NOT_SET,
                    "due_date",
                    4_354_819_200_000_000L))); // 2108-01-01: after DateTime's 2106
    assertThat(row.getDateTime("created_at"), nullValue());
    assertThat(row.getDateTime("due_date"), nullValue());
    assertThat(
        row.getDateTime("updated_at").toInstant(), equalTo(new Instant(MARCH_FIRST_NOON / 1000)));
  }

  /**
   * A session's version time set to .NET's "not set" is no version: the session's start time
   * versions it, as when the version is missing, instead of a negative number that UInt64 makes the
   * highest version there is.
   */
  @Test
  public void aVersionBefore1970CountsAsNoVersion() throws Exception {
    Row row =
        convert(
            "journey_sessions",
            lakeRow(
                "journey_sessions",
                Map.of("id", "s-1", "start_time", MARCH_FIRST_NOON, "last_updated_at", NOT_SET)));
    assertThat(row.getValue(WarehouseTables.VERSION), equalTo(MARCH_FIRST_NOON));
    assertThat(row.getDateTime("last_updated_at"), nullValue());
  }

  /** A row of {@code table} of tenant org-a, not late, with {@code values}. */
  private static LakeRow lakeRow(String table, Map<String, Object> values) {
    GenericRecord record = new GenericData.Record(LakeTables.byName(table).avroSchema());
    record.put("org_id", "org-a");
    record.put(AvroSchemas.LATE, false);
    values.forEach(record::put);
    return new LakeRow(table, "org-a", MARCH_FIRST_NOON, record);
  }

  @Test
  public void rejectedRowsLeaveAsDeadLettersNamingTheirTableAndGoodRowsReachTheirTable() {
    Map<String, Object> noEntity = new LinkedHashMap<>();
    noEntity.put("entity_id", null);
    noEntity.put("id", "op-2");
    Map<String, TupleTag<Row>> tags = tags();
    PCollectionTuple out =
        toWarehouseRows(tags, entityOperation(Map.of()), entityOperation(noEntity));
    PCollection<DeadLetter> rejected = out.get(ClickHouseWarehouseIO.REJECTED);
    PAssert.that(
            rejected.apply(
                "RejectedAsText",
                MapElements.into(TypeDescriptors.strings())
                    .via(
                        l ->
                            l.table
                                + " | "
                                + l.step
                                + " | "
                                + l.error
                                + " | "
                                + l.source.replaceFirst("#[0-9a-f]{12}$", "#<digest>"))))
        .containsInAnyOrder(
            "entity_operations | clickhouse | entity_operations.entity_id (part"
                + " of the key) is missing | clickhouse:entity_operations:org-a/null/act-1/op-2#<digest>",
            "current_entities | clickhouse | current_entities: entity_operations.entity_id (part"
                + " of the key) is missing | clickhouse:current_entities:org-a/null#<digest>");
    PAssert.that(
            out.get(tags.get("entity_operations"))
                .apply(
                    "EntityOperationIds",
                    MapElements.into(TypeDescriptors.strings()).via(r -> r.getString("entity_id"))))
        .containsInAnyOrder("ent-1");
    PAssert.that(
            out.get(tags.get("current_entities"))
                .apply(
                    "CurrentEntityIds",
                    MapElements.into(TypeDescriptors.strings()).via(r -> r.getString("entity_id"))))
        .containsInAnyOrder("ent-1");
    pipeline.run();
  }

  @Test
  public void relationOperationsReachEntityOperationsButNeverReplaceTheCurrentState() {
    Map<String, TupleTag<Row>> tags = tags();
    PCollectionTuple out =
        toWarehouseRows(
            tags,
            entityOperation(Map.of("operation", "deleteEntity")),
            entityOperation(
                Map.of(
                    "id",
                    "op-2",
                    "activity_id",
                    "act-2",
                    "operation",
                    "relationsDeleted",
                    "timestamp",
                    MARCH_FIRST_NOON + 1_000_000L)));
    PAssert.that(
            out.get(tags.get("entity_operations"))
                .apply(
                    "Operations",
                    MapElements.into(TypeDescriptors.strings()).via(r -> r.getString("operation"))))
        .containsInAnyOrder("deleteEntity", "relationsDeleted");
    // The later relation operation does not revive the deleted entity in current_entities.
    PAssert.that(
            out.get(tags.get("current_entities"))
                .apply(
                    "CurrentOperations",
                    MapElements.into(TypeDescriptors.strings())
                        .via(r -> r.getString("operation") + " deleted=" + r.getValue("deleted"))))
        .containsInAnyOrder("deleteEntity deleted=1");
    PAssert.that(out.get(ClickHouseWarehouseIO.REJECTED)).empty();
    pipeline.run();
  }

  @Test
  public void theSizeEstimateCountsEachValueByItsKind() {
    Schema schema =
        Schema.builder()
            .addStringField("text")
            .addNullableField("missing", Schema.FieldType.STRING)
            .addInt64Field("number")
            .addArrayField("list", Schema.FieldType.STRING)
            .build();
    Row row = Row.withSchema(schema).addValues("abc", null, 7L, List.of("a", "bc")).build();
    // Row 16; text 40 + 3; null 4; number 16; list 24 + (4 + 41) + (4 + 42).
    assertThat(ClickHouseWarehouseIO.estimatedBytes(row), equalTo(16L + 43 + 4 + 16 + 115));
  }

  @Test
  public void theSizeEstimateGrowsWithTheTextsOfARealRow() throws Exception {
    long small =
        ClickHouseWarehouseIO.estimatedBytes(
            convert("entity_operations", entityOperation(Map.of())));
    long larger =
        ClickHouseWarehouseIO.estimatedBytes(
            convert("entity_operations", entityOperation(Map.of("detail", "x".repeat(1000)))));
    assertThat(
        larger - small, equalTo(1000L - "{\"payload\":{\"name\":\"x\"},\"other\":1}".length()));
  }

  @Test
  public void eachWithReturnsANewWriteAndTheDefaultsAreThePublicConstants() {
    ClickHouseWarehouseIO.Write defaults = ClickHouseWarehouseIO.write();
    ClickHouseWarehouseIO.Write changed = defaults.withBatchRows(10).withDatabase("other");
    assertThat(defaults.batchRows(), equalTo(ClickHouseWarehouseIO.DEFAULT_BATCH_ROWS));
    assertThat(defaults.batchBytes(), equalTo(ClickHouseWarehouseIO.DEFAULT_BATCH_BYTES));
    assertThat(defaults.flushSeconds(), equalTo(ClickHouseWarehouseIO.DEFAULT_FLUSH_SECONDS));
    assertThat(defaults.retrySeconds(), equalTo(ClickHouseWarehouseIO.DEFAULT_RETRY_SECONDS));
    assertThat(defaults.database(), equalTo(ClickHouseWarehouseIO.DEFAULT_DATABASE));
    assertThat(changed.batchRows(), equalTo(10));
    assertThat(changed.database(), equalTo("other"));
    IllegalArgumentException zero =
        assertThrows(IllegalArgumentException.class, () -> defaults.withBatchRows(0));
    assertThat(zero.getMessage(), containsString("batch rows must be at least 1, got 0"));
  }

  @Test
  public void theDisplayDataShowsWhereAndHowItWritesButNoCredentials() {
    ClickHouseWarehouseIO.Write write =
        ClickHouseWarehouseIO.write()
            .withUrl("https://reader:s3cret@clickhouse.example:8443/?password=s3cret")
            .withDatabase("lakehouse")
            .withBatchRows(1000)
            .withBatchBytes(1L << 20)
            .withServerVersion("24.8.1")
            .withLoadId("load-7")
            .withRunId("run-7");
    DisplayData data = DisplayData.from(write);
    Map<String, String> items = new LinkedHashMap<>();
    data.items().forEach(i -> items.put(i.getKey(), String.valueOf(i.getValue())));
    assertThat(items.get("url"), equalTo(String.valueOf("https://clickhouse.example:8443/")));
    assertThat(items.get("database"), equalTo(String.valueOf("lakehouse")));
    assertThat(items.get("batchRows"), equalTo(String.valueOf(1000)));
    assertThat(items.get("batchBytes"), equalTo(String.valueOf(1L << 20)));
    assertThat(items.get("loadId"), equalTo(String.valueOf("load-7")));
    assertThat(items.get("runId"), equalTo(String.valueOf("run-7")));
    assertThat(data.toString(), not(containsString("s3cret")));
    assertThat(data.toString(), not(containsString("reader")));
  }

  /** The steps of {@code write} applied to lake rows that are {@code bounded} or not, by name. */
  private static Map<String, PTransform<?, ?>> stepsOf(
      ClickHouseWarehouseIO.Write write, PCollection.IsBounded bounded) {
    Pipeline graph = Pipeline.create();
    PCollection<DeadLetter> rejected =
        graph
            .apply(Create.empty(LakeRow.Coder.of()))
            .setIsBoundedInternal(bounded)
            .apply("WriteWarehouse", write);
    rejected.apply("WarehouseDeadLetters", write.deadLetters());
    Map<String, PTransform<?, ?>> steps = new LinkedHashMap<>();
    graph.traverseTopologically(
        new Pipeline.PipelineVisitor.Defaults() {
          @Override
          public CompositeBehavior enterCompositeTransform(TransformHierarchy.Node node) {
            steps.put(node.getFullName(), node.getTransform());
            return CompositeBehavior.ENTER_TRANSFORM;
          }

          @Override
          public void visitPrimitiveTransform(TransformHierarchy.Node node) {
            steps.put(node.getFullName(), node.getTransform());
          }
        });
    return steps;
  }

  private static ClickHouseWarehouseIO.Write preparedWrite() {
    return ClickHouseWarehouseIO.write()
        .withUrl("http://127.0.0.1:1")
        .withKeyset(PiiKeyset.development())
        .withServerVersion("18.16.1")
        .withLoadId("load-1")
        .withBatchRows(7);
  }

  /**
   * In a stream, each table's inserts, and the dead letters', go through ClickHouseIO's DoFn timed
   * for the insert-latency histogram, under the step names ClickHouseIO gives them (Flink names its
   * operators after them, and a savepoint's state is found by those names).
   */
  @Test
  public void inAStreamEachTableIsInsertedByATimedClickHouseIOWriteUnderItsOldStepName() {
    ClickHouseWarehouseIO.Write write = preparedWrite();
    Map<String, PTransform<?, ?>> steps = stepsOf(write, PCollection.IsBounded.UNBOUNDED);
    List<String> inserts = new ArrayList<>();
    for (WarehouseTable table : WarehouseTables.all()) {
      inserts.add("WriteWarehouse/Insert_" + table.name());
    }
    inserts.add("WarehouseDeadLetters/InsertDeadLetters");
    for (String insert : inserts) {
      assertThat(
          steps.keySet().toString(), steps.get(insert), instanceOf(TimedClickHouseWrite.class));
      assertThat(
          steps.keySet().toString(),
          steps.containsKey(
              insert
                  + "/ParDo(AutoValue_ClickHouseIO_Write)/ParMultiDo(AutoValue_ClickHouseIO_Write)"),
          equalTo(true));
    }
    ClickHouseIO.Write<Row> orders =
        ((TimedClickHouseWrite) steps.get("WriteWarehouse/Insert_checkout_orders")).write();
    assertThat(orders.insertDeduplicate(), equalTo(false));
    assertThat(orders.maxRetries(), equalTo(ClickHouseWarehouseIO.INSERT_MAX_RETRIES));
    assertThat(orders.maxCumulativeBackoff(), equalTo(write.retryBudget()));
    assertThat(orders.maxInsertBlockSize(), equalTo(7L));
  }

  /**
   * A batch converts and inserts in one step (no warehouse row encoded between steps); its dead
   * letters are still inserted by their own timed ClickHouseIO step.
   */
  @Test
  public void aBatchConvertsAndInsertsInOneStep() {
    Map<String, PTransform<?, ?>> steps = stepsOf(preparedWrite(), PCollection.IsBounded.BOUNDED);
    assertThat(
        steps.keySet().toString(),
        steps.containsKey("WriteWarehouse/ToWarehouseRowsAndInsert"),
        equalTo(true));
    for (String step : steps.keySet()) {
      assertThat(step, not(containsString("WriteWarehouse/Insert_")));
      assertThat(step, not(containsString("WriteWarehouse/Batch_")));
    }
    assertThat(
        steps.get("WarehouseDeadLetters/InsertDeadLetters"),
        instanceOf(TimedClickHouseWrite.class));
  }

  @Test
  public void aWriteWhoseSchemaWasNotPreparedRefusesToExpand() {
    ClickHouseWarehouseIO.Write unprepared =
        ClickHouseWarehouseIO.write()
            .withUrl("http://127.0.0.1:1")
            .withKeyset(PiiKeyset.development());
    PCollection<LakeRow> rows = pipeline.apply(Create.empty(LakeRow.Coder.of()));
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> rows.apply("WriteWarehouse", unprepared));
    assertThat(e.getMessage(), containsString("ClickHouseWarehouseIO.prepareSchema(write)"));
    pipeline.enableAbandonedNodeEnforcement(false);
  }
}
