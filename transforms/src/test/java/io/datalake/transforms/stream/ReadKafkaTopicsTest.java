package io.datalake.transforms.stream;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import io.datalake.transforms.kinds.RecordKind;
import io.datalake.transforms.model.SourceRecord;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.io.kafka.KafkaTimestampType;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.joda.time.Duration;
import org.junit.Test;

public class ReadKafkaTopicsTest {
  private static List<String> shown(ReadKafkaTopics read) {
    return DisplayData.from(read).items().stream()
        .map(i -> i.getKey() + "=" + i.getValue())
        .toList();
  }

  @Test
  public void displayDataShowsWhatIsReadAndNeverTheClientProperties() {
    ReadKafkaTopics base = ReadKafkaTopics.from("kafka:9092");
    ReadKafkaTopics read =
        base.withConsumerGroup("lake-1")
            .withTopics(ReadKafkaTopics.topics("journey-events=je"))
            .withConsumerProperties(
                Map.of("sasl.jaas.config", "PlainLoginModule password=\"s3cret\""))
            .withMaxOutOfOrderness(Duration.standardSeconds(5));
    List<String> items = shown(read);
    assertThat(items, hasItem("bootstrapServers=kafka:9092"));
    assertThat(items, hasItem("consumerGroup=lake-1"));
    assertThat(items, hasItem("maxOutOfOrderness=5000"));
    assertThat(String.join(" ", items), containsString("journey-events=je"));
    assertThat(String.join(" ", items), not(containsString("s3cret")));
    // withX returns a copy: the base keeps its defaults.
    assertThat(shown(base), hasItem("consumerGroup=" + ReadKafkaTopics.DEFAULT_CONSUMER_GROUP));
  }

  @Test
  public void fetchesStayBelowG1sLargeObjectsUnlessTheJobSaysOtherwise() {
    Map<String, Object> defaults = ReadKafkaTopics.consumerConfig(Map.of(), "lake");
    assertThat(defaults.get("fetch.max.bytes"), is(256 * 1024));
    assertThat(defaults.get("group.id"), is("lake"));
    // Half a G1 region of the smallest size (1 MiB): an array this large is a humongous object.
    assertThat((Integer) defaults.get("fetch.max.bytes") < 512 * 1024, is(true));
    Map<String, Object> own =
        ReadKafkaTopics.consumerConfig(Map.of("fetch.max.bytes", "10485760"), "lake");
    assertThat(own.get("fetch.max.bytes"), is("10485760"));
  }

  /**
   * A record's position names it: offset and Kafka timestamp, so that a topic made again (offsets
   * from 0 again) does not give its records the first topic's dead-letter keys.
   */
  @Test
  public void aPositionNamesTheRecordNotOnlyItsOffset() {
    KafkaRecord<byte[], byte[]> first =
        new KafkaRecord<>(
            "journey-events",
            1,
            3,
            1_733_562_541_123L,
            KafkaTimestampType.CREATE_TIME,
            null,
            new byte[0],
            new byte[0]);
    assertThat(
        ReadKafkaTopics.ToSourceRecordFn.position(first),
        is("journey-events/1/3@2024-12-07T09:09:01.123Z"));
    KafkaRecord<byte[], byte[]> again =
        new KafkaRecord<>(
            "journey-events",
            1,
            3,
            1_733_562_600_000L,
            KafkaTimestampType.CREATE_TIME,
            null,
            new byte[0],
            new byte[0]);
    assertThat(
        ReadKafkaTopics.ToSourceRecordFn.position(again),
        not(ReadKafkaTopics.ToSourceRecordFn.position(first)));
    KafkaRecord<byte[], byte[]> none =
        new KafkaRecord<>(
            "t", 0, 9, -1L, KafkaTimestampType.NO_TIMESTAMP_TYPE, null, new byte[0], new byte[0]);
    assertThat(ReadKafkaTopics.ToSourceRecordFn.position(none), is("t/0/9"));
  }

  /** A Kafka record is held to the rules of a line of an input file. */
  @Test
  public void aKafkaRecordIsReadAsALineIs() {
    RecordKind kind = io.datalake.transforms.kinds.JourneyEvents.KIND;
    SourceRecord crlf =
        ReadKafkaTopics.ToSourceRecordFn.toSourceRecord(
            kind, "t/0/1", "{\"a\": 1}\r\n".getBytes(StandardCharsets.UTF_8), 100);
    assertThat(new String(crlf.payload(), StandardCharsets.UTF_8), is("{\"a\": 1}"));
    SourceRecord large =
        ReadKafkaTopics.ToSourceRecordFn.toSourceRecord(kind, "t/0/2", new byte[101], 100);
    assertThat(large.readError(), is("record of 101 bytes exceeds --maxRecordBytes"));
    SourceRecord tombstone =
        ReadKafkaTopics.ToSourceRecordFn.toSourceRecord(kind, "t/0/3", null, 100);
    assertThat(tombstone.readError(), is("Kafka record without a value (a tombstone)"));
    assertThat(
        DisplayData.from(ReadKafkaTopics.from("k:9092").withMaxRecordBytes(100)).items().stream()
            .map(item -> item.getKey() + "=" + item.getValue())
            .toList(),
        hasItem("maxRecordBytes=100"));
  }
}
