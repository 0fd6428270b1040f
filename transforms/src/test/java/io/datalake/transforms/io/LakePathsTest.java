package io.datalake.transforms.io;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.datalake.transforms.schema.Timestamps;
import java.time.Instant;
import org.junit.Test;

public class LakePathsTest {
  @Test
  public void aFileUriIsGivenToBeamAsItsPathAndAnyOtherLocationAsItIs() {
    assertThat(LakePaths.forBeam("file:///tmp/lake/"), equalTo("/tmp/lake"));
    assertThat(LakePaths.forBeam("file:/tmp/lake"), equalTo("/tmp/lake"));
    assertThat(LakePaths.forBeam("/tmp/lake/"), equalTo("/tmp/lake/"));
    assertThat(LakePaths.forBeam("lake"), equalTo("lake"));
    assertThat(LakePaths.forBeam("s3://bucket/lake/"), equalTo("s3://bucket/lake/"));
  }

  @Test
  public void partitionComesFromEventTimeInUtc() {
    long micros = Timestamps.toEpochMicros(Timestamps.parse("2024-02-06T23:46:11.7010747-03:00"));
    assertThat(
        LakePaths.partition("checkout_orders", "luxstore", micros, false),
        equalTo("checkout_orders/org_id=luxstore/year=2024/month=02/day=07"));
    assertThat(
        LakePaths.partition("t", "a/b=c", micros, true),
        equalTo("t/org_id=a%2Fb%3Dc/year=2024/month=02/day=07/hour=02"));
  }

  @Test
  public void yearsArePaddedToFourDigits() {
    assertThat(
        LakePaths.partition(
            "t", "o", Timestamps.toEpochMicros(Instant.parse("0005-03-04T00:00:00Z")), false),
        equalTo("t/org_id=o/year=0005/month=03/day=04"));
    assertThat(
        LakePaths.partition(
            "t", "o", Timestamps.toEpochMicros(Instant.parse("-0050-03-04T00:00:00Z")), false),
        equalTo("t/org_id=o/year=-050/month=03/day=04"));
  }

  @Test
  public void urisAreToldFromPlainPaths() {
    for (String uri :
        new String[] {"s3://bucket/lake", "file:///tmp/lake", "gs://b/k", "hdfs+x.y-z://h/p"}) {
      assertThat(uri, LakePaths.isUri(uri), equalTo(true));
    }
    for (String path :
        new String[] {"/tmp/lake", "lake", "./s3://x", "C:\\lake", "s3:/bucket", "1s3://b"}) {
      assertThat(path, LakePaths.isUri(path), equalTo(false));
    }
  }
}
