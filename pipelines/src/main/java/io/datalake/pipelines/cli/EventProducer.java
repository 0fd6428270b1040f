package io.datalake.pipelines.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code ./datalake produce}: publishes realistic events of every kind to Kafka at a fixed rate,
 * made by {@link EventGenerator} from the bundled samples, each to its kind's default topic.
 */
public final class EventProducer {
  private EventProducer() {}

  /**
   * Publishes rate events per second for duration seconds; returns how many were sent. With {@code
   * entities > 0}, only entity operations on that many reused entities ({@link
   * EventGenerator#entityOperation}), at the real clock.
   */
  static long run(
      String bootstrap,
      Path samples,
      int rate,
      int durationSeconds,
      double late,
      double bad,
      long entities)
      throws IOException, InterruptedException {
    EventGenerator generator = new EventGenerator(samples, 42);
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    props.put("key.serializer", StringSerializer.class.getName());
    props.put("value.serializer", StringSerializer.class.getName());
    props.put("linger.ms", "20");
    props.put("acks", "all");
    long total = (long) rate * durationSeconds;
    long start = System.nanoTime();
    AtomicReference<Exception> failure = new AtomicReference<>();
    try (KafkaProducer<String, String> kafka = new KafkaProducer<>(props)) {
      for (long n = 0; n < total; n++) {
        long due = start + (long) (n * 1e9 / rate);
        long wait = due - System.nanoTime();
        if (wait > 0) {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
        EventGenerator.Event event =
            entities > 0
                ? generator.entityOperation(n, entities, java.time.Instant.now())
                : generator.next(n, late, bad);
        // The callback keeps the first failure: a record Kafka refused must not count as sent.
        var unused =
            kafka.send(
                new ProducerRecord<>(event.kind().defaultTopic(), event.key(), event.value()),
                (metadata, e) -> {
                  if (e != null) {
                    failure.compareAndSet(null, e);
                  }
                });
      }
      kafka.flush();
    }
    if (failure.get() != null) {
      throw new IllegalStateException(
          "Kafka did not accept every record: " + failure.get().getMessage(), failure.get());
    }
    return total;
  }
}
