package io.datalake.transforms.stream;

import io.datalake.transforms.kinds.RecordKind;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.model.SourceRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.io.GenerateSequence;
import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.kafka.common.TopicPartition;
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
  private final Map<RecordKind, String> topics;
  private final Map<String, Object> consumerProperties;
  private final Duration maxOutOfOrderness;
  private final Long maxRecords;
  private KafkaTopology topology;
  private Duration topologyCheck;

  public ReadKafkaTopics(
      String bootstrapServers,
      String consumerGroup,
      Map<RecordKind, String> topics,
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

  /**
   * Reads the partitions of {@code topology}, one source per generation, and checks every {@code
   * checkEvery} that Kafka still has exactly those: a partition added, or a topic deleted and
   * created again, stops the job with a message that says how to go on (see {@link
   * WatchTopologyFn}). Without it, the topics' partitions are listed when the job starts and
   * nothing watches them.
   */
  public ReadKafkaTopics withTopology(KafkaTopology topology, Duration checkEvery) {
    this.topology = topology;
    this.topologyCheck = checkEvery;
    return this;
  }

  /**
   * The topic of each built-in kind: its default topic unless overridden by {@code kind=topic,...}.
   */
  public static Map<RecordKind, String> topics(String overrides) {
    RecordKinds kinds = RecordKinds.builtIn();
    Map<RecordKind, String> topics = new LinkedHashMap<>();
    for (RecordKind kind : kinds.all()) {
      topics.put(kind, kind.defaultTopic());
    }
    for (Map.Entry<String, String> e : pairs(overrides, "--topics").entrySet()) {
      topics.put(kinds.byName(e.getKey()), e.getValue());
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
          throw new IllegalArgumentException(
              option + " entries are key=value; got " + entry.split("=")[0]);
        }
        pairs.put(kv[0].trim(), kv[1].trim());
      }
    }
    return pairs;
  }

  @Override
  public PCollection<SourceRecord> expand(PBegin begin) {
    Map<String, RecordKind> kindOfTopic = new HashMap<>();
    topics.forEach((kind, topic) -> kindOfTopic.put(topic, kind));
    Map<String, Object> consumer = new HashMap<>(consumerProperties);
    consumer.put("group.id", consumerGroup);
    consumer.putIfAbsent("auto.offset.reset", "earliest");
    // A deleted topic must stay deleted until someone creates it: a consumer that created it again
    // (the broker's default) would make a new, one-partition topic under the job's feet.
    consumer.putIfAbsent("allow.auto.create.topics", false);
    Duration delay = maxOutOfOrderness;
    KafkaIO.Read<byte[], byte[]> base =
        KafkaIO.readBytes()
            .withBootstrapServers(bootstrapServers)
            .withConsumerConfigUpdates(consumer)
            .withTimestampPolicyFactory(
                (partition, previousWatermark) ->
                    new EventTimePolicy(
                        record -> eventTime(kindOfTopic, record),
                        delay,
                        partition,
                        previousWatermark))
            .commitOffsetsInFinalize();
    if (maxRecords != null) {
      base = base.withMaxNumRecords(maxRecords);
    }
    PCollection<KafkaRecord<byte[], byte[]>> read;
    if (topology == null) {
      read = begin.apply("ReadKafka", base.withTopics(new ArrayList<>(topics.values())));
    } else {
      // Generation 0 keeps the step name of a plain read; each later one is a source of its own
      // (Flink maps checkpoint state by step name), so a restored checkpoint gives generation 0
      // its positions and a generation new to it starts from the committed offsets. A new epoch
      // renames them all: its sources take no position from the checkpoint.
      PCollectionList<KafkaRecord<byte[], byte[]>> sources =
          PCollectionList.empty(begin.getPipeline());
      List<List<String>> generations = topology.generations();
      String epoch = topology.epoch() == 0 ? "" : "Epoch" + topology.epoch();
      for (int g = 0; g < generations.size(); g++) {
        List<TopicPartition> partitions =
            generations.get(g).stream().map(KafkaTopology::toTopicPartition).toList();
        String name = (g == 0 ? "ReadKafka" : "ReadKafkaAdded" + g) + epoch;
        sources = sources.and(begin.apply(name, base.withTopicPartitions(partitions)));
      }
      read =
          sources.size() == 1
              ? sources.get(0)
              : sources.apply("AllPartitions", Flatten.pCollections());
      begin
          .apply("TopologyTicks", GenerateSequence.from(0).withRate(1, topologyCheck))
          .apply(
              "WatchTopology",
              ParDo.of(new WatchTopologyFn(bootstrapServers, consumerProperties, topology)));
    }
    return read.apply("ToSourceRecords", ParDo.of(new ToSourceRecordFn(kindOfTopic)))
        .setCoder(SourceRecord.Coder.of());
  }

  /** A record without a readable event time keeps Kafka's timestamp; parsing rejects it later. */
  private static Instant eventTime(
      Map<String, RecordKind> kindOfTopic, KafkaRecord<byte[], byte[]> record) {
    Instant time = EventTimes.of(kindOfTopic.get(record.getTopic()), record.getKV().getValue());
    return time != null ? time : new Instant(record.getTimestamp());
  }

  static class ToSourceRecordFn extends DoFn<KafkaRecord<byte[], byte[]>, SourceRecord> {
    private final Map<String, RecordKind> kindOfTopic;

    ToSourceRecordFn(Map<String, RecordKind> kindOfTopic) {
      this.kindOfTopic = kindOfTopic;
    }

    @ProcessElement
    public void process(
        @Element KafkaRecord<byte[], byte[]> record, OutputReceiver<SourceRecord> out) {
      String position = record.getTopic() + "/" + record.getPartition() + "/" + record.getOffset();
      byte[] value = record.getKV().getValue();
      out.output(
          SourceRecord.of(
              kindOfTopic.get(record.getTopic()), position, value == null ? new byte[0] : value));
    }
  }
}
