package io.datalake.transforms.snapshot;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;

import io.datalake.transforms.kinds.EntityOperations;
import io.datalake.transforms.model.LakeRow;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.junit.Rule;
import org.junit.Test;

/**
 * The batch roll-up over {@link SnapshotHistory}: each month's snapshot rows exactly, from the
 * month after the first operation through the month of the newest; a fixed range; seeding a month
 * from the previous month's snapshot rows; and the rule and state encoding underneath.
 */
public class SnapshotEntitiesTest {
  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  private PCollection<LakeRow> input(List<LakeRow> rows) {
    return pipeline.apply(Create.of(rows).withCoder(LakeRow.Coder.of()));
  }

  @Test
  public void overTheInputWritesEveryMonthAfterTheFirstOperationThroughTheNewest() {
    PCollection<LakeRow> snapshots =
        input(new ArrayList<>(SnapshotHistory.OPS.values()))
            .apply("Snapshots", SnapshotEntities.overInput());
    PAssert.that(snapshots).containsInAnyOrder(SnapshotHistory.expectedRows());
    pipeline.run().waitUntilFinish();
  }

  @Test
  public void aFixedRangeCountsEarlierOperationsButWritesOnlyItsMonths() {
    PCollection<LakeRow> snapshots =
        input(new ArrayList<>(SnapshotHistory.OPS.values()))
            .apply(
                "Snapshots", SnapshotEntities.months(YearMonth.of(2024, 4), YearMonth.of(2024, 4)));
    PAssert.that(snapshots).containsInAnyOrder(monthOf(YearMonth.of(2024, 4)));
    pipeline.run().waitUntilFinish();
  }

  @Test
  public void aMonthFromThePreviousMonthsSnapshotsAndOperationsEqualsOneFromTheFullHistory() {
    // April from March's snapshot rows plus March's operations, as `datalake snapshot` computes it.
    List<LakeRow> seeded = new ArrayList<>(monthOf(YearMonth.of(2024, 3)));
    for (LakeRow op : SnapshotHistory.OPS.values()) {
      if (Months.ofMicros(op.eventTimeMicros()) == Months.index(YearMonth.of(2024, 3))) {
        seeded.add(op);
      }
    }
    PCollection<LakeRow> snapshots =
        input(seeded)
            .apply(
                "Snapshots", SnapshotEntities.months(YearMonth.of(2024, 4), YearMonth.of(2024, 4)));
    PAssert.that(snapshots).containsInAnyOrder(monthOf(YearMonth.of(2024, 4)));
    pipeline.run().waitUntilFinish();
  }

  @Test
  public void noOperationsNoSnapshots() {
    PCollection<LakeRow> snapshots =
        input(List.of(SnapshotHistory.OPS.get("D02"))).apply(SnapshotEntities.overInput());
    PAssert.that(snapshots).empty();
    pipeline.run().waitUntilFinish();
  }

  @Test
  public void aSnapshotRowHoldsTheLatestStateAtTheFirstInstantOfItsMonth() {
    LakeRow update = SnapshotHistory.OPS.get("A02");
    LakeRow row =
        SnapshotRows.of("739224", "e1", YearMonth.of(2024, 3), EntityState.fromRow(update));
    GenericRecord r = row.record();
    assertEquals("SnapshotOperation", r.get("detail_type"));
    assertEquals("snapshotEntity", r.get("operation"));
    assertEquals(1709251200000000L, r.get("timestamp")); // 2024-03-01T00:00:00Z
    assertEquals(1709251200000000L, row.eventTimeMicros());
    assertEquals(update.record().get("detail"), r.get("detail"));
    assertEquals("opportunity", r.get("schema"));
    assertEquals(
        "{\"snapshot_of\":{\"operation\":\"updateEntity\",\"timestamp_micros\":1707120000000000,"
            + "\"activity_id\":\"A02\",\"id\":\"id-A02\"}}",
        r.get("_extra"));
    // Deterministic, and different per tenant, entity and month.
    assertEquals(SnapshotRows.id("739224", "e1", YearMonth.of(2024, 3)), r.get("id"));
    assertEquals(
        SnapshotRows.of("739224", "e1", YearMonth.of(2024, 3), EntityState.fromRow(update)), row);
    List<String> ids =
        List.of(
            SnapshotRows.id("739224", "e1", YearMonth.of(2024, 3)),
            SnapshotRows.id("739224", "e1", YearMonth.of(2024, 4)),
            SnapshotRows.id("739224", "e2", YearMonth.of(2024, 3)),
            SnapshotRows.id("911000", "e1", YearMonth.of(2024, 3)),
            SnapshotRows.activityId("739224", "e1", YearMonth.of(2024, 3)));
    assertEquals(ids.size(), ids.stream().distinct().count());
    assertEquals(true, SnapshotRows.isSnapshot(row));
    assertEquals(false, SnapshotRows.isSnapshot(update));
    // A snapshot row seeds the state it holds.
    assertEquals(EntityState.fromRow(update), EntityState.fromRow(row));
  }

  @Test
  public void relationsChangeNothingAndAnEndedEntityHasNoSnapshotRow() {
    assertNull(EntityState.fromRow(SnapshotHistory.OPS.get("D02")));
    EntityState delete = EntityState.fromRow(SnapshotHistory.OPS.get("B02"));
    assertThrows(
        IllegalArgumentException.class,
        () -> SnapshotRows.of("739224", "e2", YearMonth.of(2024, 4), delete));
  }

  @Test
  public void theMonthlyStateDoesNotDependOnTheOrderOfOperations() {
    Map<String, List<LakeRow>> byEntity = new TreeMap<>();
    for (LakeRow op : SnapshotHistory.OPS.values()) {
      byEntity
          .computeIfAbsent(op.tenant() + "/" + op.record().get("entity_id"), k -> new ArrayList<>())
          .add(op);
    }
    Random random = new Random(15);
    for (List<LakeRow> ops : byEntity.values()) {
      String first = null;
      for (int i = 0; i < 20; i++) {
        Collections.shuffle(ops, random);
        MonthlyState state = new MonthlyState();
        for (LakeRow op : ops) {
          state = MonthlyState.fromBytes(state.add(EntityState.fromRow(op)).toBytes());
        }
        String bytes = Arrays.toString(state.toBytes());
        if (first == null) {
          first = bytes;
        }
        assertEquals(first, bytes);
      }
    }
  }

  @Test
  public void entityStateBytesRoundTrip() {
    EntityState state = EntityState.fromRow(SnapshotHistory.OPS.get("C03"));
    assertEquals(state, EntityState.fromBytes(state.toBytes()));
    EntityState nulls =
        new EntityState("deleteEntity", -5, null, null, null, null, null, null, null);
    assertEquals(nulls, EntityState.fromBytes(nulls.toBytes()));
    assertEquals(EntityOperations.OPERATIONS.name(), SnapshotHistory.OPS.get("C03").table());
  }

  static List<LakeRow> monthOf(YearMonth month) {
    List<LakeRow> rows = new ArrayList<>();
    for (LakeRow row : SnapshotHistory.expectedRows()) {
      if (Months.ofMicros(row.eventTimeMicros()) == Months.index(month)) {
        rows.add(row);
      }
    }
    return rows;
  }
}
