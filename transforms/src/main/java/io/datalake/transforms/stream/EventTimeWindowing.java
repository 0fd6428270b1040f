package io.datalake.transforms.stream;

import io.datalake.transforms.model.LakeRow;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.AfterProcessingTime;
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
  /** How long late rows of a window are gathered before their pane is written. */
  public static final Duration LATE_PANE_DELAY = Duration.standardSeconds(30);

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
        .apply(
            "FixedWindows",
            Window.<LakeRow>into(FixedWindows.of(window))
                .triggering(
                    AfterWatermark.pastEndOfWindow()
                        .withLateFirings(AfterProcessingTime.pastFirstElementInPane().plusDelayOf(LATE_PANE_DELAY)))
                .withAllowedLateness(allowedLateness)
                .discardingFiredPanes());
  }
}
