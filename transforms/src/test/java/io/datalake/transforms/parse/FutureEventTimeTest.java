package io.datalake.transforms.parse;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.Assert.assertThrows;

import io.datalake.transforms.Fixtures;
import io.datalake.transforms.kinds.EntityOperations;
import io.datalake.transforms.kinds.JourneyEvents;
import io.datalake.transforms.model.DeadLetter;
import io.datalake.transforms.model.LakeRow;
import io.datalake.transforms.model.SourceRecord;
import io.datalake.transforms.pii.PiiKeyset;
import io.datalake.transforms.pii.PiiPolicy;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.joda.time.Duration;
import org.junit.Rule;
import org.junit.Test;

/** Event times too far ahead of the clock are dead letters of the parse step, whatever the kind. */
public class FutureEventTimeTest {
  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  private static SourceRecord journeyEvent(String id, Instant time) {
    return Fixtures.record(
        JourneyEvents.KIND,
        "topic/0/" + id,
        Fixtures.analytics(id, "739224", "created_at", time.toString()));
  }

  private PCollectionTuple parse(ParseRecords parse, SourceRecord... records) {
    return pipeline
        .apply(Create.of(List.of(records)).withCoder(SourceRecord.Coder.of()))
        .apply(parse);
  }

  private static ParseRecords parseRecords() {
    return ParseRecords.of(PiiKeyset.development(), PiiPolicy.defaults());
  }

  @Test
  public void byDefaultADayAheadIsAcceptedAndFurtherIsADeadLetter() {
    Instant now = Instant.now();
    PCollectionTuple out =
        parse(
            parseRecords(),
            journeyEvent("now", now),
            journeyEvent("in-an-hour", now.plus(1, ChronoUnit.HOURS)),
            journeyEvent("in-23-hours", now.plus(23, ChronoUnit.HOURS)),
            journeyEvent("in-two-days", now.plus(2, ChronoUnit.DAYS)),
            journeyEvent("in-2099", Instant.parse("2099-01-01T00:00:00Z")),
            Fixtures.record(
                EntityOperations.KIND,
                "entity-operations/0/7",
                Fixtures.entityOperation(
                    "739224",
                    "e-1",
                    "updateEntity",
                    "2099-01-01T00:00:00Z",
                    Fixtures.JSON.createObjectNode(),
                    false)));
    PAssert.that(out.get(ParseRecords.ROWS))
        .satisfies(
            rows -> {
              List<String> ids = new ArrayList<>();
              rows.forEach(r -> ids.add(r.record().get("id").toString()));
              assertThat(ids, containsInAnyOrder("now", "in-an-hour", "in-23-hours"));
              return null;
            });
    PAssert.that(out.get(ParseRecords.DEAD_LETTERS))
        .satisfies(
            letters -> {
              List<String> seen = new ArrayList<>();
              for (DeadLetter letter : letters) {
                seen.add(letter.source + " " + letter.step + ": " + letter.error);
                // The record's tenant is known by then: the dead letter is the tenant's.
                assertThat(letter.tenant, notNullValue());
                // The reason never quotes the record's value.
                assertThat(letter.error, not(containsString("2099")));
              }
              assertThat(
                  seen,
                  containsInAnyOrder(
                      "topic/0/in-two-days parse: created_at is more than 86400 s ahead of the clock (--maxFutureSeconds)",
                      "topic/0/in-2099 parse: created_at is more than 86400 s ahead of the clock (--maxFutureSeconds)",
                      "entity-operations/0/7 parse: time is more than 86400 s ahead of the clock (--maxFutureSeconds)"));
              return null;
            });
    pipeline.run();
  }

  @Test
  public void zeroRejectsAnyTimeAheadOfTheClock() {
    Instant now = Instant.now();
    PCollectionTuple out =
        parse(
            parseRecords().withMaxFuture(Duration.ZERO),
            journeyEvent("past", now.minus(1, ChronoUnit.DAYS)),
            journeyEvent("in-a-minute", now.plus(1, ChronoUnit.MINUTES)));
    PAssert.that(out.get(ParseRecords.ROWS))
        .satisfies(
            rows -> {
              List<String> ids = new ArrayList<>();
              for (LakeRow r : rows) {
                ids.add(r.record().get("id").toString());
              }
              assertThat(ids, equalTo(List.of("past")));
              return null;
            });
    PAssert.that(out.get(ParseRecords.DEAD_LETTERS))
        .satisfies(
            letters -> {
              List<String> seen = new ArrayList<>();
              letters.forEach(l -> seen.add(l.source + " " + l.error));
              assertThat(
                  seen,
                  equalTo(
                      List.of(
                          "topic/0/in-a-minute created_at is more than 0 s ahead of the clock (--maxFutureSeconds)")));
              return null;
            });
    pipeline.run();
  }

  @Test
  public void aNegativeMarginIsRefusedWhenTheGraphIsBuilt() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> parseRecords().withMaxFuture(Duration.standardSeconds(-1)));
    assertThat(e.getMessage(), equalTo("--maxFutureSeconds must be 0 or more, got -1"));
  }
}
