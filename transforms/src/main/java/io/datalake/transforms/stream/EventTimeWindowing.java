package io.datalake.transforms.stream;

import io.datalake.transforms.model.LakeRow;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.AfterPane;
import org.apache.beam.sdk.transforms.windowing.AfterWatermark;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;

/**
 * Streaming windows of the lake: rows later than the allowed lateness are routed first ({@link
 * RouteLateRows}), then fixed event-time windows fire when the watermark passes their end, and
 * again for late rows within the allowed lateness (additional files in the same partitions).
 */
public class EventTimeWindowing extends PTransform<PCollection<LakeRow>, PCollection<LakeRow>> {
  private final Duration window;
  private final Duration allowedLateness;
  private final Duration maxOutOfOrderness;

  public EventTimeWindowing(Duration window, Duration allowedLateness, Duration maxOutOfOrderness) {
    this.window = window;
    this.allowedLateness = allowedLateness;
    this.maxOutOfOrderness = maxOutOfOrderness;
  }

  @Override
  public PCollection<LakeRow> expand(PCollection<LakeRow> rows) {
    return rows.apply(
            "RouteLateRows", ParDo.of(new RouteLateRows(window, allowedLateness, maxOutOfOrderness)))
        .setCoder(LakeRow.Coder.of())
        .apply("FixedWindows", windows(window, allowedLateness));
  }

  /**
   * Fixed windows firing when the watermark passes their end, and again for each late bundle
   * within the allowed lateness (so late rows are written promptly, as additional files in their
   * partitions; a heavy late stream gives many small files: batching late panes by processing time
   * is still to be measured).
   */
  public static Window<LakeRow> windows(Duration window, Duration allowedLateness) {
    return Window.<LakeRow>into(FixedWindows.of(window))
        .triggering(AfterWatermark.pastEndOfWindow().withLateFirings(AfterPane.elementCountAtLeast(1)))
        .withAllowedLateness(allowedLateness)
        .discardingFiredPanes();
  }
}
