package io.datalake.transforms.stream;

import io.datalake.transforms.model.LakeRow;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.windowing.AfterPane;
import org.apache.beam.sdk.transforms.windowing.AfterWatermark;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;

/**
 * The streaming lake's windows: fixed event-time windows firing when the watermark passes their
 * end, and again for each late bundle within the allowed lateness, so late rows are written
 * promptly as additional files in their partitions (a heavy late stream gives many small files:
 * batching late panes by processing time is still to be measured). Rows later than the allowed
 * lateness must be routed first ({@link RouteLateRows}), or the next GroupByKey drops them.
 */
public class EventTimeWindowing extends PTransform<PCollection<LakeRow>, PCollection<LakeRow>> {
  private final Duration window;
  private final Duration allowedLateness;

  public EventTimeWindowing(Duration window, Duration allowedLateness) {
    this.window = window;
    this.allowedLateness = allowedLateness;
  }

  @Override
  public PCollection<LakeRow> expand(PCollection<LakeRow> rows) {
    return rows.apply(
        "FixedWindows",
        Window.<LakeRow>into(FixedWindows.of(window))
            .triggering(AfterWatermark.pastEndOfWindow().withLateFirings(AfterPane.elementCountAtLeast(1)))
            .withAllowedLateness(allowedLateness)
            .discardingFiredPanes());
  }
}
