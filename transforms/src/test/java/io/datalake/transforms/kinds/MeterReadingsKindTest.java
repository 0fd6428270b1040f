package io.datalake.transforms.kinds;

import static io.datalake.transforms.schema.Field.f64;
import static io.datalake.transforms.schema.Field.json;
import static io.datalake.transforms.schema.Field.str;
import static io.datalake.transforms.schema.Field.ts;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.Assert.assertThrows;

import io.datalake.transforms.DatalakeGraph;
import io.datalake.transforms.Fixtures;
import io.datalake.transforms.model.DeadLetter;
import io.datalake.transforms.model.LakeRow;
import io.datalake.transforms.model.RecordRejectedException;
import io.datalake.transforms.model.SourceRecord;
import io.datalake.transforms.parse.DroppedFields;
import io.datalake.transforms.parse.FlatRecordMapper;
import io.datalake.transforms.parse.ParseRecords;
import io.datalake.transforms.parse.RecordParser;
import io.datalake.transforms.pii.PiiKeyset;
import io.datalake.transforms.pii.PiiPolicy;
import io.datalake.transforms.schema.LakeTable;
import io.datalake.transforms.warehouse.WarehouseTable;
import io.datalake.transforms.warehouse.WarehouseTables;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.io.LocalInputFile;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The payoff of descriptors: a kind of record the project does not ship, declared in this one file
 * (descriptor and schema) and handed to the graph with {@code RecordKinds.builtIn().with(...)},
 * needs no edit anywhere else. Its records become rows of its lake table, a bad one a dead letter
 * of its kind, and the warehouse derives its table and views from the declaration.
 */
public class MeterReadingsKindTest {
  @Rule public final transient TestPipeline pipeline = TestPipeline.create();
  @Rule public final transient TemporaryFolder temp = new TemporaryFolder();

  // ---- the kind: its schema and its descriptor --------------------------------------------

  /** Meter readings: one row each, never changed. */
  static final LakeTable READINGS =
      LakeTable.named("meter_readings")
          .columns(
              str("reading_id"),
              str("org_id"),
              str("meter_id"),
              ts("read_at"),
              f64("kwh"),
              json("details"))
          .tenant("org_id")
          .eventTime("read_at")
          .key("org_id", "meter_id", "reading_id")
          .immutable()
          .primary()
          .build();

  static final RecordKind METER_READINGS =
      RecordKind.named("meter-readings")
          .tenantField("org_id")
          .eventTimeField("read_at")
          .recordIdField("reading_id")
          .mapper(FlatRecordMapper::new)
          .tables(READINGS)
          .piiPaths("details.**.email")
          .droppedFields("firmware_dump")
          .build();

  // ---- the tests -------------------------------------------------------------------------------

  private static final RecordKinds KINDS = RecordKinds.builtIn().with(METER_READINGS);

  private static final String GOOD =
      "{\"reading_id\":\"r-1\",\"org_id\":\"739224\",\"meter_id\":\"m-7\","
          + "\"read_at\":\"2025-03-01T10:15:00Z\",\"kwh\":12.5,"
          + "\"details\":\"{\\\"email\\\":\\\"owner@example.com\\\"}\","
          + "\"firmware_dump\":\"AAAA\",\"site\":\"north\"}";

  private static final String NO_TIME =
      "{\"reading_id\":\"r-2\",\"org_id\":\"739224\",\"meter_id\":\"m-7\"}";

