package io.datalake.transforms.snapshot;

import io.datalake.transforms.kinds.EntityOperations;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.model.LakeRow;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.YearMonth;
import java.util.Objects;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * The monthly roll-up over a bounded input (batch): given {@code entity_operations} rows (and
 * optionally earlier snapshot rows, which seed the state as the operation they hold), emits the
 * snapshot row of every entity active at the start of each month of a range. Other rows are
 * ignored. The rule and the per-entity fold are those of the streaming step ({@link MonthlyState}),
 * so a batch gives the rows a stream over the same input writes for those months.
 *
 * <p>{@link #overInput()}: the months from the one after the input's first operation through the
 * month of its newest operation (of any tenant), as {@code --snapshots=true} writes. {@link
 * #months}: a fixed range; operations before it still count.
 */
public class SnapshotEntities extends PTransform<PCollection<LakeRow>, PCollection<LakeRow>> {
  private final YearMonth from;
  private final YearMonth to;
  private final RecordKinds kinds;

  /** The months after the input's first operation through its newest operation's month. */
  public static SnapshotEntities overInput() {
    return new SnapshotEntities(null, null, RecordKinds.builtIn());
  }

  /** The months {@code from} through {@code to} (both included). */
  public static SnapshotEntities months(YearMonth from, YearMonth to) {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    if (to.isBefore(from)) {
      throw new IllegalArgumentException(
          "month range ends (" + to + ") before it starts (" + from + ")");
    }
    return new SnapshotEntities(from, to, RecordKinds.builtIn());
  }

  private SnapshotEntities(YearMonth from, YearMonth to, RecordKinds kinds) {
    this.from = from;
    this.to = to;
    this.kinds = kinds;
  }

  /** The kinds whose row coder the output uses (built-in unless set). */
  public SnapshotEntities withKinds(RecordKinds value) {
    return new SnapshotEntities(from, to, Objects.requireNonNull(value, "kinds"));
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .addIfNotNull(
            DisplayData.item("from", from == null ? null : from.toString())
                .withLabel("First month"))
        .addIfNotNull(
            DisplayData.item("to", to == null ? null : to.toString()).withLabel("Last month"));
  }

  @Override
  public PCollection<LakeRow> expand(PCollection<LakeRow> rows) {
    PCollection<LakeRow> operations =
        rows.apply(
            "EntityOperationRows",
            Filter.by(row -> row.table().equals(EntityOperations.OPERATIONS.name())));
    PCollectionView<KV<Integer, Integer>> range;
    if (from != null) {
      range =
          rows.getPipeline()
              .apply("MonthRange", Create.of(KV.of(Months.index(from), Months.index(to))))
              .apply("MonthRangeView", View.asSingleton());
    } else {
      range =
          operations
              .apply(
                  "OperationMonths",
                  MapElements.into(TypeDescriptors.longs())
                      .via((LakeRow row) -> (long) Months.ofMicros(row.eventTimeMicros())))
              .apply("FirstAndLastMonth", Combine.globally(new MonthRangeFn()))
              .apply("MonthRangeView", View.asSingleton());
    }
    return operations
        .apply("KeyByEntity", ParDo.of(new KeyByEntity()))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), ByteArrayCoder.of()))
        .apply("LatestPerMonth", Combine.perKey(new FoldFn()))
        .apply("SnapshotRows", ParDo.of(new EmitFn(range)).withSideInputs(range))
        .setCoder(LakeRow.Coder.of(kinds));
  }

  /** First and last month of the operations as (first + 1, last): the range to write. */
  static class MonthRangeFn extends Combine.CombineFn<Long, long[], KV<Integer, Integer>> {
    @Override
    public long[] createAccumulator() {
      return new long[] {Long.MAX_VALUE, Long.MIN_VALUE};
    }

    @Override
    public long[] addInput(long[] acc, Long month) {
      acc[0] = Math.min(acc[0], month);
      acc[1] = Math.max(acc[1], month);
      return acc;
    }

    @Override
    public long[] mergeAccumulators(Iterable<long[]> accs) {
      long[] merged = createAccumulator();
      for (long[] a : accs) {
        merged[0] = Math.min(merged[0], a[0]);
        merged[1] = Math.max(merged[1], a[1]);
      }
      return merged;
    }

    @Override
    public KV<Integer, Integer> extractOutput(long[] acc) {
      if (acc[0] > acc[1]) {
        return KV.of(1, 0); // no operation: an empty range
      }
      return KV.of((int) acc[0] + 1, (int) acc[1]);
    }

    @Override
    public Coder<long[]> getAccumulatorCoder(CoderRegistry registry, Coder<Long> input) {
      return new LongPairCoder();
    }
  }

  /** Two longs, for {@link MonthRangeFn}'s accumulator. */
  static class LongPairCoder extends AtomicCoder<long[]> {
    @Override
    public void encode(long[] value, OutputStream out) throws IOException {
      VarLongCoder.of().encode(value[0], out);
      VarLongCoder.of().encode(value[1], out);
    }

    @Override
    public long[] decode(InputStream in) throws IOException {
      return new long[] {VarLongCoder.of().decode(in), VarLongCoder.of().decode(in)};
    }
  }

  /** Folds an entity's operations into its {@link MonthlyState}, kept as bytes between steps. */
  static class FoldFn extends Combine.CombineFn<byte[], byte[], byte[]> {
    @Override
    public byte[] createAccumulator() {
      return new byte[0];
    }

    @Override
    public byte[] addInput(byte[] acc, byte[] op) {
      return MonthlyState.fromBytes(acc).add(EntityState.fromBytes(op)).toBytes();
    }

    @Override
    public byte[] mergeAccumulators(Iterable<byte[]> accs) {
      MonthlyState merged = new MonthlyState();
      for (byte[] a : accs) {
        merged.merge(MonthlyState.fromBytes(a));
      }
      return merged.toBytes();
    }

    @Override
    public byte[] extractOutput(byte[] acc) {
      return acc;
    }

    @Override
    public Coder<byte[]> getAccumulatorCoder(CoderRegistry registry, Coder<byte[]> input) {
      return ByteArrayCoder.of();
    }
  }

  /** Walks each entity's months up to the range's end, writing the snapshots inside the range. */
  static class EmitFn extends DoFn<KV<String, byte[]>, LakeRow> {
    private final PCollectionView<KV<Integer, Integer>> range;

    EmitFn(PCollectionView<KV<Integer, Integer>> range) {
      this.range = range;
    }

    @ProcessElement
    public void process(ProcessContext c) {
      KV<Integer, Integer> months = c.sideInput(range);
      String tenant = SnapshotRows.tenantOf(c.element().getKey());
      String entity = SnapshotRows.entityOf(c.element().getKey());
      MonthlyState state = MonthlyState.fromBytes(c.element().getValue());
      while (!state.isEmpty() && state.nextMonth() <= months.getValue()) {
        int month = state.nextMonth();
        EntityState snapshot = state.emitAndAdvance();
        if (snapshot != null && month >= months.getKey()) {
          c.output(SnapshotRows.of(tenant, entity, Months.of(month), snapshot));
        }
        if (state.isGone()) {
          break;
        }
      }
    }
  }
}
