package io.datalake.transforms.stream;

import com.google.auto.value.AutoValue;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.model.LakeRow;
import io.datalake.transforms.monitor.PipelineMetrics;
import io.datalake.transforms.monitor.ProgressReporter;
import io.datalake.transforms.schema.AvroSchemas;
import java.util.Objects;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.joda.time.Duration;

/**
 * Splits streaming rows into those their event-time window may still take ({@link #ON_TIME}) and
 * those later than its allowed lateness ({@link #TOO_LATE}), which the window's GroupByKey would
 * drop silently. Too-late rows are flagged {@code late = true}, counted, and keep their own event
 * time (their partition comes from it): they are written through {@link LateRowPanes}, which waits
 * for no watermark.
 *
 * <p>A DoFn cannot see the watermark, so a row is judged against an upper bound of it: the clock
 * less the out-of-orderness. {@link EventTimePolicy} never lets a partition's watermark past that
 * (a record dated ahead of the clock cannot move it), and a watermark travels behind the rows read
 * before it, so a row judged on time here is still on time at its window. The bound never depends
 * on the event times seen: one record dated 2099 used to push it to 2099, and every later row of
 * that worker was restamped there and waited for a watermark that never came. Judged by the clock,
 * the rows of a history backlog beyond the allowed lateness leave at once instead of waiting in the
 * current window until the whole backlog is read.
 */
@AutoValue
public abstract class RouteLateRows extends PTransform<PCollection<LakeRow>, PCollectionTuple> {
  /** Rows whose window may still take them, unchanged. */
  public static final TupleTag<LakeRow> ON_TIME = new TupleTag<>() {};

  /** Rows later than their window's allowed lateness, flagged {@code late = true}. */
  public static final TupleTag<LakeRow> TOO_LATE = new TupleTag<>() {};

  /**
   * Every row, the too-late ones flagged: what the warehouse and the freshness records take. One
   * output rather than a Flatten of the other two: Flink chains a step only to a single input, so
   * behind a Flatten every row was encoded and sent through Flink's network stack once per consumer
   * (a tenth of a 4,000 records/s stream's CPU in a JFR profile); chained, a consumer gets the row
   * object itself.
   */
  public static final TupleTag<LakeRow> ALL = new TupleTag<>() {};

  /** How long a window takes late rows unless told otherwise: one day. */
  public static final Duration DEFAULT_ALLOWED_LATENESS =
      EventTimeWindowing.DEFAULT_ALLOWED_LATENESS;

  /** The source's bounded out-of-orderness unless told otherwise: one minute. */
  public static final Duration DEFAULT_MAX_OUT_OF_ORDERNESS = Duration.standardMinutes(1);

  abstract Duration window();

  abstract Duration allowedLateness();

  abstract Duration maxOutOfOrderness();

  abstract int progressSeconds();

  abstract RecordKinds kinds();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setWindow(Duration value);

    abstract Builder setAllowedLateness(Duration value);

    abstract Builder setMaxOutOfOrderness(Duration value);

    abstract Builder setProgressSeconds(int value);

    abstract Builder setKinds(RecordKinds value);

