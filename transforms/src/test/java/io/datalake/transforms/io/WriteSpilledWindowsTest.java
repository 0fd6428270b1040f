package io.datalake.transforms.io;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertThrows;

import io.datalake.transforms.model.LakeRow;
import io.datalake.transforms.schema.AvroSchemas;
import io.datalake.transforms.schema.LakeTables;
import io.datalake.transforms.stream.EventTimeWindowing;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.io.LocalInputFile;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * A stream's windows written from spill files: every row once, in the pane it arrived for (on time,
 * late, at the window's expiry), under the names {@code FileIO} gives panes, and no spill file left
 * once every pane that read it is written.
 */
public class WriteSpilledWindowsTest {
  @Rule public final transient TestPipeline pipeline = TestPipeline.create();
  @Rule public final transient TemporaryFolder temp = new TemporaryFolder();

  private static final Instant NOON = Instant.parse("2026-03-01T12:00:00Z");

  private static TimestampedValue<LakeRow> operation(String id, String tenant, Instant time) {
    GenericRecord record =
        new GenericData.Record(LakeTables.byName("entity_operations").avroSchema());
    long micros = time.getMillis() * 1000L;
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("id", id);
    values.put("operation", "createEntity");
    values.put("org_id", tenant);
    values.put("timestamp", micros);
    values.put("activity_id", "act-" + id);
    values.put("entity_id", "ent-" + id);
    values.put("schema", "customer");
    values.put("detail", "{}");
    values.put(AvroSchemas.LATE, false);
    values.forEach(record::put);
    return TimestampedValue.of(new LakeRow("entity_operations", tenant, micros, record), time);
  }

  @Test
  public void everyRowLandsOnceInThePaneItCameForAndNoSpillFileIsLeft() throws IOException {
    Path lake = temp.newFolder("lake").toPath();
    TestStream<LakeRow> stream =
        TestStream.create(LakeRow.Coder.of())
            .advanceWatermarkTo(NOON)
            // Three bundles, so three spill files, each holding rows of more than one partition.
            .addElements(operation("a1", "a", NOON.plus(Duration.standardSeconds(10))))
            .addElements(
                operation("a2", "a", NOON.plus(Duration.standardSeconds(20))),
                operation("b1", "b", NOON.plus(Duration.standardSeconds(30))))
            .addElements(
                operation("b2", "b", NOON.plus(Duration.standardSeconds(35))),
                operation("next", "a", NOON.plus(Duration.standardSeconds(70))))
            .advanceWatermarkTo(NOON.plus(Duration.standardSeconds(61)))
            // Late for the first window, within its lateness: a late pane a delay later.
            .addElements(operation("a-late", "a", NOON.plus(Duration.standardSeconds(40))))
            .advanceProcessingTime(Duration.standardMinutes(2))
            // Late again, and the window expires before the late pane's delay has passed.
            .addElements(operation("a-last", "a", NOON.plus(Duration.standardSeconds(50))))
            .advanceWatermarkTo(NOON.plus(Duration.standardMinutes(20)))
            .advanceWatermarkToInfinity();
    pipeline
        .apply(stream)
        .apply(
            EventTimeWindowing.of(Duration.standardMinutes(1))
                .withAllowedLateness(Duration.standardMinutes(10)))
        .apply(WriteLakeTables.to(lake + "/", "r1"));
    pipeline.run().waitUntilFinish();

    Map<String, List<String>> idsByFile = new TreeMap<>();
    Path table = lake.resolve("entity_operations");
    try (Stream<Path> files = Files.walk(table)) {
      for (Path file : files.filter(p -> p.toString().endsWith(".parquet")).toList()) {
        try (ParquetReader<GenericRecord> reader =
            AvroParquetReader.<GenericRecord>builder(new LocalInputFile(file)).build()) {
          List<String> ids = new ArrayList<>();
          for (GenericRecord r = reader.read(); r != null; r = reader.read()) {
            ids.add(r.get("id").toString());
          }
          idsByFile.put(table.relativize(file).toString(), ids);
        }
      }
    }
    String day = "/year=2026/month=03/day=01/part-r1-";
    String first = "2026-03-01T120000.000Z-2026-03-01T120100.000Z";
    String second = "2026-03-01T120100.000Z-2026-03-01T120200.000Z";
    assertThat(
        idsByFile,
        equalTo(
            Map.of(
                "org_id=a" + day + first + "-0-00000-of-00001.parquet", List.of("a1", "a2"),
                "org_id=b" + day + first + "-0-00000-of-00001.parquet", List.of("b1", "b2"),
                "org_id=a" + day + second + "-0-00000-of-00001.parquet", List.of("next"),
                "org_id=a" + day + first + "-1-00000-of-00001.parquet", List.of("a-late"),
                "org_id=a" + day + first + "-2-00000-of-00001.parquet", List.of("a-last"))));
    Path spill = lake.resolve(WriteSpilledWindows.SPILL_ROOT);
    try (Stream<Path> left = Files.walk(spill)) {
      assertThat(
          "every spill file was deleted once all its rows were written",
          left.filter(Files::isRegularFile).map(Path::toString).toList(),
          empty());
    }
  }

