package io.datalake.transforms.monitor;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import org.junit.Test;

public class ProgressReporterTest {
  @Test
  public void aLineShowsRatesPerKindAndTotalsOfItsOwnInstance() {
    ProgressReporter reporter = ProgressReporter.of("in", "out", "dead-lettered");
    PipelineMetrics.Counters in = PipelineMetrics.Family.RECORDS_IN.counters();
    PipelineMetrics.Counters out = PipelineMetrics.Family.RECORDS_ACCEPTED.counters();
    PipelineMetrics.Counters dead = PipelineMetrics.Family.RECORDS_DEAD_LETTERED.counters();
    in.reportingTo(reporter.series("in"));
    out.reportingTo(reporter.series("out"));
    dead.reportingTo(reporter.series("dead-lettered"));
    in.inc("journey-events", 10);
    out.inc("journey-events", 10);
    ProgressReporter.Snapshot before = reporter.snapshot();
    in.inc("journey-events", 600);
    in.inc("checkout-orders", 4);
    out.inc("journey-events", 600);
    dead.inc("checkout-orders", 4);

    assertThat(
        ProgressReporter.line(reporter.snapshot(), before, 10),
        is(
            "progress: in 60/s [checkout-orders 0.4, journey-events 60], out 60/s,"
                + " dead-lettered 0.4/s; totals in=614 out=610 dead-lettered=4"));
  }

  @Test
  public void anotherInstanceCountsApart() {
    ProgressReporter first = ProgressReporter.of("late rows");
    ProgressReporter second = ProgressReporter.of("late rows");
    PipelineMetrics.Counters late = PipelineMetrics.Family.ROWS_LATE.counters();
    late.reportingTo(first.series("late rows"));
    late.inc("journey-events");
    ProgressReporter.Snapshot none = second.snapshot();

    assertThat(
        ProgressReporter.line(second.snapshot(), none, 1),
        is("progress: late rows 0/s; totals late rows=0"));
    assertThat(
        ProgressReporter.line(first.snapshot(), none, 1),
        is("progress: late rows 1.0/s [journey-events 1.0]; totals late rows=1"));
  }

  @Test
  public void startAndStopOwnTheThreadAndZeroSecondsStartsNone() {
    ProgressReporter reporter = ProgressReporter.of("in");
    reporter.start(0);
    reporter.stop();
    reporter.start(3600);
    reporter.start(3600); // a second start keeps the first timer
    reporter.stop();
    reporter.stop();
  }
}
