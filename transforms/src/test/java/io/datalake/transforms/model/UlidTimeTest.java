package io.datalake.transforms.model;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.time.Instant;
import org.junit.Test;

public class UlidTimeTest {
  @Test
  public void theFirstTenCharactersAreTheMilliseconds() {
    // The activity id of epilot's published activity example.
    assertThat(
        Instant.ofEpochMilli(UlidTime.millis("01F130Q52Q6MWSNS8N2AVXV4JN")),
        equalTo(Instant.parse("2021-03-18T15:54:27.287Z")));
    assertThat(UlidTime.millis("01f130q52q6mwsns8n2avxv4jn"), equalTo(1616082867287L));
    assertThat(UlidTime.millis("00000000000000000000000000"), equalTo(0L));
  }

  @Test
  public void anythingElseIsNoUlid() {
    assertThat(UlidTime.millis(null), equalTo(-1L));
    assertThat(UlidTime.millis("act-1"), equalTo(-1L));
    assertThat(UlidTime.millis("01F130Q52Q6MWSNS8N2AVXV4J"), equalTo(-1L)); // 25 characters
    assertThat(UlidTime.millis("01F130Q52Q6MWSNS8N2AVXV4JU"), equalTo(-1L)); // U is not base 32
    assertThat(UlidTime.millis("81F130Q52Q6MWSNS8N2AVXV4JN"), equalTo(-1L)); // beyond 48 bits
    assertThat(
        UlidTime.millis("0a9df101-330c-41ad-a4c7-5a0bd521"),
        equalTo(-1L)); // a UUID's length differs
  }
}
