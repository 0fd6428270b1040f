package io.datalake.transforms.stream;

import io.datalake.transforms.io.ReadJsonLines;
import io.datalake.transforms.kinds.RecordKind;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.model.SourceRecord;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.beam.sdk.io.GenerateSequence;
import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.kafka.clients.consumer.KafkaConsumer;
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
  /** The consumer group unless told otherwise. */
  public static final String DEFAULT_CONSUMER_GROUP = "datalake";

  /** The source's bounded out-of-orderness unless told otherwise: one minute. */
  public static final Duration DEFAULT_MAX_OUT_OF_ORDERNESS = Duration.standardMinutes(1);

  /**
   * How far ahead, in Kafka record time, a partition may be read of the slowest partition with a
   * backlog unless told otherwise ({@link TimeAlignedConsumer}).
   */
  public static final Duration DEFAULT_READ_AHEAD = Duration.standardSeconds(5);

  private final Settings settings;

  /**
   * Reads each kind's topic (its folder name) from the Kafka cluster at {@code bootstrapServers}.
   */
  public static ReadKafkaTopics from(String bootstrapServers) {
    Settings settings = new Settings();
    settings.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    return new ReadKafkaTopics(settings);
  }

  private ReadKafkaTopics(Settings settings) {
    this.settings = settings;
  }

  /** The consumer group whose offsets are committed when the runner finalizes a checkpoint. */
  public ReadKafkaTopics withConsumerGroup(String value) {
    Objects.requireNonNull(value, "consumerGroup");
    return with(s -> s.consumerGroup = value);
  }

  /** The topic of each kind, e.g. {@link #topics(String)}. */
  public ReadKafkaTopics withTopics(Map<RecordKind, String> value) {
    Map<RecordKind, String> copy = new LinkedHashMap<>(value);
    return with(s -> s.topics = copy);
  }

  /** Kafka client settings (security, timeouts); they may hold secrets, never displayed. */
  public ReadKafkaTopics withConsumerProperties(Map<String, Object> value) {
    Map<String, Object> copy = new HashMap<>(value);
    return with(s -> s.consumerProperties = copy);
  }

  /** How far the watermark trails the newest event time read. */
  public ReadKafkaTopics withMaxOutOfOrderness(Duration value) {
    Objects.requireNonNull(value, "maxOutOfOrderness");
    return with(s -> s.maxOutOfOrderness = value);
  }

  /**
   * How far ahead, in Kafka record time, a partition may be read of the slowest partition that
   * still has a backlog before it is paused ({@link TimeAlignedConsumer}); zero reads every
   * partition as Kafka hands it out.
   */
  public ReadKafkaTopics withReadAhead(Duration value) {
    Objects.requireNonNull(value, "readAhead");
    if (value.isShorterThan(Duration.ZERO)) {
      throw new IllegalArgumentException(
          "--kafkaReadAheadSeconds must be 0 (no alignment) or more, got "
              + value.getStandardSeconds());
    }
    return with(s -> s.readAhead = value);
  }

  /**
   * Records whose value is longer than this many bytes become dead letters of step {@code read}, as
   * lines of input files do ({@link ReadJsonLines#DEFAULT_MAX_RECORD_BYTES} unless set).
   */
  public ReadKafkaTopics withMaxRecordBytes(int value) {
    if (value <= 0) {
      throw new IllegalArgumentException("--maxRecordBytes must be more than 0, got " + value);
    }
    return with(s -> s.maxRecordBytes = value);
  }

  /** Stops after this many records (tests); null (the default): reads forever. */
  public ReadKafkaTopics withMaxRecords(Long value) {
    return with(s -> s.maxRecords = value);
  }

  /**
   * Reads the partitions of {@code topology}, one source per generation, and checks every {@code
   * checkEvery} that Kafka still has exactly those: a partition added, or a topic deleted and
   * created again, stops the job with a message that says how to go on (see {@link
   * WatchTopologyFn}). Without it, the topics' partitions are listed when the job starts and
   * nothing watches them.
   */
  public ReadKafkaTopics withTopology(KafkaTopology topology, Duration checkEvery) {
    return with(
        s -> {
          s.topology = topology;
          s.topologyCheck = checkEvery;
        });
  }

  private ReadKafkaTopics with(Consumer<Settings> change) {
    Settings next = settings.copy();
    change.accept(next);
    return new ReadKafkaTopics(next);
  }

  /** The reader's settings; each {@code withX} changes a copy, never the transform's own. */
  private static final class Settings implements Cloneable, Serializable {
    private String bootstrapServers;
    private String consumerGroup = DEFAULT_CONSUMER_GROUP;
    private Map<RecordKind, String> topics = topics("");
    private Map<String, Object> consumerProperties = Map.of();
    private Duration maxOutOfOrderness = DEFAULT_MAX_OUT_OF_ORDERNESS;
    private Duration readAhead = DEFAULT_READ_AHEAD;
    private Long maxRecords;
    private int maxRecordBytes = ReadJsonLines.DEFAULT_MAX_RECORD_BYTES;
    private KafkaTopology topology;
    private Duration topologyCheck;

    /** A shallow copy: every setting is an immutable value. */
    Settings copy() {
      try {
        return (Settings) clone();
      } catch (CloneNotSupportedException e) {
        throw new AssertionError(e);
      }
    }
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    Settings s = settings;
    builder
        .add(
            DisplayData.item("bootstrapServers", s.bootstrapServers).withLabel("Bootstrap servers"))
        .add(DisplayData.item("consumerGroup", s.consumerGroup).withLabel("Consumer group"))
        .add(
            DisplayData.item("topics", String.valueOf(new TreeMap<>(topicNames())))
                .withLabel("Topics"))
        .add(
            DisplayData.item("maxOutOfOrderness", s.maxOutOfOrderness)
                .withLabel("Max out-of-orderness"))
        .add(
            DisplayData.item("readAhead", s.readAhead)
                .withLabel("Read ahead of the slowest partition"))
        .add(DisplayData.item("maxRecordBytes", s.maxRecordBytes).withLabel("Max record bytes"))
        .addIfNotNull(DisplayData.item("maxRecords", s.maxRecords).withLabel("Max records"))
        .addIfNotNull(
            DisplayData.item("topologyCheck", s.topologyCheck).withLabel("Topology check every"));
  }

  private Map<String, String> topicNames() {
    Map<String, String> names = new HashMap<>();
    settings.topics.forEach((kind, topic) -> names.put(kind.name(), topic));
    return names;
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
    Settings s = settings;
    Map<String, RecordKind> kindOfTopic = new HashMap<>();
    s.topics.forEach((kind, topic) -> kindOfTopic.put(topic, kind));
    Map<String, Object> consumer = consumerConfig(s.consumerProperties, s.consumerGroup);
    Duration delay = s.maxOutOfOrderness;
    KafkaIO.Read<byte[], byte[]> base =
        KafkaIO.readBytes()
            .withBootstrapServers(s.bootstrapServers)
            .withConsumerConfigUpdates(consumer)
            .withTimestampPolicyFactory(
                (partition, previousWatermark) ->
                    new EventTimePolicy(
                        record -> eventTime(kindOfTopic, record),
                        delay,
                        partition,
                        previousWatermark))
            .commitOffsetsInFinalize();
    long readAhead = s.readAhead.getMillis();
    if (readAhead > 0) {
      base =
          base.withConsumerFactoryFn(
              config -> TimeAlignedConsumer.wrap(new KafkaConsumer<>(config), readAhead));
    }
    if (s.maxRecords != null) {
      base = base.withMaxNumRecords(s.maxRecords);
    }
    PCollection<KafkaRecord<byte[], byte[]>> read;
    if (s.topology == null) {
      read = begin.apply("ReadKafka", base.withTopics(new ArrayList<>(s.topics.values())));
    } else {
      // Generation 0 keeps the step name of a plain read; each later one is a source of its own
      // (Flink maps checkpoint state by step name), so a restored checkpoint gives generation 0
      // its positions and a generation new to it starts from the committed offsets. A new epoch
      // renames them all: its sources take no position from the checkpoint.
      PCollectionList<KafkaRecord<byte[], byte[]>> sources =
          PCollectionList.empty(begin.getPipeline());
      List<List<String>> generations = s.topology.generations();
      String epoch = s.topology.epoch() == 0 ? "" : "Epoch" + s.topology.epoch();
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
          .apply("TopologyTicks", GenerateSequence.from(0).withRate(1, s.topologyCheck))
          .apply(
              "WatchTopology",
              ParDo.of(new WatchTopologyFn(s.bootstrapServers, s.consumerProperties, s.topology)));
    }
    return read.apply(
            "ToSourceRecords", ParDo.of(new ToSourceRecordFn(kindOfTopic, s.maxRecordBytes)))
        .setCoder(SourceRecord.Coder.of());
  }

  /**
   * The bytes of records one fetch asks for, all partitions together, unless the job's consumer
   * properties say otherwise. Kafka's client reads each fetch response into one heap array of its
   * size, by default up to 50 MiB (1 MiB per partition): with a backlog, arrays of a few MiB, five
   * a second at 4,000 records/s. G1 allocates an array of half a heap region or more (512 KiB on a
   * heap under 4 GiB) outside the young generation, and each such allocation on a heap that holds a
   * stream's windows starts a concurrent cycle: they were nine in ten of a stream's concurrent
   * cycles, and the collector's CPU halved without them (the bench diary, "Twenty-fifth look").
   * Fetches of 256 KiB stay below that on any heap; a broker a millisecond away still serves such a
   * consumer hundreds of MB/s.
   */
  public static final int DEFAULT_FETCH_MAX_BYTES = 256 * 1024;

  /** The consumer's settings: the job's properties, its group, and the defaults it relies on. */
  static Map<String, Object> consumerConfig(Map<String, Object> properties, String group) {
    Map<String, Object> consumer = new HashMap<>(properties);
    consumer.put("group.id", group);
    consumer.putIfAbsent("auto.offset.reset", "earliest");
    // A deleted topic must stay deleted until someone creates it: a consumer that created it again
    // (the broker's default) would make a new, one-partition topic under the job's feet.
    consumer.putIfAbsent("allow.auto.create.topics", false);
    consumer.putIfAbsent("fetch.max.bytes", DEFAULT_FETCH_MAX_BYTES);
    return consumer;
  }

  /** A record without a readable event time keeps Kafka's timestamp; parsing rejects it later. */
  private static Instant eventTime(
      Map<String, RecordKind> kindOfTopic, KafkaRecord<byte[], byte[]> record) {
    Instant time = EventTimes.of(kindOfTopic.get(record.getTopic()), record.getKV().getValue());
    return time != null ? time : new Instant(record.getTimestamp());
  }

  /**
   * A Kafka record as the parse step's input, held to the rules of a line of an input file: a value
   * over {@code --maxRecordBytes} is an oversize record, a record without a value (a tombstone) is
   * unreadable, and a trailing line end ({@code \n}, {@code \r\n}) is not part of the record, so
   * that a value and the same text read from a file give the same rows and the same dead letters.
   */
  static class ToSourceRecordFn extends DoFn<KafkaRecord<byte[], byte[]>, SourceRecord> {
    private final Map<String, RecordKind> kindOfTopic;
    private final int maxRecordBytes;

    ToSourceRecordFn(Map<String, RecordKind> kindOfTopic, int maxRecordBytes) {
      this.kindOfTopic = kindOfTopic;
      this.maxRecordBytes = maxRecordBytes;
    }

    @ProcessElement
    public void process(
        @Element KafkaRecord<byte[], byte[]> record, OutputReceiver<SourceRecord> out) {
      out.output(
          toSourceRecord(
              kindOfTopic.get(record.getTopic()),
              position(record),
              record.getKV().getValue(),
              maxRecordBytes));
    }

    /**
     * Where a record is: {@code topic/partition/offset@time}, the time its Kafka timestamp. The
     * warehouse keys dead letters by this text, so it must name one record: a topic deleted and
     * made again (or another cluster's topic of the same name) starts its offsets at 0 again, and
     * by offset alone its dead letters replaced the first topic's in ClickHouse. A replay reads the
     * same timestamp, so its dead letter still replaces its own.
     */
    static String position(KafkaRecord<?, ?> record) {
      String offset = record.getTopic() + "/" + record.getPartition() + "/" + record.getOffset();
      long timestamp = record.getTimestamp();
      return timestamp < 0 ? offset : offset + "@" + java.time.Instant.ofEpochMilli(timestamp);
    }

    static SourceRecord toSourceRecord(
        RecordKind kind, String position, byte[] value, int maxRecordBytes) {
      if (value == null) {
        return SourceRecord.unreadable(
            kind, position, "Kafka record without a value (a tombstone)");
      }
      if (value.length > maxRecordBytes) {
        return SourceRecord.oversize(kind, position, value.length);
      }
      int end = value.length;
      if (end > 0 && value[end - 1] == '\n') {
        end--;
      }
      if (end > 0 && value[end - 1] == '\r') {
        end--;
      }
      return SourceRecord.of(
          kind, position, end == value.length ? value : Arrays.copyOf(value, end));
    }
  }
}
