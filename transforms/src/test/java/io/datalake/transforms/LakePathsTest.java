package io.datalake.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.datalake.transforms.io.LakePaths;
import io.datalake.transforms.schema.ColumnNames;
import io.datalake.transforms.schema.JsonTyper;
import java.time.Instant;
import org.junit.Test;

public class LakePathsTest {
  @Test
  public void partitionComesFromEventTimeInUtc() {
    long micros = JsonTyper.toEpochMicros(JsonTyper.parseTimestamp("2024-02-06T23:46:11.7010747-03:00"));
    assertThat(
        LakePaths.partition("checkout_orders", "luxstore", micros, false),
        equalTo("checkout_orders/org_id=luxstore/year=2024/month=02/day=07"));
    assertThat(
        LakePaths.partition("t", "a/b=c", micros, true),
        equalTo("t/org_id=a%2Fb%3Dc/year=2024/month=02/day=07/hour=02"));
  }

  @Test
  public void timestampsOfEveryFormTheSourcesUse() {
    assertThat(JsonTyper.parseTimestamp("2024-02-06T20:46:11.7010747+00:00"), equalTo(Instant.parse("2024-02-06T20:46:11.701074700Z")));
    assertThat(JsonTyper.parseTimestamp("2024-02-04T20:09:43.899958+00:00"), equalTo(Instant.parse("2024-02-04T20:09:43.899958Z")));
    assertThat(JsonTyper.parseTimestamp("2024-02-11T09:14:41.3695207Z"), equalTo(Instant.parse("2024-02-11T09:14:41.369520700Z")));
    assertThat(JsonTyper.parseTimestamp("2024-02-11T09:14:41"), equalTo(Instant.parse("2024-02-11T09:14:41Z")));
    assertThat(JsonTyper.parseTimestamp("1970-01-01T00:00:00.000Z"), equalTo(Instant.EPOCH));
    assertThat(JsonTyper.parseTimestamp("2019-08-24"), equalTo(Instant.parse("2019-08-24T00:00:00Z")));
  }

  @Test
  public void columnNamesAreSanitizedTheSameWayEverywhere() {
    assertThat(ColumnNames.sanitize("detail-type"), equalTo("detail_type"));
    assertThat(ColumnNames.sanitize("Free Shipping"), equalTo("Free_Shipping"));
    assertThat(ColumnNames.sanitize("$relation"), equalTo("_relation"));
    assertThat(ColumnNames.sanitize("1st"), equalTo("_1st"));
  }
}
