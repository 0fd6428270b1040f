package io.datalake.transforms.stream;

import io.datalake.transforms.model.LakeRow;
import java.util.Objects;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.AfterProcessingTime;
import org.apache.beam.sdk.transforms.windowing.AfterWatermark;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;

/**
 * The streaming lake's windows: fixed event-time windows firing when the watermark passes their
 * end, and again for late rows within the allowed lateness. A late pane waits a little (the window,
 * at most a minute, after its first row) so that a steady trickle of late rows makes one additional
 * file per partition and minute, not one file per row. Rows later than the allowed lateness must be
 * routed first ({@link RouteLateRows}), or the next GroupByKey drops them.
 */
public class EventTimeWindowing extends PTransform<PCollection<LakeRow>, PCollection<LakeRow>> {
  /** How long a window stays open for late rows unless told otherwise: one day. */
  public static final Duration DEFAULT_ALLOWED_LATENESS = Duration.standardDays(1);

  private final Duration window;
  private final Duration allowedLateness;

  /** Fixed event-time windows {@code window} long. */
  public static EventTimeWindowing of(Duration window) {
    return new EventTimeWindowing(
        Objects.requireNonNull(window, "window"), DEFAULT_ALLOWED_LATENESS);
  }

  private EventTimeWindowing(Duration window, Duration allowedLateness) {
    this.window = window;
    this.allowedLateness = allowedLateness;
  }

  /** How long a window stays open for late rows after the watermark passed its end. */
  public EventTimeWindowing withAllowedLateness(Duration value) {
    return new EventTimeWindowing(window, Objects.requireNonNull(value, "allowedLateness"));
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    displayWindow(builder, window, allowedLateness)
        .add(DisplayData.item("lateDelay", lateDelay(window)).withLabel("Late pane delay"));
  }

  /** The window and its allowed lateness, as every streaming step that depends on them shows. */
  static DisplayData.Builder displayWindow(
      DisplayData.Builder builder, Duration window, Duration allowedLateness) {
    return builder
        .add(DisplayData.item("window", window).withLabel("Event-time window"))
        .add(DisplayData.item("allowedLateness", allowedLateness).withLabel("Allowed lateness"));
  }

  /** How long a late pane collects rows before it is written. */
  public static Duration lateDelay(Duration window) {
    Duration minute = Duration.standardMinutes(1);
    return window.isShorterThan(minute) ? window : minute;
  }

  @Override
  public PCollection<LakeRow> expand(PCollection<LakeRow> rows) {
    return rows.apply(
        "FixedWindows",
        Window.<LakeRow>into(FixedWindows.of(window))
            .triggering(
                AfterWatermark.pastEndOfWindow()
                    .withLateFirings(
                        AfterProcessingTime.pastFirstElementInPane()
                            .plusDelayOf(lateDelay(window))))
            .withAllowedLateness(allowedLateness)
            .discardingFiredPanes());
  }
}
