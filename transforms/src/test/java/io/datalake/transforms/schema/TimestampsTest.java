package io.datalake.transforms.schema;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.time.Instant;
import org.junit.Test;

public class TimestampsTest {
  @Test
  public void readsEveryFormTheSourcesUse() {
    String[][] textAndInstant = {
      {"2024-02-06T20:46:11.7010747+00:00", "2024-02-06T20:46:11.701074700Z"},
      {"2024-02-04T20:09:43.899958+00:00", "2024-02-04T20:09:43.899958Z"},
      {"2024-02-11T09:14:41.3695207Z", "2024-02-11T09:14:41.369520700Z"},
      {"2024-02-11T09:14:41", "2024-02-11T09:14:41Z"},
      // An offset without its colon, as Java's and many JavaScript libraries' 'Z' pattern writes.
      {"2024-02-06T20:46:11.701+0000", "2024-02-06T20:46:11.701Z"},
      {"2024-02-06T15:46:11-0500", "2024-02-06T20:46:11Z"},
      {"2024-08-01T12:00:00.5+0200", "2024-08-01T10:00:00.5Z"},
      // A fraction that runs to the end (no offset: UTC), also in ClickHouse's DateTime64 text.
      {"2024-08-01T12:00:00.123", "2024-08-01T12:00:00.123Z"},
      {"2024-08-01 12:00:00.123456", "2024-08-01T12:00:00.123456Z"},
      {"1970-01-01T00:00:00.000Z", "1970-01-01T00:00:00Z"},
      {"2019-08-24", "2019-08-24T00:00:00Z"},
      // ClickHouse's DateTime text (epilot's published datalake tables), with and without a
      // fraction.
      {"2024-08-01 12:00:00", "2024-08-01T12:00:00Z"},
      {"2024-08-01 12:00:00.125+02:00", "2024-08-01T10:00:00.125Z"},
    };
    for (String[] pair : textAndInstant) {
      assertThat(pair[0], Timestamps.parse(pair[0]), equalTo(Instant.parse(pair[1])));
    }
  }

  @Test
  public void aSpaceForTheTNeedsSeconds() {
    for (String text : new String[] {"2024-03-01 10:00", "2024-03-01  10:00:00", "2024-03-01 x"}) {
      try {
        Timestamps.parse(text);
        throw new AssertionError("parsed " + text);
      } catch (java.time.DateTimeException expected) {
        // refused, as the typing step and the event time read it
      }
    }
  }

  @Test
  public void theQuickReaderAgreesWithJavaTime() {
    String[] texts = {
      "2024-02-29T23:59:59.999999999+14:00",
      "2023-02-29T10:00:00Z",
      "2024-04-31T10:00:00Z",
      "2024-13-01T10:00:00Z",
      "2024-01-01T24:00:00Z",
      "2024-01-01T10:60:00Z",
      "2024-01-01T10:00:60Z",
      "2024-01-01T10:00:00.Z",
      "2024-01-01T10:00:00.1234567890Z",
      "2024-01-01T10:00:00+18:30",
      "2024-01-01T10:00:00-18:00",
      "2024-01-01T10:00:00+0100",
      "2024-01-01T10:00:00.123",
      "2024-02-11T09:14:41.3695207",
      "2024-01-01T10:00:00.5+0200",
      "2024-01-01T10:00:00.5+02",
      "2024-01-01T10:00:00.5-03:30",
      "0001-01-01T00:00:00Z",
      "2024-01-01t10:00:00Z",
      "2024-01-01T10:00:00 Z",
      "2024-01-01T10:00:0xZ",
      "1969-12-31T23:59:59.9Z",
      "2024-01-01T10:00:00.\u0663Z",
      "2024-01-01T10:00:00.\uff13Z"
    };
    for (String text : texts) {
      Object expected;
      try {
        expected =
            java.time.OffsetDateTime.parse(
                    text, java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME)
                .toInstant();
      } catch (java.time.DateTimeException e) {
        expected = "rejected";
      }
      Object actual;
      try {
        actual = Timestamps.parse(text);
      } catch (java.time.DateTimeException e) {
        actual = "rejected";
      }
      if (!expected.equals("rejected")) {
        assertThat(text, actual, equalTo(expected));
      } else if (!actual.equals("rejected")) {
        // The general reader's fallbacks (no offset, a bare date) may read what the offset form
        // does not.
        assertThat(text, text.matches(".*(Z|[+-]\\d\\d:\\d\\d)$"), equalTo(false));
      }
    }
  }

  /**
   * .NET's "not set" in a zone east of UTC lies hours before year 1: the nearest storable time, not
   * a refused record; a time out of range by more than an offset can move it is still refused.
   */
  @Test
  public void anOffsetThatMovesYearOneOrYear9999OutOfRangeGivesTheNearestStorableTime() {
    Instant first = Instant.parse("0001-01-01T00:00:00Z");
    Instant last = Instant.parse("9999-12-31T23:59:59.999999Z");
    assertThat(
        Timestamps.storableOrNearest(Timestamps.parse("0001-01-01T00:00:00+03:00")),
        equalTo(first));
    assertThat(
        Timestamps.storableOrNearest(Timestamps.parse("0001-01-01T00:00:00-03:00")),
        equalTo(Instant.parse("0001-01-01T03:00:00Z")));
    assertThat(
        Timestamps.storableOrNearest(Timestamps.parse("9999-12-31T23:59:59.9999999-03:00")),
        equalTo(last));
    assertThat(Timestamps.storableOrNearest(first.minusSeconds(19 * 3600)), equalTo(null));
    assertThat(Timestamps.storableOrNearest(last.plusSeconds(19 * 3600)), equalTo(null));
  }
}
