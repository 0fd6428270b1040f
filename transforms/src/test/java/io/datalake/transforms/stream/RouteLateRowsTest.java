package io.datalake.transforms.stream;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;

import io.datalake.transforms.Fixtures;
import io.datalake.transforms.kinds.JourneyEvents;
import io.datalake.transforms.model.DeadLetter;
import io.datalake.transforms.model.LakeRow;
import io.datalake.transforms.model.SourceRecord;
import io.datalake.transforms.parse.ParseRecords;
import io.datalake.transforms.pii.PiiKeyset;
import io.datalake.transforms.pii.PiiPolicy;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;

/**
 * Late routing against a clock that event times cannot move: a record dated 2099 changes nothing
 * for the others, and rows beyond the allowed lateness leave on processing time while the watermark
 * stands still, as when a history backlog is read.
 */
public class RouteLateRowsTest {
  private static final Duration WINDOW = Duration.standardMinutes(5);
  private static final Duration LATENESS = Duration.standardHours(1);
  private static final Duration OUT_OF_ORDERNESS = Duration.standardSeconds(60);

  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  private static SourceRecord event(String id, Instant time) {
    return Fixtures.record(
        JourneyEvents.KIND,
        "topic/0/" + id,
        Fixtures.analytics(id, "739224", "created_at", time.toString()));
  }

  private PCollectionTuple parseAndRoute(TestStream<SourceRecord> stream) {
    PCollectionTuple parsed =
        pipeline
            .apply(stream)
            .apply(ParseRecords.of(PiiKeyset.development(), PiiPolicy.defaults()));
    PCollectionTuple routed =
        parsed
            .get(ParseRecords.ROWS)
            .apply(
                RouteLateRows.of(WINDOW)
                    .withAllowedLateness(LATENESS)
                    .withMaxOutOfOrderness(OUT_OF_ORDERNESS));
    PAssert.that(parsed.get(ParseRecords.DEAD_LETTERS))
        .satisfies(
            letters -> {
              List<String> seen = new ArrayList<>();
              for (DeadLetter l : letters) {
                seen.add(l.source + " " + l.step);
              }
              assertThat(seen, equalTo(List.of("topic/0/future parse")));
              return null;
            });
    return routed;
  }

