package io.datalake.pipelines.cli;

import io.datalake.transforms.kinds.EntityOperations;
import io.datalake.transforms.kinds.RecordKind;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.stream.KafkaTopology;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
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
    AtomicReference<Exception> failure = new AtomicReference<>();
    createMissingTopics(
        bootstrap,
        entities > 0
            ? List.of(EntityOperations.KIND.defaultTopic())
            : RecordKinds.builtIn().all().stream().map(RecordKind::defaultTopic).toList());
    long start = System.nanoTime(); // after the topics: the rate counts from the first send
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

  /**
   * Creates the topics that do not exist yet, with the broker's default partitions and replication,
   * as its auto-creation would: a producer that makes them by sending logs a WARN
   * (UNKNOWN_TOPIC_OR_PARTITION) per topic, which reads as a failure. A broker that refuses (no
   * rights to create topics) is left to auto-create or refuse them when sending, as before.
   */
  private static void createMissingTopics(String bootstrap, List<String> topics) {
    try (Admin admin = Admin.create(KafkaTopology.adminConfig(bootstrap, Map.of()))) {
      Set<String> existing = admin.listTopics().names().get(15, TimeUnit.SECONDS);
      List<NewTopic> missing =
          topics.stream()
              .filter(topic -> !existing.contains(topic))
              .map(topic -> new NewTopic(topic, Optional.empty(), Optional.empty()))
              .toList();
      if (!missing.isEmpty()) {
        admin.createTopics(missing).all().get(15, TimeUnit.SECONDS);
      }
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      // Another producer made one meanwhile, or no rights: sending decides, as it did before.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
