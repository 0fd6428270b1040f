package io.datalake.transforms.snapshot;

import io.datalake.transforms.kinds.EntityOperations;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.model.LakeRow;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.state.MapState;
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
 * The monthly roll-up of a stream: a stateful step that keeps each entity's {@link MonthlyState} as
 * compact bytes, and writes the entity's snapshot for a month when the watermark passes the month's
 * start plus the allowed lateness (if it was active at the month's start); operations late within
 * the lateness are therefore included. An entity that has ended leaves state after its last
 * snapshot. Operations later than the lateness still update the state, for the following months.
 *
 * <p>Entities are spread over {@link #SHARDS} shards (by a hash of tenant and entity), and the
 * state is keyed by shard: a map of entity to its monthly state, a map of the operations that
 * arrived since the shard's last month start, and one event-time timer per shard at the earliest
 * month due among its entities. An operation is only appended (no read of the entity's state, a
 * blind write in RocksDB); when the timer fires, the shard folds its new operations into the states
 * and writes the due snapshots in one pass over each map, which RocksDB reads in order instead of
 * one random read per entity. A shard whose waiting operations pass twice its entities (entities
 * changed again and again within a month) folds them in at once, writing nothing: what waits stays
 * in proportion to the entities. Measured with one timer and one state value per entity, a month
 * start on RocksDB emitted about 560 rows/s, each a random read of a 1-4 KB value, and the input
 * stalled meanwhile ({@code ./datalake bench --only snapshots}, see the benchmark's diary). Folding
 * an operation when the timer fires instead of when it arrives gives the same state: the timer
 * fires after every operation that arrived before it, and {@link MonthlyState#add} does not depend
 * on their order.
 *
 * <p>A month is written only once the wall clock has reached it: when the watermark jumps to the
 * end of time (the input ended), the timers stop at the current month instead of looping on.
 *
 * <p>Snapshot rows leave with the timer's timestamp (the month's start plus the lateness), not
 * their event time: holding the watermark at the month's start until the timer fires would hold
 * every downstream window back by the lateness. Their partition comes from their event time.
 *
 * <p>The state's layout changed with the shards (it was one value and one timer per entity): a
 * streaming job with {@code --snapshots} cannot resume from a checkpoint of the earlier layout.
 */
public class StreamEntitySnapshots extends PTransform<PCollection<LakeRow>, PCollection<LakeRow>> {
  /**
   * Shards the entities are spread over: the timers per month, and the parallelism the step can
   * use. At a million entities a shard holds about a thousand, which one timer writes in a batch.
   */
  static final int SHARDS = 1024;

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
    builder.add(DisplayData.item("shards", SHARDS).withLabel("Entity shards"));
  }

  @Override
  public PCollection<LakeRow> expand(PCollection<LakeRow> rows) {
    return rows.apply(
            "EntityOperationRows",
            Filter.by(row -> row.table().equals(EntityOperations.OPERATIONS.name())))
        .apply("KeyByEntity", ParDo.of(new KeyByEntity()))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), ByteArrayCoder.of()))
        .apply("ShardByEntity", ParDo.of(new ShardFn()))
        .setCoder(
            KvCoder.of(VarIntCoder.of(), KvCoder.of(StringUtf8Coder.of(), ByteArrayCoder.of())))
        // One state per shard for the whole stream, whatever windows the input came in.
        .apply("GlobalWindow", Window.<KV<Integer, KV<String, byte[]>>>into(new GlobalWindows()))
        .apply("LatestStatePerMonth", ParDo.of(new SnapshotFn(allowedLateness)))
        .setCoder(LakeRow.Coder.of(kinds));
  }

  /** The shard of an entity's key (String's hash is the same in every JVM). */
  static int shardOf(String entityKey) {
    return Math.floorMod(entityKey.hashCode(), SHARDS);
  }

  /** Keys each operation by its entity's shard. */
  static class ShardFn extends DoFn<KV<String, byte[]>, KV<Integer, KV<String, byte[]>>> {
    @ProcessElement
    public void process(
        @Element KV<String, byte[]> op, OutputReceiver<KV<Integer, KV<String, byte[]>>> out) {
      out.output(KV.of(shardOf(op.getKey()), op));
    }
  }

  /** Keeps the monthly states of a shard's entities and writes their snapshots as months end. */
  static class SnapshotFn extends DoFn<KV<Integer, KV<String, byte[]>>, LakeRow> {
    private final Duration allowedLateness;

    /** Entity key (tenant and entity) to its {@link MonthlyState} bytes. */
    @StateId("entities")
    private final StateSpec<MapState<String, byte[]>> entitiesSpec =
        StateSpecs.map(StringUtf8Coder.of(), ByteArrayCoder.of());

    /**
     * Operations not folded into {@code entities} yet, under entity key, a separator and a sequence
     * number: appended as they arrive, folded and cleared when the timer fires.
     */
    @StateId("ops")
    private final StateSpec<MapState<String, byte[]>> opsSpec =
        StateSpecs.map(StringUtf8Coder.of(), ByteArrayCoder.of());

    /**
     * The operations waiting in {@code ops} at which they are folded in before the month's end:
     * twice the shard's entities at the last fold, at least {@link #MIN_FOLD}.
     */
    @StateId("foldAt")
    private final StateSpec<ValueState<Long>> foldAtSpec = StateSpecs.value(VarLongCoder.of());

    /** The sequence number of the shard's next operation. */
    @StateId("seq")
    private final StateSpec<ValueState<Long>> seqSpec = StateSpecs.value(VarLongCoder.of());

    /** The month (index, {@link Months}) the timer is set for; none when no timer is set. */
    @StateId("due")
    private final StateSpec<ValueState<Integer>> dueSpec = StateSpecs.value(VarIntCoder.of());

    @TimerId("month")
    private final TimerSpec monthSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    SnapshotFn(Duration allowedLateness) {
      this.allowedLateness = allowedLateness;
    }

    @ProcessElement
    public void process(
        @Element KV<Integer, KV<String, byte[]>> element,
        @StateId("entities") MapState<String, byte[]> entities,
        @StateId("ops") MapState<String, byte[]> ops,
        @StateId("seq") ValueState<Long> seq,
        @StateId("foldAt") ValueState<Long> foldAt,
        @StateId("due") ValueState<Integer> due,
        @TimerId("month") Timer month) {
      // KeyByEntity passes only operations that change an entity's state.
      KV<String, byte[]> op = element.getValue();
      Long next = seq.read();
      long n = next == null ? 0L : next;
      seq.write(n + 1);
      ops.put(op.getKey() + OP_SEPARATOR + n, op.getValue());
      // The earliest month this operation can make due: the one after it, for an entity that has
      // written no snapshot yet. For one that has, the month due does not move, and a timer set
      // earlier than needed only folds the operations in without writing anything.
      int monthAfter = Months.ofMicros(EntityState.timeMicrosOf(op.getValue())) + 1;
      Integer set = due.read();
      if (set == null || monthAfter < set) {
        month.set(fireAt(monthAfter));
        due.write(monthAfter);
      }
      Long limit = foldAt.read();
      if (n + 1 >= (limit == null ? MIN_FOLD : limit)) {
        // Many operations since the month started (entities changed again and again): fold them
        // in now, so that what waits stays in proportion to the entities (a state keeps only the
        // latest operation of each month). No month is due before the timer: nothing is written.
        fold(
            row -> {
              throw new IllegalStateException("a fold between month starts wrote a snapshot");
            },
            entities,
            ops,
            seq,
            foldAt,
            Integer.MIN_VALUE);
      }
    }

    @OnTimer("month")
    public void onMonth(
        OnTimerContext c,
        @StateId("entities") MapState<String, byte[]> entities,
        @StateId("ops") MapState<String, byte[]> ops,
        @StateId("seq") ValueState<Long> seq,
        @StateId("foldAt") ValueState<Long> foldAt,
        @StateId("due") ValueState<Integer> due,
        @TimerId("month") Timer month) {
      Integer firing = due.read();
      if (firing == null) {
        return;
      }
      if (Months.startMicros(firing) > System.currentTimeMillis() * 1000L) {
        // The watermark passed a month the clock has not reached: the input ended (a bounded
        // stream, a drain). Writing on would loop through every month to the end of time; the
        // state stays as it is, and no month that has not begun gets a snapshot.
        due.clear();
        return;
      }
      int next = fold(c::output, entities, ops, seq, foldAt, firing);
      if (next == Integer.MAX_VALUE) {
        due.clear();
      } else {
        month.set(fireAt(next));
        due.write(next);
      }
    }

    /**
     * Folds the shard's new operations into its entities' states and writes the snapshots of every
     * month due through {@code firing}: one pass over each map. Returns the month due next in the
     * shard ({@link Integer#MAX_VALUE}: none, every entity is gone).
     */
    private static int fold(
        Consumer<LakeRow> out,
        MapState<String, byte[]> entities,
        MapState<String, byte[]> ops,
        ValueState<Long> seq,
        ValueState<Long> foldAt,
        int firing) {
      // The operations since the last fold, by entity.
      Map<String, List<byte[]>> arrived = new HashMap<>();
      for (Map.Entry<String, byte[]> e : ops.entries().read()) {
        String key = e.getKey();
        arrived
            .computeIfAbsent(
                key.substring(0, key.lastIndexOf(OP_SEPARATOR)), k -> new ArrayList<>(2))
            .add(e.getValue());
      }
      // Every entity with state, then those seen for the first time.
      Map<String, byte[]> changed = new HashMap<>();
      List<String> gone = new ArrayList<>();
      int next = Integer.MAX_VALUE;
      long kept = 0;
      for (Map.Entry<String, byte[]> e : entities.entries().read()) {
        List<byte[]> newOps = arrived.remove(e.getKey());
        int due = advance(out, e.getKey(), e.getValue(), newOps, firing, changed, gone);
        kept += due == Integer.MAX_VALUE ? 0 : 1;
        next = Math.min(next, due);
      }
      for (Map.Entry<String, List<byte[]>> e : arrived.entrySet()) {
        int due = advance(out, e.getKey(), null, e.getValue(), firing, changed, gone);
        kept += due == Integer.MAX_VALUE ? 0 : 1;
        next = Math.min(next, due);
      }
      for (Map.Entry<String, byte[]> e : changed.entrySet()) {
        entities.put(e.getKey(), e.getValue());
      }
      for (String key : gone) {
        entities.remove(key);
      }
      ops.clear();
      seq.clear();
      foldAt.write(Math.max(MIN_FOLD, 2 * kept));
      return next;
    }

    /**
     * Folds an entity's new operations into its state, writes its snapshots of every month due
     * through {@code firing}, and records what to keep ({@code changed}) or let go ({@code gone}).
     * Returns the month due next for the entity, or {@link Integer#MAX_VALUE} when it is gone.
     */
    private static int advance(
        Consumer<LakeRow> out,
        String key,
        byte[] stateBytes,
        List<byte[]> newOps,
        int firing,
        Map<String, byte[]> changed,
        List<String> gone) {
      MonthlyState state = MonthlyState.fromBytes(stateBytes);
      boolean modified = newOps != null;
      if (newOps != null) {
        for (byte[] op : newOps) {
          state.add(EntityState.fromBytes(op));
        }
      }
      boolean ended = false;
      while (!state.isEmpty() && state.nextMonth() <= firing) {
        int due = state.nextMonth();
        EntityState snapshot = state.emitAndAdvance();
        modified = true;
        if (snapshot != null) {
          out.accept(
              SnapshotRows.of(
                  SnapshotRows.tenantOf(key),
                  SnapshotRows.entityOf(key),
                  Months.of(due),
                  snapshot));
        }
        // Let go only after a month was written: an ended entity whose month is not due yet keeps
        // its end, which an earlier operation arriving late must not undo.
        ended = state.isGone();
        if (ended) {
          break;
        }
      }
      if (ended || state.isEmpty()) {
        if (stateBytes != null) {
          gone.add(key);
        }
        return Integer.MAX_VALUE;
      }
      if (modified) {
        changed.put(key, state.toBytes());
      }
      return state.nextMonth();
    }

    private Instant fireAt(int monthIndex) {
      return new Instant(Months.startMicros(monthIndex) / 1000L).plus(allowedLateness);
    }
  }

  /** Operations a shard lets wait before it folds them in, at least. */
  static final long MIN_FOLD = 1024;

  /** Between an entity key and an operation's sequence number (tenant and entity hold no NUL). */
  private static final String OP_SEPARATOR = "\u0000#";
}
