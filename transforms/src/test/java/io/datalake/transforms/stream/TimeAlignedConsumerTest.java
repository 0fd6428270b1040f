package io.datalake.transforms.stream;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.Test;

/**
 * Partitions read side by side in record time: one that runs ahead of the slowest partition with a
 * backlog waits, every record is still read once, and a partition that stops giving records does
 * not stop the others.
 */
public class TimeAlignedConsumerTest {
  private static final TopicPartition EVENTS = new TopicPartition("journey-events", 0);
  private static final TopicPartition ORDERS = new TopicPartition("checkout-orders", 0);
  private static final long READ_AHEAD = 1_000;

  /**
   * Kafka with a backlog, as its fetcher behaves: a partition is fetched again only when what was
   * fetched of it has been handed out and it is not paused, and a fetch brings about the same bytes
   * of each partition: 200 small events (2 s of their time) or 5 large orders (half a second of
   * theirs). Both partitions cover the same 60 s.
   */
  private static final class FetchingKafka {
    final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>(OffsetResetStrategy.EARLIEST);
    final Map<TopicPartition, Integer> fetched = new HashMap<>();
    final Map<TopicPartition, Integer> total = Map.of(EVENTS, 6_000, ORDERS, 600);
    final Map<TopicPartition, Integer> perFetch = Map.of(EVENTS, 200, ORDERS, 5);
    final Map<TopicPartition, Long> millisPerRecord = Map.of(EVENTS, 10L, ORDERS, 100L);

    /** Partitions whose broker gives nothing for now. */
    final Set<TopicPartition> down = new HashSet<>();

    /** The clock the aligned reader judges stalls by. */
    final AtomicLong clock = new AtomicLong();

    /** The consumer, aligned, on {@link #clock}. */
    Consumer<byte[], byte[]> alignedReader() {
      return TimeAlignedConsumer.wrap(consumer, READ_AHEAD, clock::get);
    }

    FetchingKafka() {
      consumer.assign(List.of(EVENTS, ORDERS));
      consumer.updateBeginningOffsets(Map.of(EVENTS, 0L, ORDERS, 0L));
      consumer.updateEndOffsets(Map.of(EVENTS, 6_000L, ORDERS, 600L));
      fetched.put(EVENTS, 0);
      fetched.put(ORDERS, 0);
    }

    /** One fetch round, then the poll (through {@code reader}). */
    List<ConsumerRecord<byte[], byte[]>> poll(Consumer<byte[], byte[]> reader) {
      for (TopicPartition p : List.of(EVENTS, ORDERS)) {
        boolean drained = consumer.position(p) == fetched.get(p);
        if (drained && !down.contains(p) && !consumer.paused().contains(p)) {
          int from = fetched.get(p);
          int to = Math.min(total.get(p), from + perFetch.get(p));
          for (int offset = from; offset < to; offset++) {
            consumer.addRecord(record(p, offset, offset * millisPerRecord.get(p)));
          }
          fetched.put(p, to);
        }
      }
      List<ConsumerRecord<byte[], byte[]>> polled = new java.util.ArrayList<>();
      reader.poll(Duration.ZERO).forEach(polled::add);
      return polled;
    }
  }

  private static ConsumerRecord<byte[], byte[]> record(TopicPartition p, long offset, long time) {
    return new ConsumerRecord<>(
        p.topic(),
        p.partition(),
        offset,
        time,
        TimestampType.CREATE_TIME,
        0,
        0,
        new byte[0],
        new byte[0],
        new RecordHeaders(),
        Optional.empty());
  }

