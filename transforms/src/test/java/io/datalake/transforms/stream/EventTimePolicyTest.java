package io.datalake.transforms.stream;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import io.datalake.transforms.kinds.JourneyEvents;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.io.kafka.KafkaTimestampType;
import org.apache.beam.sdk.io.kafka.TimestampPolicy;
import org.apache.kafka.common.TopicPartition;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Test;

/** A partition's timestamps and watermark never run ahead of the clock, whatever a record says. */
public class EventTimePolicyTest {
  private static final Duration OUT_OF_ORDERNESS = Duration.standardSeconds(60);

  /** A partition still reading: a backlog, so the watermark follows the event times read. */
  private static final TimestampPolicy.PartitionContext READING =
      new TimestampPolicy.PartitionContext() {
        @Override
        public long getMessageBacklog() {
          return 1000;
        }

        @Override
        public Instant getBacklogCheckTime() {
          return Instant.now();
        }
      };

  private static KafkaRecord<byte[], byte[]> record(long offset, Instant eventTime) {
    String json = "{\"id\":\"e" + offset + "\",\"created_at\":\"" + eventTime + "\"}";
    return new KafkaRecord<>(
        "journey-events",
        0,
        offset,
        0L,
        KafkaTimestampType.CREATE_TIME,
        null,
        null,
        json.getBytes(StandardCharsets.UTF_8));
  }

  private static EventTimePolicy policy() {
    return new EventTimePolicy(
        r -> EventTimes.of(JourneyEvents.KIND, r.getKV().getValue()),
        OUT_OF_ORDERNESS,
        new TopicPartition("journey-events", 0),
        Optional.empty());
  }

  @Test
  public void aRecordDated2099MovesNeitherItsTimestampNorTheWatermarkPastTheClock() {
    EventTimePolicy policy = policy();
    Instant backlog = Instant.now().minus(Duration.standardDays(2));
    assertThat(policy.getTimestampForRecord(READING, record(1, backlog)), equalTo(backlog));
    assertThat(policy.getWatermark(READING), equalTo(backlog.minus(OUT_OF_ORDERNESS)));

    Instant before = Instant.now();
    Instant stamped =
        policy.getTimestampForRecord(READING, record(2, Instant.parse("2099-01-01T00:00:00Z")));
    Instant after = Instant.now();
    assertThat("capped at the clock", stamped.getMillis(), lessThanOrEqualTo(after.getMillis()));
    assertThat(stamped.isBefore(before), equalTo(false));
    Instant watermark = policy.getWatermark(READING);
    assertThat(
        "never ahead of the clock less the out-of-orderness",
        watermark.getMillis(),
        lessThanOrEqualTo(Instant.now().minus(OUT_OF_ORDERNESS).getMillis()));

    // The backlog goes on: its rows keep their own times, and the watermark stays where it is.
    Instant next = backlog.plus(Duration.standardMinutes(1));
    assertThat(policy.getTimestampForRecord(READING, record(3, next)), equalTo(next));
    assertThat(policy.getWatermark(READING), equalTo(watermark));
  }

  @Test
  public void aRecordSlightlyAheadIsCappedAtTheClockToo() {
    EventTimePolicy policy = policy();
    Instant inAnHour = Instant.now().plus(Duration.standardHours(1));
    Instant stamped = policy.getTimestampForRecord(READING, record(1, inAnHour));
    assertThat(stamped.getMillis(), lessThanOrEqualTo(Instant.now().getMillis()));
    assertThat(
        policy.getWatermark(READING).getMillis(),
        lessThanOrEqualTo(Instant.now().minus(OUT_OF_ORDERNESS).getMillis()));
  }
}
