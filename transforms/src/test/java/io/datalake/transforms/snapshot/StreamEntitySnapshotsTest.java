package io.datalake.transforms.snapshot;

import io.datalake.transforms.model.LakeRow;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;

/**
 * The streaming roll-up over {@link SnapshotHistory}, its operations arriving out of order and
 * late, with the watermark moving month by month: February to May give exactly the rows the batch
 * roll-up gives ({@link SnapshotEntitiesTest}), which are {@link SnapshotHistory#expectedRows()}.
 *
 * <ul>
 *   <li>e5's update (March) arrives before its create (February), yet March holds the create;
 *   <li>e7's update of 31 March 23:00 arrives after the watermark passed 1 April, within the day of
 *       lateness: April holds it;
 *   <li>e8 is deleted in February; its state is let go after March's timer, and its create of April
 *       starts it again for May.
 * </ul>
 */
public class StreamEntitySnapshotsTest {
  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  private static final Duration LATENESS = Duration.standardDays(1);

  @SuppressWarnings("unchecked")
  private static TimestampedValue<LakeRow>[] at(String... activities) {
    List<TimestampedValue<LakeRow>> values = new ArrayList<>();
    for (LakeRow op : SnapshotHistory.ops(activities)) {
      values.add(TimestampedValue.of(op, new Instant(op.eventTimeMicros() / 1000L)));
    }
    return values.toArray(new TimestampedValue[0]);
  }

  private static TestStream.Builder<LakeRow> add(
      TestStream.Builder<LakeRow> stream, String... activities) {
    TimestampedValue<LakeRow>[] values = at(activities);
    TimestampedValue<LakeRow>[] rest = new TimestampedValue[values.length - 1];
    System.arraycopy(values, 1, rest, 0, rest.length);
    return stream.addElements(values[0], rest);
  }

  @Test
  public void monthByMonthTheStreamWritesTheRowsOfTheBatch() {
    TestStream.Builder<LakeRow> stream =
        TestStream.create(LakeRow.Coder.of())
            .advanceWatermarkTo(Instant.parse("2024-01-01T00:00:00Z"));
    // January and February, and e5's March update before its create.
    stream =
        add(
            stream, "A01", "B01", "C01", "F01", "G01", "E02", "A02", "C02", "D01", "H01", "H02",
            "I01");
    stream = stream.advanceWatermarkTo(Instant.parse("2024-03-01T12:00:00Z"));
    // e5's create arrives late for February's timer but before March's; then March.
    stream = add(stream, "E01", "B02", "C03", "D02", "F03", "F02");
    stream = stream.advanceWatermarkTo(Instant.parse("2024-04-01T12:00:00Z"));
    // e7's update of 31 March, late within the lateness of April's snapshot; e8's new create.
    stream = add(stream, "G02", "H03");
    stream = stream.advanceWatermarkTo(Instant.parse("2024-05-01T12:00:00Z"));
    stream = add(stream, "A03");
    stream = stream.advanceWatermarkTo(Instant.parse("2024-05-20T00:00:00Z"));

    PCollection<LakeRow> snapshots =
        pipeline
            .apply(stream.advanceWatermarkToInfinity())
            .apply("Snapshots", StreamEntitySnapshots.withAllowedLateness(LATENESS))
            .apply("ThroughMay", SnapshotHistory.throughLast());
    PAssert.that(snapshots).containsInAnyOrder(SnapshotHistory.expectedRows());
    pipeline.run().waitUntilFinish();
  }

  @Test
  public void anOperationsTimeIsReadWithoutDecodingItsDetail() {
    for (LakeRow row : SnapshotHistory.ops("A01", "B02", "E01", "G02", "H03")) {
      EntityState op = EntityState.fromRow(row);
      org.junit.Assert.assertEquals(op.timeMicros(), EntityState.timeMicrosOf(op.toBytes()));
    }
    EntityState sparse =
        new EntityState(
            "createEntity", 1_700_000_000_000_000L, null, null, null, null, null, null, null);
    org.junit.Assert.assertEquals(
        1_700_000_000_000_000L, EntityState.timeMicrosOf(sparse.toBytes()));
  }

  /**
   * One entity changed more often within a month than a shard lets operations wait ({@link
   * StreamEntitySnapshots#MIN_FOLD}): they are folded in before the month ends, and the month's
   * snapshot is still the latest of them.
   */
  @Test
  public void anEntityChangedThousandsOfTimesInAMonthGetsItsLatestState() {
    LakeRow create = SnapshotHistory.OPS.get("A01");
    int changes = (int) StreamEntitySnapshots.MIN_FOLD * 3 / 2;
    long start = Instant.parse("2024-01-10T00:00:00Z").getMillis() * 1000L;
    List<TimestampedValue<LakeRow>> ops = new ArrayList<>();
    LakeRow last = null;
    for (int i = 0; i <= changes; i++) {
      org.apache.avro.generic.GenericData.Record r =
          new org.apache.avro.generic.GenericData.Record(
              (org.apache.avro.generic.GenericData.Record) create.record(), true);
      long micros = start + i * 1_000_000L;
      r.put("operation", i == 0 ? "createEntity" : "updateEntity");
      r.put("entity_id", "hot");
      r.put("activity_id", "hot-" + i);
      r.put("id", "id-hot-" + i);
      r.put("timestamp", micros);
      last = new LakeRow(create.table(), create.tenant(), micros, r);
      ops.add(TimestampedValue.of(last, new Instant(micros / 1000L)));
    }
    TestStream.Builder<LakeRow> stream =
        TestStream.create(LakeRow.Coder.of())
            .advanceWatermarkTo(Instant.parse("2024-01-01T00:00:00Z"));
    for (TimestampedValue<LakeRow> op : ops) {
      stream = stream.addElements(op);
    }
    PCollection<LakeRow> snapshots =
        pipeline
            .apply(
                stream
                    .advanceWatermarkTo(Instant.parse("2024-02-10T00:00:00Z"))
                    .advanceWatermarkToInfinity())
            .apply("Snapshots", StreamEntitySnapshots.withAllowedLateness(LATENESS))
            .apply("ThroughMay", SnapshotHistory.throughLast());
    // Active from January on: one row a month, February to May, each the latest change.
    List<LakeRow> expected = new ArrayList<>();
    for (int month = 2; month <= 5; month++) {
      expected.add(
          SnapshotRows.of(
              create.tenant(),
              "hot",
              java.time.YearMonth.of(2024, month),
              EntityState.fromRow(last)));
    }
    PAssert.that(snapshots).containsInAnyOrder(expected);
    pipeline.run().waitUntilFinish();
  }
}