  /** Polls until every record is read; the widest gap in record time while both had a backlog. */
  private static long readAll(FetchingKafka kafka, Consumer<byte[], byte[]> reader) {
    Set<String> seen = new HashSet<>();
    Map<TopicPartition, Long> reached = new HashMap<>();
    long widest = 0;
    for (int polls = 0; seen.size() < 6_600; polls++) {
      if (polls > 10_000) {
        throw new AssertionError("stalled after " + seen.size() + " records");
      }
      for (ConsumerRecord<byte[], byte[]> r : kafka.poll(reader)) {
        assertThat("read twice: " + r, seen.add(r.topic() + "/" + r.offset()), equalTo(true));
        reached.put(new TopicPartition(r.topic(), r.partition()), r.timestamp());
      }
      long events = seen.stream().filter(id -> id.startsWith(EVENTS.topic())).count();
      if (events < 6_000 && seen.size() - events < 600) {
        long gap = reached.getOrDefault(EVENTS, 0L) - reached.getOrDefault(ORDERS, 0L);
        widest = Math.max(widest, Math.abs(gap));
      }
    }
    return widest;
  }

  @Test
  public void aPartitionAheadOfTheSlowestWaitsAndEveryRecordIsReadOnce() {
    FetchingKafka kafka = new FetchingKafka();
    long widest = readAll(kafka, TimeAlignedConsumer.wrap(kafka.consumer, READ_AHEAD));
    // A fetch of either partition covers 2 s of its time: the bound plus one fetch at most.
    assertThat(widest, lessThanOrEqualTo(READ_AHEAD + 2_000));
    assertThat(kafka.consumer.paused().isEmpty(), equalTo(true));
  }

  @Test
  public void unalignedTheSmallRecordsRunFarAhead() {
    FetchingKafka kafka = new FetchingKafka();
    assertThat(readAll(kafka, kafka.consumer), greaterThan(20_000L));
  }

  @Test
  public void aPartitionThatStopsGivingRecordsHoldsTheOthersOnlyUntilItCountsAsStalled() {
    FetchingKafka kafka = new FetchingKafka();
    AtomicLong clock = kafka.clock;
    Consumer<byte[], byte[]> reader = kafka.alignedReader();
    for (int i = 0; i < 5; i++) {
      kafka.poll(reader);
    }
    kafka.down.add(ORDERS);
    for (int i = 0; i < 20; i++) {
      kafka.poll(reader);
    }
    assertThat(kafka.consumer.paused(), equalTo(Set.of(EVENTS)));
    clock.addAndGet(TimeAlignedConsumer.STALLED_MILLIS + 1);
    kafka.poll(reader);
    assertThat(kafka.consumer.paused().isEmpty(), equalTo(true));
    long before = kafka.consumer.position(EVENTS);
    for (int i = 0; i < 5; i++) {
      kafka.poll(reader);
    }
    assertThat(kafka.consumer.position(EVENTS), greaterThan(before));
  }

  @Test
  public void aPartitionResumedAfterALongPauseIsNotTakenForStalled() {
    FetchingKafka kafka = new FetchingKafka();
    AtomicLong clock = kafka.clock;
    Consumer<byte[], byte[]> reader = kafka.alignedReader();
    kafka.poll(reader);
    assertThat(kafka.consumer.paused(), equalTo(Set.of(EVENTS)));
    // The orders catch up slowly: the events stay paused longer than a stall.
    for (int polls = 0; !kafka.consumer.paused().isEmpty(); polls++) {
      assertThat("the events were never resumed", polls, lessThanOrEqualTo(10));
      clock.addAndGet(TimeAlignedConsumer.STALLED_MILLIS * 3 / 5);
      kafka.poll(reader);
    }
    assertThat(clock.get(), greaterThan(TimeAlignedConsumer.STALLED_MILLIS));
    // Resumed, the events' next fetch is slow to come (well within a stall): the orders, now
    // ahead, wait for them rather than run on as if the events had stalled.
    kafka.down.add(EVENTS);
    for (int i = 0; i < 8; i++) {
      clock.addAndGet(100);
      kafka.poll(reader);
    }
    assertThat(kafka.consumer.paused(), equalTo(Set.of(ORDERS)));
    kafka.down.remove(EVENTS);
    kafka.poll(reader);
    assertThat(kafka.consumer.paused().contains(ORDERS), equalTo(false));
    for (int polls = 0;
        kafka.consumer.position(EVENTS) < 6_000 || kafka.consumer.position(ORDERS) < 600;
        polls++) {
      assertThat("stalled", polls, lessThanOrEqualTo(10_000));
      kafka.poll(reader);
    }
  }
}
