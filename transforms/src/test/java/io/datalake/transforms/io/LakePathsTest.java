package io.datalake.transforms.io;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.datalake.transforms.schema.ColumnNames;
import io.datalake.transforms.schema.JsonTyper;
import java.time.Instant;
import org.junit.Test;

public class LakePathsTest {
  @Test
  public void partitionComesFromEventTimeInUtc() {
    long micros =
        JsonTyper.toEpochMicros(JsonTyper.parseTimestamp("2024-02-06T23:46:11.7010747-03:00"));
    assertThat(
        LakePaths.partition("checkout_orders", "luxstore", micros, false),
        equalTo("checkout_orders/org_id=luxstore/year=2024/month=02/day=07"));
    assertThat(
        LakePaths.partition("t", "a/b=c", micros, true),
        equalTo("t/org_id=a%2Fb%3Dc/year=2024/month=02/day=07/hour=02"));
  }

  @Test
  public void timestampsOfEveryFormTheSourcesUse() {
    assertThat(
        JsonTyper.parseTimestamp("2024-02-06T20:46:11.7010747+00:00"),
        equalTo(Instant.parse("2024-02-06T20:46:11.701074700Z")));
    assertThat(
        JsonTyper.parseTimestamp("2024-02-04T20:09:43.899958+00:00"),
        equalTo(Instant.parse("2024-02-04T20:09:43.899958Z")));
    assertThat(
        JsonTyper.parseTimestamp("2024-02-11T09:14:41.3695207Z"),
        equalTo(Instant.parse("2024-02-11T09:14:41.369520700Z")));
    assertThat(
        JsonTyper.parseTimestamp("2024-02-11T09:14:41"),
        equalTo(Instant.parse("2024-02-11T09:14:41Z")));
    assertThat(JsonTyper.parseTimestamp("1970-01-01T00:00:00.000Z"), equalTo(Instant.EPOCH));
    assertThat(
        JsonTyper.parseTimestamp("2019-08-24"), equalTo(Instant.parse("2019-08-24T00:00:00Z")));
  }

  @Test
  public void yearsArePaddedToFourDigits() {
    assertThat(
        LakePaths.partition(
            "t", "o", JsonTyper.toEpochMicros(Instant.parse("0005-03-04T00:00:00Z")), false),
        equalTo("t/org_id=o/year=0005/month=03/day=04"));
    assertThat(
        LakePaths.partition(
            "t", "o", JsonTyper.toEpochMicros(Instant.parse("-0050-03-04T00:00:00Z")), false),
        equalTo("t/org_id=o/year=-050/month=03/day=04"));
  }

  @Test
  public void theQuickTimestampReaderAgreesWithJavaTime() {
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
        actual = JsonTyper.parseTimestamp(text);
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

  @Test
  public void columnNamesAreSanitizedTheSameWayEverywhere() {
    assertThat(ColumnNames.sanitize("detail-type"), equalTo("detail_type"));
    assertThat(ColumnNames.sanitize("Free Shipping"), equalTo("Free_Shipping"));
    assertThat(ColumnNames.sanitize("$relation"), equalTo("_relation"));
    assertThat(ColumnNames.sanitize("1st"), equalTo("_1st"));
  }
}
