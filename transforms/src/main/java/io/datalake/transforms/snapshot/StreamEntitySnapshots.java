package io.datalake.transforms.snapshot;

import io.datalake.transforms.kinds.EntityOperations;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.model.LakeRow;
import java.util.Objects;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * The monthly roll-up of a stream: a stateful step keyed by tenant and entity that keeps each
 * entity's {@link MonthlyState} as compact bytes (one value per entity, so a RocksDB backend reads
 * and writes one blob per operation), and an event-time timer at the start of the month due plus
 * the allowed lateness. When the watermark passes it, the entity's snapshot for that month is
 * written (if it was active at the month's start) and the next month's timer set; operations late
 * within the lateness are therefore included. An entity that has ended leaves state after its last
 * snapshot. Operations later than the lateness still update the state, for the following months.
 *
 * <p>A month is written only once the wall clock has reached it: when the watermark jumps to the
 * end of time (the input ended), the timers stop at the current month instead of looping on.
 *
 * <p>Snapshot rows leave with the timer's timestamp (the month's start plus the lateness), not
 * their event time: holding the watermark at the month's start until the timer fires would hold
 * every downstream window back by the lateness. Their partition comes from their event time.
 */
public class StreamEntitySnapshots extends PTransform<PCollection<LakeRow>, PCollection<LakeRow>> {
  private final Duration allowedLateness;
  private final RecordKinds kinds;

  /** Snapshots written when the watermark passes a month's start plus {@code allowedLateness}. */
  public static StreamEntitySnapshots withAllowedLateness(Duration allowedLateness) {
    return new StreamEntitySnapshots(
        Objects.requireNonNull(allowedLateness, "allowedLateness"), RecordKinds.builtIn());
  }

  private StreamEntitySnapshots(Duration allowedLateness, RecordKinds kinds) {
    this.allowedLateness = allowedLateness;
    this.kinds = kinds;
  }

  /** The kinds whose row coder the output uses (built-in unless set). */
  public StreamEntitySnapshots withKinds(RecordKinds value) {
    return new StreamEntitySnapshots(allowedLateness, Objects.requireNonNull(value, "kinds"));
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder.add(DisplayData.item("allowedLateness", allowedLateness).withLabel("Allowed lateness"));
  }

  @Override
  public PCollection<LakeRow> expand(PCollection<LakeRow> rows) {
    return rows.apply(
            "EntityOperationRows",
            Filter.by(row -> row.table().equals(EntityOperations.OPERATIONS.name())))
        .apply("KeyByEntity", ParDo.of(new KeyByEntity()))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), ByteArrayCoder.of()))
        // One state per entity for the whole stream, whatever windows the input came in.
        .apply("GlobalWindow", Window.<KV<String, byte[]>>into(new GlobalWindows()))
        .apply("LatestStatePerMonth", ParDo.of(new SnapshotFn(allowedLateness)))
        .setCoder(LakeRow.Coder.of(kinds));
  }

  /** Keeps each entity's monthly state and writes its snapshots as months end. */
  static class SnapshotFn extends DoFn<KV<String, byte[]>, LakeRow> {
    private final Duration allowedLateness;

    @StateId("entity")
    private final StateSpec<ValueState<byte[]>> entitySpec = StateSpecs.value(ByteArrayCoder.of());

    @TimerId("month")
    private final TimerSpec monthSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    SnapshotFn(Duration allowedLateness) {
      this.allowedLateness = allowedLateness;
    }

    @ProcessElement
    public void process(
        @Element KV<String, byte[]> op,
        @StateId("entity") ValueState<byte[]> entity,
        @TimerId("month") Timer month) {
      MonthlyState state = MonthlyState.fromBytes(entity.read());
      boolean wasEmpty = state.isEmpty();
      int due = state.nextMonth();
      state.add(EntityState.fromBytes(op.getValue()));
      entity.write(state.toBytes());
      if (wasEmpty || state.nextMonth() != due) {
        month.set(fireAt(state.nextMonth()));
      }
    }

    @OnTimer("month")
    public void onMonth(
        OnTimerContext c,
        @Key String key,
        @StateId("entity") ValueState<byte[]> entity,
        @TimerId("month") Timer month) {
      MonthlyState state = MonthlyState.fromBytes(entity.read());
      if (state.isEmpty()) {
        return;
      }
      int due = state.nextMonth();
      if (Months.startMicros(due) > System.currentTimeMillis() * 1000L) {
        // The watermark passed a month the clock has not reached: the input ended (a bounded
        // stream, a drain). Writing on would loop through every month to the end of time; the
        // state stays as it is, and no month that has not begun gets a snapshot.
        return;
      }
      EntityState snapshot = state.emitAndAdvance();
      if (snapshot != null) {
        c.output(
            SnapshotRows.of(
                SnapshotRows.tenantOf(key), SnapshotRows.entityOf(key), Months.of(due), snapshot));
      }
      if (state.isGone()) {
        entity.clear();
      } else {
        entity.write(state.toBytes());
        month.set(fireAt(state.nextMonth()));
      }
    }

    private Instant fireAt(int monthIndex) {
      return new Instant(Months.startMicros(monthIndex) / 1000L).plus(allowedLateness);
    }
  }
}
