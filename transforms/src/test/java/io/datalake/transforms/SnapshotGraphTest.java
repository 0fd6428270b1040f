package io.datalake.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.matchesPattern;

import com.fasterxml.jackson.databind.JsonNode;
import io.datalake.transforms.kinds.EntityOperations;
import io.datalake.transforms.model.SourceRecord;
import io.datalake.transforms.pii.PiiKeyset;
import io.datalake.transforms.pii.PiiPolicy;
import io.datalake.transforms.snapshot.Months;
import io.datalake.transforms.snapshot.SnapshotHistory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Create;
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
 * The monthly roll-up through the whole graph ({@code withSnapshots(true)}), from entity operation
 * envelopes to the lake: snapshot rows of {@link SnapshotHistory} in partition {@code day=01} of
 * their tenant and month, in files of their own ({@code part-<runId>-snapshot-...}), their detail
 * the latest state's encrypted detail; the operations' rows unchanged. A batch and a stream over
 * the same operations write the same snapshot rows for February to May.
 */
public class SnapshotGraphTest {
  @Rule public final transient TestPipeline pipeline = TestPipeline.create();
  @Rule public final transient TemporaryFolder temp = new TemporaryFolder();

  private static SourceRecord record(SnapshotHistory.Op op) {
    return Fixtures.record(
        EntityOperations.KIND, "topic/0/" + op.activity(), SnapshotHistory.envelope(op));
  }

  private static DatalakeGraph graph(Path lake) {
    return DatalakeGraph.of(PiiKeyset.development(), PiiPolicy.defaults(), lake + "/", "r1")
        .withSnapshots(true);
  }

  @Test
  public void aBatchWritesEachMonthsSnapshotRowsIntoDay01OfItsTenant() throws IOException {
    Path lake = temp.newFolder("lake").toPath();
    List<SourceRecord> records = new ArrayList<>();
    SnapshotHistory.HISTORY.forEach(op -> records.add(record(op)));
    pipeline.apply(Create.of(records).withCoder(SourceRecord.Coder.of())).apply(graph(lake));
    pipeline.run().waitUntilFinish();
    assertSnapshots(lake, Integer.MAX_VALUE);
  }

  @Test
  public void aStreamWritesTheSameSnapshotRowsAsTheBatch() throws IOException {
    Path lake = temp.newFolder("lake").toPath();
    TestStream.Builder<SourceRecord> stream =
        TestStream.create(SourceRecord.Coder.of())
            .advanceWatermarkTo(Instant.parse("2024-01-01T00:00:00Z"));
    // Month by month, each month's operations before the watermark passes its end (plus the
    // day of lateness): what a stream that keeps up sees.
    for (int month = 1; month <= 5; month++) {
      List<TimestampedValue<SourceRecord>> of = new ArrayList<>();
      for (SnapshotHistory.Op op : SnapshotHistory.HISTORY) {
        if (Integer.parseInt(op.time().substring(5, 7)) == month) {
          of.add(TimestampedValue.of(record(op), Instant.parse(op.time())));
        }
      }
      @SuppressWarnings("unchecked")
      TimestampedValue<SourceRecord>[] rest =
          of.subList(1, of.size()).toArray(new TimestampedValue[0]);
      stream =
          stream
              .addElements(of.get(0), rest)
              .advanceWatermarkTo(
                  Instant.parse(String.format("2024-%02d-01T12:00:00Z", month + 1)));
    }
    pipeline
        .apply(stream.advanceWatermarkToInfinity())
        .apply(
            graph(lake)
                .withEventTimeWindows(
                    Duration.standardMinutes(5),
                    Duration.standardDays(1),
                    Duration.standardSeconds(60)));
    pipeline.run().waitUntilFinish();
    // The input ended: the stream goes on to the current month, the batch ends with May.
    assertSnapshots(lake, Months.index(SnapshotHistory.LAST));
  }

  /** The snapshot rows through month index {@code last}, and the operations' rows. */
  private static void assertSnapshots(Path lake, int last) throws IOException {
    List<String> snapshots = new ArrayList<>();
    List<String> snapshotFiles = new ArrayList<>();
    List<String> operations = new ArrayList<>();
    Map<String, String> detailByActivity = new HashMap<>();
    List<String> snapshotDetails = new ArrayList<>();
    for (Path file : parquetFiles(lake.resolve("entity_operations"))) {
      String relative = lake.relativize(file).toString();
      for (GenericRecord r : read(file)) {
        if (!"snapshotEntity".equals(String.valueOf(r.get("operation")))) {
          operations.add(String.valueOf(r.get("activity_id")));
          detailByActivity.put(
              String.valueOf(r.get("activity_id")), String.valueOf(r.get("detail")));
          continue;
        }
        long micros = (Long) r.get("timestamp");
        if (Months.ofMicros(micros) > last) {
          continue;
        }
        JsonNode of = Fixtures.JSON.readTree(String.valueOf(r.get("_extra"))).get("snapshot_of");
        YearMonth month = Months.of(Months.ofMicros(micros));
        snapshots.add(month + " " + of.get("activity_id").asText());
        snapshotFiles.add(relative);
        snapshotDetails.add(of.get("activity_id").asText() + " " + r.get("detail"));
        assertThat(r.get("detail_type").toString(), equalTo("SnapshotOperation"));
        assertThat(r.get("late"), equalTo(false));
        assertThat(
            relative,
            matchesPattern(
                "entity_operations/org_id="
                    + r.get("org_id")
                    + "/year="
                    + month.getYear()
                    + "/month="
                    + String.format("%02d", month.getMonthValue())
                    + "/day=01/part-r1-snapshot-.*\\.parquet"));
      }
    }
    List<String> expected = new ArrayList<>();
    SnapshotHistory.EXPECTED.forEach(
        (month, activities) -> activities.forEach(a -> expected.add(month + " " + a)));
    assertThat(snapshots, containsInAnyOrder(expected.toArray()));
    assertThat(
        "every operation's row once, none of them a snapshot",
        operations,
        containsInAnyOrder(
            SnapshotHistory.HISTORY.stream().map(SnapshotHistory.Op::activity).toArray()));
    for (String s : snapshotDetails) {
      String activity = s.substring(0, s.indexOf(' '));
      assertThat(
          "a snapshot holds its operation's detail as the lake has it (PII encrypted)",
          s.substring(s.indexOf(' ') + 1),
          equalTo(detailByActivity.get(activity)));
    }
    assertThat(snapshotDetails, everyItem(matchesPattern(".*\"email\":\"pii:.*")));
    assertThat(snapshotFiles.isEmpty(), equalTo(false));
  }

  private static List<Path> parquetFiles(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.filter(p -> p.toString().endsWith(".parquet"))
          .filter(p -> !dir.relativize(p).toString().contains("/."))
          .filter(p -> !dir.relativize(p).toString().startsWith("."))
          .sorted()
          .toList();
    }
  }

  private static List<GenericRecord> read(Path file) throws IOException {
    List<GenericRecord> records = new ArrayList<>();
    try (ParquetReader<GenericRecord> reader =
        AvroParquetReader.<GenericRecord>builder(new LocalInputFile(file)).build()) {
      for (GenericRecord r = reader.read(); r != null; r = reader.read()) {
        records.add(r);
      }
    }
    return records;
  }
}
