package io.datalake.transforms.stream;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.transforms.Fixtures;
import io.datalake.transforms.kinds.JourneyEvents;
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
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;

/**
 * On-time, late and droppably-late records through late routing, the streaming windows and a
 * GroupByKey.
 */
public class EventTimeWindowingTest {
  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  private static SourceRecord event(String id, Instant time) {
    ObjectNode e = Fixtures.analytics(id, "739224", "created_at", time.toString());
    return Fixtures.record(JourneyEvents.KIND, "topic/0/" + id, e);
  }

  @Test
  public void noRecordIsDroppedAndTooLateOnesAreFlagged() {
    Instant now = Instant.now();
    TestStream<SourceRecord> stream =
        TestStream.create(SourceRecord.Coder.of())
            .advanceWatermarkTo(now.minus(Duration.standardMinutes(10)))
            .addElements(event("on-time", now))
            .advanceWatermarkTo(now.plus(Duration.standardMinutes(10)))
            .addElements(event("late", now.minus(Duration.standardHours(2))))
            .addElements(event("too-late", now.minus(Duration.standardDays(3))))
            .advanceWatermarkToInfinity();

    PCollectionTuple routed =
        pipeline
            .apply(stream)
            .apply(ParseRecords.of(PiiKeyset.development(), PiiPolicy.defaults()))
            .get(ParseRecords.ROWS)
            .apply(
                RouteLateRows.of(Duration.standardMinutes(5))
                    .withAllowedLateness(Duration.standardDays(1))
                    .withMaxOutOfOrderness(Duration.standardSeconds(60)));
    // A GroupByKey is where Beam drops rows later than the allowed lateness.
    PAssert.that(
            grouped(
                "OnTime",
                routed
                    .get(RouteLateRows.ON_TIME)
                    .apply(
                        EventTimeWindowing.of(Duration.standardMinutes(5))
                            .withAllowedLateness(Duration.standardDays(1)))))
        .satisfies(
            all -> {
              assertThat(
                  describe(all), containsInAnyOrder("on-time late=false", "late late=false"));
              return null;
            });
    PAssert.that(
            grouped(
                "TooLate",
                routed
                    .get(RouteLateRows.TOO_LATE)
                    .apply(LateRowPanes.of(Duration.standardMinutes(5)))))
        .satisfies(
            all -> {
              assertThat(describe(all), containsInAnyOrder("too-late late=true"));
              return null;
            });
    org.apache.beam.sdk.PipelineResult result = pipeline.run();
    result.waitUntilFinish();
    assertThat(
        "records in",
        counter(result, "records_in_journey-events"),
        org.hamcrest.Matchers.equalTo(3L));
    assertThat(
        "records out",
        counter(result, "records_accepted_journey-events"),
        org.hamcrest.Matchers.equalTo(3L));
    assertThat(
        "late rows counted",
        counter(result, "rows_late_journey-events"),
        org.hamcrest.Matchers.equalTo(1L));
  }

  private static PCollection<LakeRow> grouped(String name, PCollection<LakeRow> rows) {
    return rows.apply(
            name + "Keys",
            WithKeys.of((LakeRow r) -> r.table())
                .withKeyType(org.apache.beam.sdk.values.TypeDescriptors.strings()))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), LakeRow.Coder.of()))
        .apply(name + "Group", GroupByKey.create())
        .apply(name + "Values", Values.create())
        .apply(name + "Rows", Flatten.iterables());
  }

  private static List<String> describe(Iterable<LakeRow> rows) {
    List<String> seen = new ArrayList<>();
    for (LakeRow r : rows) {
      seen.add(r.record().get("id") + " late=" + r.record().get("late"));
    }
    return seen;
  }

  private static long counter(org.apache.beam.sdk.PipelineResult result, String name) {
    long total = 0;
    for (org.apache.beam.sdk.metrics.MetricResult<Long> c :
        result
            .metrics()
            .queryMetrics(
                org.apache.beam.sdk.metrics.MetricsFilter.builder()
                    .addNameFilter(
                        org.apache.beam.sdk.metrics.MetricNameFilter.named("datalake", name))
                    .build())
            .getCounters()) {
      total += c.getAttempted();
    }
    return total;
  }
}