  @Test
  public void aSpillFileGivesBackEachSegmentByKeyAndWindow() throws IOException {
    IntervalWindow window = new IntervalWindow(NOON, NOON.plus(Duration.standardMinutes(1)));
    Map<SpillFile.SegmentId, SpillFile.Buffer> buffers = new LinkedHashMap<>();
    for (String key : List.of("t/org_id=a/year=2026/month=03/day=01", "t/org_id=b#1")) {
      SpillFile.Buffer buffer = new SpillFile.Buffer();
      buffer.bytes.write((key + " rows").getBytes(java.nio.charset.StandardCharsets.UTF_8));
      buffer.rows = 2;
      buffers.put(new SpillFile.SegmentId(key, window), buffer);
    }
    ResourceId file =
        FileSystems.matchNewResource(temp.getRoot().toPath().resolve("s.rows").toString(), false);
    SpillFile.Index written = SpillFile.write(file, buffers);
    SpillFile.Index read = SpillFile.readIndex(file);
    assertThat(read, equalTo(written));
    assertThat(read.size(), equalTo(2));
    SpillFile.Segment b = read.segments().get(new SpillFile.SegmentId("t/org_id=b#1", window));
    assertThat(
        new String(readSegment(file, b), java.nio.charset.StandardCharsets.UTF_8),
        equalTo("t/org_id=b#1 rows"));
    assertThat(b.rows(), equalTo(2));
  }

  private static byte[] readSegment(ResourceId file, SpillFile.Segment segment) throws IOException {
    try (java.io.InputStream in = SpillFile.openSegment(file, segment)) {
      return in.readAllBytes();
    }
  }

  @Test
  public void aCutSpillFileIsRefusedNamingTheFile() throws IOException {
    Path path = temp.getRoot().toPath().resolve("cut.rows");
    Files.write(path, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17});
    IOException e =
        assertThrows(
            IOException.class,
            () -> SpillFile.readIndex(FileSystems.matchNewResource(path.toString(), false)));
    assertThat(e.getMessage(), containsString("cut.rows"));
  }

  @Test
  public void aSpillFileThatIsGoneSaysWhyAndWhatToDo() throws IOException {
    String gone = temp.getRoot().toPath().resolve("gone.rows").toString();
    IOException e =
        assertThrows(
            IOException.class, () -> WriteSpilledWindows.SpillAndWritePanesFn.readIndex(gone));
    assertThat(e.getMessage(), containsString("The spill file " + gone + " that"));
    assertThat(e.getMessage(), containsString("start it again without --resume"));

    // A file that is there but unreadable keeps its own reason.
    Path cut = temp.getRoot().toPath().resolve("cut.rows");
    Files.write(cut, new byte[] {1, 2, 3});
    IOException refused =
        assertThrows(
            IOException.class,
            () -> WriteSpilledWindows.SpillAndWritePanesFn.readIndex(cut.toString()));
    assertThat(refused.getMessage(), not(containsString("is gone")));
  }

  @Test
  public void chunkedBytesGiveBackWhatWasWrittenAcrossChunks() throws IOException {
    SpillFile.ChunkedBytes bytes = new SpillFile.ChunkedBytes();
    java.io.ByteArrayOutputStream expected = new java.io.ByteArrayOutputStream();
    java.util.Random random = new java.util.Random(7);
    for (int i = 0; i < 40; i++) {
      byte[] piece = new byte[random.nextInt(SpillFile.ChunkedBytes.CHUNK_BYTES / 3)];
      random.nextBytes(piece);
      bytes.write(piece, 0, piece.length);
      bytes.write(i);
      expected.write(piece);
      expected.write(i);
    }
    java.io.ByteArrayOutputStream actual = new java.io.ByteArrayOutputStream();
    bytes.writeTo(actual);
    assertThat(bytes.size(), equalTo((long) expected.size()));
    assertThat(actual.toByteArray(), equalTo(expected.toByteArray()));
  }
}