    abstract RouteLateRows build();
  }

  /** Routes rows of a stream whose event-time windows are {@code window} long. */
  public static RouteLateRows of(Duration window) {
    return new AutoValue_RouteLateRows.Builder()
        .setWindow(Objects.requireNonNull(window, "window"))
        .setAllowedLateness(DEFAULT_ALLOWED_LATENESS)
        .setMaxOutOfOrderness(DEFAULT_MAX_OUT_OF_ORDERNESS)
        .setProgressSeconds(0)
        .setKinds(RecordKinds.builtIn())
        .build();
  }

  /** Rows of these kinds' tables; the built-in ones unless set. */
  public RouteLateRows withKinds(RecordKinds value) {
    return toBuilder().setKinds(Objects.requireNonNull(value)).build();
  }

  /** How long a window stays open for late rows (the windowing's allowed lateness). */
  public RouteLateRows withAllowedLateness(Duration value) {
    return toBuilder().setAllowedLateness(Objects.requireNonNull(value)).build();
  }

  /** How far the watermark trails the clock at least (the source's out-of-orderness). */
  public RouteLateRows withMaxOutOfOrderness(Duration value) {
    return toBuilder().setMaxOutOfOrderness(Objects.requireNonNull(value)).build();
  }

  /** Each instance logs its late rows every so many seconds; 0 (the default): never. */
  public RouteLateRows withProgressEvery(int seconds) {
    return toBuilder().setProgressSeconds(seconds).build();
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    EventTimeWindowing.displayWindow(builder, window(), allowedLateness())
        .add(
            DisplayData.item("maxOutOfOrderness", maxOutOfOrderness())
                .withLabel("Max out-of-orderness"))
        .addIfNotDefault(
            DisplayData.item("progressSeconds", progressSeconds())
                .withLabel("Progress line every (s)"),
            0);
  }

  @Override
  public PCollectionTuple expand(PCollection<LakeRow> rows) {
    PCollectionTuple routed =
        rows.apply(
            "RouteByLateness",
            ParDo.of(
                    new RouteFn(
                        window(),
                        allowedLateness(),
                        maxOutOfOrderness(),
                        progressSeconds(),
                        kinds()))
                .withOutputTags(ON_TIME, TupleTagList.of(TOO_LATE).and(ALL)));
    routed.get(ON_TIME).setCoder(LakeRow.Coder.of(kinds()));
    routed.get(TOO_LATE).setCoder(LakeRow.Coder.of(kinds()));
    routed.get(ALL).setCoder(LakeRow.Coder.of(kinds()));
    return routed;
  }

  /** Whether a row of this event time is past its window's allowed lateness at this clock. */
  static boolean tooLate(
      long eventMillis,
      long clockMillis,
      Duration window,
      Duration allowedLateness,
      Duration maxOutOfOrderness) {
    long size = window.getMillis();
    long windowEnd = Math.floorDiv(eventMillis, size) * size + size;
    long watermarkBound = clockMillis - maxOutOfOrderness.getMillis();
    return windowEnd + allowedLateness.getMillis() <= watermarkBound;
  }

  static class RouteFn extends DoFn<LakeRow, LakeRow> {
    private final Duration window;
    private final Duration allowedLateness;
    private final Duration maxOutOfOrderness;
    private final int progressSeconds;
    private final RecordKinds kinds;
    private final PipelineMetrics.Counters lateRows = PipelineMetrics.Family.ROWS_LATE.counters();
    private transient ProgressReporter progress;

    RouteFn(
        Duration window,
        Duration allowedLateness,
        Duration maxOutOfOrderness,
        int progressSeconds,
        RecordKinds kinds) {
      this.window = window;
      this.allowedLateness = allowedLateness;
      this.maxOutOfOrderness = maxOutOfOrderness;
      this.progressSeconds = progressSeconds;
      this.kinds = kinds;
    }

    @Setup
    public void setup() {
      progress = ProgressReporter.of("late rows");
      lateRows.reportingTo(progress.series("late rows"));
      progress.start(progressSeconds);
    }

    @Teardown
    public void teardown() {
      if (progress != null) {
        progress.stop();
      }
    }

    @ProcessElement
    public void process(
        @Element LakeRow row, @Timestamp org.joda.time.Instant timestamp, MultiOutputReceiver out) {
      if (!tooLate(
          timestamp.getMillis(),
          System.currentTimeMillis(),
          window,
          allowedLateness,
          maxOutOfOrderness)) {
        out.get(ON_TIME).output(row);
        out.get(ALL).output(row);
        return;
      }
      lateRows.inc(kinds.kindOf(row.table()).name());
      // A copy: the input row may be shared with other consumers of it.
      GenericRecord flagged = GenericData.get().deepCopy(row.record().getSchema(), row.record());
      flagged.put(AvroSchemas.LATE, true);
      LakeRow late = new LakeRow(row.table(), row.tenant(), row.eventTimeMicros(), flagged);
      out.get(TOO_LATE).output(late);
      out.get(ALL).output(late);
    }
  }
}
