package io.datalake.transforms.stream;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kafka consumer that reads its partitions side by side in record time: a partition whose reading
 * has got more than a bound ahead (by Kafka's record timestamps) of the furthest-behind partition
 * that still has a backlog is paused until that one catches up.
 *
 * <p>Why: a consumer with a backlog fetches about the same number of bytes from each partition, so
 * a topic of small records is read far ahead in time of a topic of large ones (a stream at 4,000
 * records/s, over what the machine could take: the VTEX orders, 14 KB each, were read at a tenth of
 * the rate of the journey events). The watermark is the slowest partition's, so no event-time
 * window closed, every other topic's rows piled up in window state, and the heap filled until
 * garbage collection took the job over. Aligned, the partitions stay within the bound of each
 * other, windows close as the slowest partition moves, and what the job holds stays bounded by
 * time.
 *
 * <p>A partition with nothing left to read (no lag) holds no one back. Until every partition with a
 * backlog has given a record, nothing is paused: an unread partition may be the oldest. A partition
 * with a backlog that has given nothing for {@link #STALLED_MILLIS} (a broker that does not answer
 * for it) holds no one back either: the others go on, as they would without this class. Only {@code
 * poll} and {@code assign} are looked at; every other call goes straight to the consumer. Like the
 * consumer, not thread-safe: KafkaIO polls from one thread.
 */
public final class TimeAlignedConsumer implements InvocationHandler {
  private static final Logger LOG = LoggerFactory.getLogger(TimeAlignedConsumer.class);

  /** A partition that gave no record for this long, backlog or not, holds no one back. */
  static final long STALLED_MILLIS = 10_000;

  private final Consumer<?, ?> consumer;
  private final long readAheadMillis;
  private final LongSupplier clockMillis;

  /** When each partition last gave a record, or was first seen, by {@link #clockMillis}. */
  private final Map<TopicPartition, Long> lastRecordAt = new HashMap<>();

  /** The timestamp of the last record given out, per partition. */
  private final Map<TopicPartition, Long> reached = new HashMap<>();

  /** The partitions this class paused (and so may resume). */
  private final Set<TopicPartition> paused = new HashSet<>();

  private TimeAlignedConsumer(
      Consumer<?, ?> consumer, long readAheadMillis, LongSupplier clockMillis) {
    this.consumer = consumer;
    this.readAheadMillis = readAheadMillis;
    this.clockMillis = clockMillis;
  }

  /** {@code consumer}, its partitions read at most {@code readAheadMillis} apart in record time. */
  public static <K, V> Consumer<K, V> wrap(Consumer<K, V> consumer, long readAheadMillis) {
    return wrap(consumer, readAheadMillis, () -> System.nanoTime() / 1_000_000);
  }

  /** As {@link #wrap(Consumer, long)}, with this clock for {@link #STALLED_MILLIS} (tests). */
  @SuppressWarnings("unchecked")
  static <K, V> Consumer<K, V> wrap(
      Consumer<K, V> consumer, long readAheadMillis, LongSupplier clockMillis) {
    if (readAheadMillis < 0) {
      throw new IllegalArgumentException("read-ahead must be 0 or more, got " + readAheadMillis);
    }
    return (Consumer<K, V>)
        Proxy.newProxyInstance(
            Consumer.class.getClassLoader(),
            new Class<?>[] {Consumer.class},
            new TimeAlignedConsumer(consumer, readAheadMillis, clockMillis));
  }

  @Override
  public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
    if (method.getDeclaringClass() == Object.class) {
      return switch (method.getName()) {
        case "equals" -> proxy == args[0];
        case "hashCode" -> System.identityHashCode(proxy);
        default -> "TimeAlignedConsumer(" + consumer + ")";
      };
    }
    Object result;
    try {
      result = method.invoke(consumer, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
    switch (method.getName()) {
      case "poll" -> align((ConsumerRecords<?, ?>) result);
      case "assign" -> forgetUnassigned();
      default -> {
        // every other call as it is
      }
    }
    return result;
  }

  /** Notes how far each partition got, then pauses the ones ahead and resumes the rest. */
  private void align(ConsumerRecords<?, ?> records) {
    long now = clockMillis.getAsLong();
    for (TopicPartition partition : records.partitions()) {
      List<? extends ConsumerRecord<?, ?>> read = records.records(partition);
      reached.put(partition, read.get(read.size() - 1).timestamp());
      lastRecordAt.put(partition, now);
    }
    Set<TopicPartition> assigned = consumer.assignment();
    long floor = Long.MAX_VALUE;
    for (TopicPartition partition : assigned) {
      OptionalLong lag = consumer.currentLag(partition);
      boolean behind = lag.isEmpty() || lag.getAsLong() > 0;
      boolean stalled = now - lastRecordAt.computeIfAbsent(partition, p -> now) > STALLED_MILLIS;
      if (!behind || stalled) {
        continue;
      }
      Long time = reached.get(partition);
      if (time == null) {
        floor = Long.MIN_VALUE; // not read yet: it may be the oldest, so hold no one back
        break;
      }
      floor = Math.min(floor, time);
    }
    List<TopicPartition> pause = new ArrayList<>();
    List<TopicPartition> resume = new ArrayList<>();
    for (TopicPartition partition : assigned) {
      Long time = reached.get(partition);
      boolean ahead =
          floor != Long.MIN_VALUE
              && floor != Long.MAX_VALUE
              && time != null
              && time - floor > readAheadMillis;
      if (ahead && paused.add(partition)) {
        pause.add(partition);
      } else if (!ahead && paused.remove(partition)) {
        resume.add(partition);
        lastRecordAt.put(partition, now); // it could give nothing while paused: not stalled
      }
    }
    if (!pause.isEmpty()) {
      consumer.pause(pause);
      LOG.debug("paused {}, ahead of the slowest partition at {}", pause, floor);
    }
    if (!resume.isEmpty()) {
      consumer.resume(resume);
      LOG.debug("resumed {}", resume);
    }
  }

  /** A partition no longer assigned is forgotten (and was unpaused by the new assignment). */
  private void forgetUnassigned() {
    Collection<TopicPartition> assigned = consumer.assignment();
    reached.keySet().retainAll(assigned);
    lastRecordAt.keySet().retainAll(assigned);
    paused.retainAll(consumer.paused());
  }
}