  private static SourceRecord record(String position, String json) {
    return SourceRecord.of(METER_READINGS, position, json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  public void itsRecordsBecomeRowsOfItsTableAndABadOneADeadLetterOfItsKind() throws IOException {
    Path lake = temp.newFolder("lake").toPath();
    PCollectionTuple out =
        pipeline
            .apply(
                Create.of(record("meters.jsonl:1", GOOD), record("meters.jsonl:2", NO_TIME))
                    .withCoder(SourceRecord.Coder.of(KINDS)))
            .apply(
                DatalakeGraph.of(
                        PiiKeyset.development(), PiiPolicy.defaults(KINDS), lake + "/", "r1")
                    .withKinds(KINDS)
                    .withDroppedFields(DroppedFields.defaults(KINDS)));

    PAssert.that(out.get(ParseRecords.ROWS))
        .satisfies(
            rows -> {
              List<LakeRow> all = StreamSupport.stream(rows.spliterator(), false).toList();
              assertThat(all.size(), equalTo(1));
              LakeRow row = all.get(0);
              assertThat(row.table(), equalTo("meter_readings"));
              assertThat(row.tenant(), equalTo("739224"));
              GenericRecord r = row.record();
              assertThat(r.get("kwh"), equalTo(12.5));
              assertThat("PII encrypted", r.get("details").toString(), containsString("pii:"));
              assertThat(r.get("details").toString(), not(containsString("owner@")));
              assertThat(
                  "undeclared field kept", r.get("_extra").toString(), containsString("site"));
              assertThat(
                  "default dropped field gone",
                  r.get("_extra").toString(),
                  not(containsString("firmware_dump")));
              return null;
            });
    PAssert.that(out.get(ParseRecords.DEAD_LETTERS))
        .satisfies(
            letters -> {
              List<DeadLetter> all = StreamSupport.stream(letters.spliterator(), false).toList();
              assertThat(all.size(), equalTo(1));
              DeadLetter letter = all.get(0);
              assertThat(letter.kind, equalTo("meter-readings"));
              assertThat(letter.step, equalTo("parse"));
              assertThat(letter.error, equalTo("missing read_at"));
              assertThat(letter.source, equalTo("meters.jsonl:2"));
              return null;
            });
    pipeline.run().waitUntilFinish();

    List<String> ids = new ArrayList<>();
    for (Path file : files(lake.resolve("meter_readings"), ".parquet")) {
      assertThat(
          lake.relativize(file).toString(),
          startsWith("meter_readings/org_id=739224/year=2025/month=03/day=01/part-r1"));
      try (ParquetReader<GenericRecord> reader =
          AvroParquetReader.<GenericRecord>builder(new LocalInputFile(file)).build()) {
        for (GenericRecord r = reader.read(); r != null; r = reader.read()) {
          ids.add(r.get("reading_id") + " " + r.get("meter_id"));
        }
      }
    }
    assertThat(ids, equalTo(List.of("r-1 m-7")));
    List<Path> letters = files(lake.resolve("_dead_letters").resolve("meter-readings"), ".jsonl");
    assertThat(letters.size(), equalTo(1));
    assertThat(Files.readString(letters.get(0)), containsString("\"missing read_at\""));
  }

  /**
   * Its mapper requires only the record id, tenant and event time; the rest of the key (meter_id)
   * is held by the parser for every table: a reading without it, or with it blank, is one dead
   * letter, not a lake row that the warehouse then refuses (or, blank, merges with others).
   */
  @Test
  public void aReadingWithoutEveryIdOfItsKeyIsADeadLetter() throws Exception {
    RecordParser parser = Fixtures.recordParser(KINDS);
    for (String meter : List.of("", ",\"meter_id\":null", ",\"meter_id\":\"  \"")) {
      String json =
          "{\"reading_id\":\"r-3\",\"org_id\":\"739224\",\"read_at\":\"2025-03-01T10:15:00Z\""
              + meter
              + "}";
      RecordRejectedException e =
          assertThrows(
              RecordRejectedException.class,
              () -> parser.parse(METER_READINGS, json.getBytes(StandardCharsets.UTF_8)));
      assertThat(json, e.step(), equalTo("parse"));
      assertThat(
          json, e.getMessage(), equalTo("meter_readings.meter_id (part of the key) has no value"));
      assertThat("the tenant is known", e.tenant(), equalTo("739224"));
    }
    String good = GOOD.replace("\"m-7\"", "\" m-8 \"");
    assertThat(
        parser.parse(METER_READINGS, good.getBytes(StandardCharsets.UTF_8)).rows().size(),
        equalTo(1));
  }

  @Test
  public void theWarehouseDerivesItsTableAndViewsFromTheDeclaration() {
    List<WarehouseTable> tables =
        WarehouseTables.of(KINDS).stream()
            .filter(t -> t.source().equals("meter_readings"))
            .toList();
    assertThat(tables.size(), equalTo(1));
    WarehouseTable table = tables.get(0);
    assertThat(
        table.createStatement("lake"),
        equalTo(
            "CREATE TABLE IF NOT EXISTS `lake`.`meter_readings` (\n"
                + "  `reading_id` String,\n"
                + "  `org_id` String,\n"
                + "  `meter_id` String,\n"
                + "  `read_at` DateTime,\n"
                + "  `kwh` Nullable(Float64),\n"
                + "  `details` Nullable(String),\n"
                + "  `_extra` Nullable(String),\n"
                + "  `late` UInt8,\n"
                + "  `_version` UInt64,\n"
                + "  `_load_id` String,\n"
                + "  `_inserted_at` DateTime MATERIALIZED now()\n"
                + ") ENGINE = ReplacingMergeTree(_version)\n"
                // Immutable: a reading's event time never changes, so monthly partitions are safe.
                + "PARTITION BY toYYYYMM(`read_at`)\n"
                + "ORDER BY (`org_id`, `meter_id`, `reading_id`)"));
    assertThat(
        table.createViewStatement("lake", "739224"),
        equalTo(
            "CREATE VIEW IF NOT EXISTS `lake`.`739224_meter_readings_final` AS SELECT * FROM"
                + " `lake`.`meter_readings` FINAL WHERE org_id = '739224'"));
    assertThat(
        "the built-in tables are unchanged by the new kind",
        WarehouseTables.of(KINDS).size(),
        equalTo(WarehouseTables.all().size() + 1));
    assertThat(
        "the warehouse IO writes (and prepares) the new kind's table too",
        io.datalake.transforms.warehouse.ClickHouseWarehouseIO.write()
            .withKinds(KINDS)
            .tables()
            .stream()
            .map(t -> t.name())
            .toList(),
        org.hamcrest.Matchers.hasItem("meter_readings"));
  }

  private static List<Path> files(Path dir, String suffix) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.filter(p -> p.getFileName().toString().endsWith(suffix))
          .filter(p -> !p.getFileName().toString().startsWith("."))
          .sorted()
          .toList();
    }
  }
}
