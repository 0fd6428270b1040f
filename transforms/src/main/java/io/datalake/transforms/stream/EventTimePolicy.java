package io.datalake.transforms.stream;

import io.datalake.transforms.monitor.PipelineMetrics;
import java.util.Optional;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.io.kafka.TimestampPolicy;
import org.apache.beam.sdk.metrics.Gauge;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.kafka.common.TopicPartition;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * The watermark of one Kafka partition: the newest event time read, less a bounded
 * out-of-orderness. A partition that has caught up (no backlog) is idle and lets its watermark
 * follow the clock less the same bound, also when it never had a record: Beam's
 * CustomTimestampPolicyWithLimitedDelay keeps an empty partition at the minimum forever, which
 * holds every window of the job back.
 *
 * <p>Nothing read can move this partition ahead of the clock. A record's timestamp is its event
 * time, but at most the clock at the time it is read: one record dated 2099 would otherwise push
 * the watermark to 2099, and every later row of the partition would count as too late. The parse
 * step restamps each row with its own event time, or dead-letters a record too far ahead ({@code
 * --maxFutureSeconds}); so the watermark is never ahead of the clock less the out-of-orderness,
 * which {@link RouteLateRows} relies on.
 */
public class EventTimePolicy extends TimestampPolicy<byte[], byte[]> {
  private final SerializableFunction<KafkaRecord<byte[], byte[]>, Instant> eventTime;
  private final Duration maxOutOfOrderness;
  private final String topic;
  private final int partition;
  private Instant newestEventTime = BoundedWindow.TIMESTAMP_MIN_VALUE;
  private Instant watermark;
  private final Gauge watermarkGauge;
  private final Gauge backlogGauge;

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
    this.watermarkGauge = PipelineMetrics.kafkaWatermark(topic, partition);
    this.backlogGauge = PipelineMetrics.kafkaBacklog(topic, partition);
  }

  @Override
  public Instant getTimestampForRecord(
      PartitionContext context, KafkaRecord<byte[], byte[]> record) {
    Instant time = eventTime.apply(record);
    Instant now = Instant.now();
    if (time.isAfter(now)) {
      time = now;
    }
    if (time.isAfter(newestEventTime)) {
      newestEventTime = time;
    }
    return time;
  }

  @Override
  public Instant getWatermark(PartitionContext context) {
    Instant now = Instant.now();
    // newestEventTime is never after the clock (see getTimestampForRecord).
    Instant candidate = newestEventTime.minus(maxOutOfOrderness);
    if (context.getMessageBacklog() == 0) {
      Instant idle = context.getBacklogCheckTime().minus(maxOutOfOrderness);
      if (idle.isAfter(candidate) && !idle.isAfter(now)) {
        candidate = idle;
      }
    }
    if (candidate.isAfter(watermark)) {
      watermark = candidate;
    }
    if (watermark.isAfter(BoundedWindow.TIMESTAMP_MIN_VALUE)) {
      watermarkGauge.set(watermark.getMillis());
    }
    backlogGauge.set(context.getMessageBacklog());
    return watermark;
  }
}
