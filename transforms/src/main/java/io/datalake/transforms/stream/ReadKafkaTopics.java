package io.datalake.transforms.stream;

import io.datalake.transforms.model.EventKind;
import io.datalake.transforms.model.SourceRecord;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Reads one Kafka topic per kind. Kafka's record timestamps are not event time: each record's
 * timestamp is its own event time, and the watermark trails the newest event time by a bounded
 * out-of-orderness (an idle partition lets it follow the clock). Offsets are committed to the
 * consumer group when the runner finalizes a checkpoint.
 */
public class ReadKafkaTopics extends PTransform<PBegin, PCollection<SourceRecord>> {
  private final String bootstrapServers;
  private final String consumerGroup;
  private final Map<EventKind, String> topics;
  private final Map<String, Object> consumerProperties;
  private final Duration maxOutOfOrderness;
  private final Long maxRecords;

  public ReadKafkaTopics(
      String bootstrapServers,
      String consumerGroup,
      Map<EventKind, String> topics,
      Map<String, Object> consumerProperties,
      Duration maxOutOfOrderness,
      Long maxRecords) {
    this.bootstrapServers = bootstrapServers;
    this.consumerGroup = consumerGroup;
    this.topics = topics;
    this.consumerProperties = consumerProperties;
    this.maxOutOfOrderness = maxOutOfOrderness;
    this.maxRecords = maxRecords;
  }

  /** The topic of each kind: its folder name unless overridden by {@code kind=topic,...}. */
  public static Map<EventKind, String> topics(String overrides) {
    Map<EventKind, String> topics = new EnumMap<>(EventKind.class);
    for (EventKind kind : EventKind.values()) {
      topics.put(kind, kind.folder());
    }
    for (Map.Entry<String, String> e : pairs(overrides, "--topics").entrySet()) {
      topics.put(EventKind.fromFolder(e.getKey()), e.getValue());
    }
    return topics;
  }

  /** {@code key=value,key=value}. */
  public static Map<String, String> pairs(String spec, String option) {
    Map<String, String> pairs = new HashMap<>();
    if (spec != null) {
      for (String entry : spec.split(",")) {
        if (entry.isBlank()) {
          continue;
        }
        String[] kv = entry.split("=", 2);
        if (kv.length != 2) {
          throw new IllegalArgumentException(option + " entries are key=value; got " + entry.split("=")[0]);
        }
        pairs.put(kv[0].trim(), kv[1].trim());
      }
    }
    return pairs;
  }

  @Override
  public PCollection<SourceRecord> expand(PBegin begin) {
    Map<String, EventKind> kindOfTopic = new HashMap<>();
    topics.forEach((kind, topic) -> kindOfTopic.put(topic, kind));
    Map<String, Object> consumer = new HashMap<>(consumerProperties);
    consumer.put("group.id", consumerGroup);
    consumer.putIfAbsent("auto.offset.reset", "earliest");
    Duration delay = maxOutOfOrderness;
    KafkaIO.Read<byte[], byte[]> read =
        KafkaIO.readBytes()
            .withBootstrapServers(bootstrapServers)
            .withTopics(new ArrayList<>(topics.values()))
            .withConsumerConfigUpdates(consumer)
            .withTimestampPolicyFactory(
                (partition, previousWatermark) ->
                    new EventTimePolicy(record -> eventTime(kindOfTopic, record), delay, partition, previousWatermark))
            .commitOffsetsInFinalize();
    if (maxRecords != null) {
      read = read.withMaxNumRecords(maxRecords);
    }
    return begin
        .apply("ReadKafka", read)
        .apply("ToSourceRecords", ParDo.of(new ToSourceRecordFn(kindOfTopic)))
        .setCoder(SourceRecord.Coder.of());
  }

  /** A record without a readable event time keeps Kafka's timestamp; parsing rejects it later. */
  private static Instant eventTime(Map<String, EventKind> kindOfTopic, KafkaRecord<byte[], byte[]> record) {
    Instant time = EventTimes.of(kindOfTopic.get(record.getTopic()), record.getKV().getValue());
    return time != null ? time : new Instant(record.getTimestamp());
  }

  static class ToSourceRecordFn extends DoFn<KafkaRecord<byte[], byte[]>, SourceRecord> {
    private final Map<String, EventKind> kindOfTopic;

    ToSourceRecordFn(Map<String, EventKind> kindOfTopic) {
      this.kindOfTopic = kindOfTopic;
    }

    @ProcessElement
    public void process(@Element KafkaRecord<byte[], byte[]> record, OutputReceiver<SourceRecord> out) {
      String position = record.getTopic() + "/" + record.getPartition() + "/" + record.getOffset();
      byte[] value = record.getKV().getValue();
      out.output(SourceRecord.of(kindOfTopic.get(record.getTopic()), position, value == null ? new byte[0] : value));
    }
  }
}
