package io.datalake.transforms.stream;

import io.datalake.transforms.model.LakeRow;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.AfterFirst;
import org.apache.beam.sdk.transforms.windowing.AfterPane;
import org.apache.beam.sdk.transforms.windowing.AfterProcessingTime;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Repeatedly;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;

/**
 * Panes for the rows later than their window's allowed lateness ({@link RouteLateRows#TOO_LATE}):
 * the global window, which never expires (no row is dropped), fired by the clock and by count,
 * never by the watermark. A pane is written a delay after its first row ({@link
 * EventTimeWindowing#lateDelay}, at most a minute), or as soon as it holds {@link
 * #MAX_ROWS_PER_PANE} rows of one partition and shard, whichever comes first: what waits in state
 * is bounded by the rows read in that delay, and by that count per partition, however large and old
 * the backlog being read.
 */
public class LateRowPanes extends PTransform<PCollection<LakeRow>, PCollection<LakeRow>> {
  /**
   * The most rows of one partition and shard a late pane gathers. 5,000 rows of a few KB each keep
   * a pane to some MB of heap, and make files of a useful size.
   */
  public static final int MAX_ROWS_PER_PANE = 5_000;

  private final Duration delay;
  private final int maxRowsPerPane;

  /** Panes for the too-late rows of a stream whose windows are {@code window} long. */
  public static LateRowPanes of(Duration window) {
    return new LateRowPanes(EventTimeWindowing.lateDelay(window), MAX_ROWS_PER_PANE);
  }

  private LateRowPanes(Duration delay, int maxRowsPerPane) {
    this.delay = delay;
    this.maxRowsPerPane = maxRowsPerPane;
  }

  /** A pane fires as soon as it holds this many rows of one partition and shard. */
  public LateRowPanes withMaxRowsPerPane(int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(
          "max rows per late pane must be more than 0, got " + value);
    }
    return new LateRowPanes(delay, value);
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("delay", delay).withLabel("Late pane delay"))
        .add(DisplayData.item("maxRowsPerPane", maxRowsPerPane).withLabel("Max rows per pane"));
  }

  @Override
  public PCollection<LakeRow> expand(PCollection<LakeRow> rows) {
    return rows.apply(
        "GlobalWindowByClockAndCount",
        Window.<LakeRow>into(new GlobalWindows())
            .triggering(
                Repeatedly.forever(
                    AfterFirst.of(
                        AfterPane.elementCountAtLeast(maxRowsPerPane),
                        AfterProcessingTime.pastFirstElementInPane().plusDelayOf(delay))))
            .discardingFiredPanes());
  }
}
