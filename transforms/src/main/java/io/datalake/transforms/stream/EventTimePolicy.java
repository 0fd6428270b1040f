package io.datalake.transforms.stream;

import io.datalake.transforms.monitor.ProgressLog;
import java.util.Optional;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.io.kafka.TimestampPolicy;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.apache.kafka.common.TopicPartition;

/**
 * The watermark of one Kafka partition: the newest event time read, less a bounded
 * out-of-orderness. A partition that has caught up (no backlog) is idle and lets its watermark
 * follow the clock less the same bound, also when it never had a record: Beam's
 * CustomTimestampPolicyWithLimitedDelay keeps an empty partition at the minimum forever, which
 * holds every window of the job back.
 */
public class EventTimePolicy extends TimestampPolicy<byte[], byte[]> {
  private final SerializableFunction<KafkaRecord<byte[], byte[]>, Instant> eventTime;
  private final Duration maxOutOfOrderness;
  private final String topic;
  private final int partition;
  private Instant newestEventTime = BoundedWindow.TIMESTAMP_MIN_VALUE;
  private Instant watermark;

  public EventTimePolicy(
      SerializableFunction<KafkaRecord<byte[], byte[]>, Instant> eventTime,
      Duration maxOutOfOrderness,
      TopicPartition topicPartition,
      Optional<Instant> previousWatermark) {
    this.eventTime = eventTime;
    this.maxOutOfOrderness = maxOutOfOrderness;
    this.topic = topicPartition.topic();
    this.partition = topicPartition.partition();
    this.watermark = previousWatermark.orElse(BoundedWindow.TIMESTAMP_MIN_VALUE);
  }

  @Override
  public Instant getTimestampForRecord(PartitionContext context, KafkaRecord<byte[], byte[]> record) {
    Instant time = eventTime.apply(record);
    if (time.isAfter(newestEventTime)) {
      newestEventTime = time;
    }
    return time;
  }

  @Override
  public Instant getWatermark(PartitionContext context) {
    Instant now = Instant.now();
    Instant candidate =
        newestEventTime.isAfter(now) ? now.minus(maxOutOfOrderness) : newestEventTime.minus(maxOutOfOrderness);
    if (context.getMessageBacklog() == 0) {
      Instant idle = context.getBacklogCheckTime().minus(maxOutOfOrderness);
      if (idle.isAfter(candidate) && !idle.isAfter(now)) {
        candidate = idle;
      }
    }
    if (candidate.isAfter(watermark)) {
      watermark = candidate;
    }
    ProgressLog.partition(topic, partition, watermark.getMillis(), context.getMessageBacklog());
    return watermark;
  }
}