  /**
   * Each row as it leaves a GroupByKey: id, late flag, pane timing and whether its window holds it.
   */
  private static PCollection<String> panes(PCollection<LakeRow> rows) {
    return rows.apply(WithKeys.of((LakeRow r) -> r.table()).withKeyType(TypeDescriptors.strings()))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), LakeRow.Coder.of()))
        .apply(GroupByKey.create())
        .apply(ParDo.of(new DescribePaneFn()));
  }

  static class DescribePaneFn extends DoFn<KV<String, Iterable<LakeRow>>, String> {
    @ProcessElement
    public void process(
        @Element KV<String, Iterable<LakeRow>> group,
        BoundedWindow window,
        PaneInfo pane,
        OutputReceiver<String> out) {
      for (LakeRow row : group.getValue()) {
        String where;
        if (window instanceof GlobalWindow) {
          where = "global";
        } else {
          Instant time = new Instant(row.eventTimeMicros() / 1000);
          IntervalWindow interval = (IntervalWindow) window;
          boolean own = !time.isBefore(interval.start()) && time.isBefore(interval.end());
          where = own ? "own-window" : "other-window " + window;
        }
        out.output(
            row.record().get("id")
                + " late="
                + row.record().get("late")
                + " "
                + where
                + " "
                + pane.getTiming());
      }
    }
  }

  private static PCollection<String> idsAndFlags(PCollection<LakeRow> rows) {
    return rows.apply(
        "IdsAndFlags",
        MapElements.into(TypeDescriptors.strings())
            .via(row -> row.record().get("id") + " late=" + row.record().get("late")));
  }

  @Test
  public void aRecordDated2099NeitherDelaysNorLosesTheOthers() {
    Instant now = Instant.now();
    TestStream<SourceRecord> stream =
        TestStream.create(SourceRecord.Coder.of())
            .advanceWatermarkTo(now.minus(Duration.standardMinutes(10)))
            .addElements(event("future", Instant.parse("2099-01-01T00:00:00Z")))
            .addElements(
                event("on-time-1", now.minus(Duration.standardMinutes(2))),
                event("on-time-2", now.minus(Duration.standardMinutes(1))))
            .addElements(event("late", now.minus(Duration.standardMinutes(40))))
            .advanceWatermarkTo(now.plus(Duration.standardMinutes(10)))
            .advanceProcessingTime(Duration.standardMinutes(2))
            .advanceWatermarkToInfinity();
    PCollectionTuple routed = parseAndRoute(stream);
    PAssert.that(routed.get(RouteLateRows.TOO_LATE)).empty();
    PAssert.that(idsAndFlags(routed.get(RouteLateRows.ALL)))
        .containsInAnyOrder("on-time-1 late=false", "on-time-2 late=false", "late late=false");
    PAssert.that(
            panes(
                routed
                    .get(RouteLateRows.ON_TIME)
                    .apply(EventTimeWindowing.of(WINDOW).withAllowedLateness(LATENESS))))
        .satisfies(
            seen -> {
              List<String> rows = new ArrayList<>();
              seen.forEach(s -> rows.add(s.replaceAll(" (EARLY|ON_TIME|LATE)$", "")));
              // Each in the window of its own event time, none flagged late, none restamped.
              assertThat(
                  rows,
                  containsInAnyOrder(
                      "on-time-1 late=false own-window",
                      "on-time-2 late=false own-window",
                      "late late=false own-window"));
              return null;
            });
    pipeline.run();
  }

  @Test
  public void tooLateRowsLeaveOnProcessingTimeWhileTheWatermarkStandsStill() {
    Instant now = Instant.now();
    Instant backlog = now.minus(Duration.standardDays(3));
    TestStream<SourceRecord> stream =
        TestStream.create(SourceRecord.Coder.of())
            // Reading a history backlog: the watermark is days behind the clock and stays there.
            .advanceWatermarkTo(backlog.minus(Duration.standardMinutes(10)))
            .addElements(
                event("old-1", backlog),
                event("old-2", backlog.plus(Duration.standardHours(5))),
                event("old-3", backlog.plus(Duration.standardDays(1))),
                event("future", Instant.parse("2099-01-01T00:00:00Z")))
            .advanceProcessingTime(Duration.standardMinutes(2))
            .advanceWatermarkToInfinity();
    PCollectionTuple routed = parseAndRoute(stream);
    PAssert.that(routed.get(RouteLateRows.ON_TIME)).empty();
    // EARLY: fired by the clock before the watermark reached the end of the global window. Rows
    // that waited for the watermark would come in its final, ON_TIME pane.
    PAssert.that(panes(routed.get(RouteLateRows.TOO_LATE).apply(LateRowPanes.of(WINDOW))))
        .containsInAnyOrder(
            "old-1 late=true global EARLY",
            "old-2 late=true global EARLY",
            "old-3 late=true global EARLY");
    // What the warehouse and the freshness records take: every row, flagged as the lake's.
    PAssert.that(idsAndFlags(routed.get(RouteLateRows.ALL)))
        .containsInAnyOrder("old-1 late=true", "old-2 late=true", "old-3 late=true");
    pipeline.run();
  }

  @Test
  public void theBoundIsTheClockLessTheOutOfOrderness() {
    long clock = Instant.parse("2026-11-30T12:00:00Z").getMillis();
    // The bound is 11:59. The window of 10:54:59 ends at 10:55 and, with 1 h of lateness, closes
    // at 11:55, before the bound: too late. The window of 10:55:00 closes at 12:00: not yet.
    // Event times seen (2099) never move the bound.
    assertThat(
        RouteLateRows.tooLate(
            Instant.parse("2026-11-30T10:54:59Z").getMillis(),
            clock,
            WINDOW,
            LATENESS,
            OUT_OF_ORDERNESS),
        equalTo(true));
    assertThat(
        RouteLateRows.tooLate(
            Instant.parse("2026-11-30T10:55:00Z").getMillis(),
            clock,
            WINDOW,
            LATENESS,
            OUT_OF_ORDERNESS),
        equalTo(false));
    assertThat(
        RouteLateRows.tooLate(
            Instant.parse("2099-01-01T00:00:00Z").getMillis(),
            clock,
            WINDOW,
            LATENESS,
            OUT_OF_ORDERNESS),
        equalTo(false));
  }
}
