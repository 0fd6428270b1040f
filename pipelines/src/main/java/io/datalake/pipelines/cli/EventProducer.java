package io.datalake.pipelines.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.transforms.model.EventKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code ./datalake produce}: publishes realistic events of every kind to Kafka at a fixed rate,
 * built from the bundled samples (themselves made from the published fixtures) with fresh ids,
 * varied tenants and PII values, event times around now and slightly out of order; a fraction can
 * be late (hours to days old) or bad (broken JSON).
 */
public final class EventProducer {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String[] EPILOT_TENANTS = {"739224", "123", "100042", "200777"};
  private static final String[] SHOPS = {"luxstore", "cozyhome", "bikeshop"};

  private final Map<EventKind, List<ObjectNode>> templates = new EnumMap<>(EventKind.class);
  private final Random random;

  EventProducer(Path samples, long seed) throws IOException {
    random = new Random(seed);
    for (EventKind kind : EventKind.values()) {
      List<ObjectNode> list = new ArrayList<>();
      Path dir = samples.resolve(kind.folder());
      if (Files.isDirectory(dir)) {
        try (Stream<Path> files = Files.list(dir)) {
          for (Path file : files.toList()) {
            for (String line : Files.readAllLines(file)) {
              try {
                JsonNode node = JSON.readTree(line);
                if (node != null && node.isObject() && node.hasNonNull(kind.eventTimeField())
                    && !node.path(kind.eventTimeField()).asText().equals("string")) {
                  list.add((ObjectNode) node);
                }
              } catch (IOException e) {
                // the samples' bad lines are not templates
              }
            }
          }
        }
      }
      if (list.isEmpty()) {
        throw new IllegalStateException("No sample records of " + kind + " under " + dir);
      }
      templates.put(kind, list);
    }
  }

  /** One event, as a Kafka topic (the kind's default) and value. */
  ProducerRecord<String, String> next(long n, double lateFraction, double badFraction) {
    EventKind kind = EventKind.values()[(int) (n % EventKind.values().length)];
    if (random.nextDouble() < badFraction) {
      return new ProducerRecord<>(kind.folder(), "{\"broken\": " + n);
    }
    List<ObjectNode> list = templates.get(kind);
    ObjectNode event = list.get(random.nextInt(list.size())).deepCopy();
    Instant time = Instant.now().minusMillis(random.nextInt(20_000));
    if (random.nextDouble() < lateFraction) {
      time = Instant.now().minusSeconds(3600 + random.nextInt(3 * 24 * 3600));
    }
    String id = UUID.randomUUID().toString();
    event.put(kind.eventTimeField(), time.toString());
    switch (kind) {
      case CHECKOUT_ORDERS -> {
        event.put("orderId", (1_000_000_000_000L + n) + "-01");
        event.put("hostname", SHOPS[random.nextInt(SHOPS.length)]);
        JsonNode profile = event.get("clientProfileData");
        if (profile != null && profile.isObject()) {
          ((ObjectNode) profile).put("email", "customer" + random.nextInt(5000) + "@example.com");
        }
      }
      case ENTITY_OPERATIONS -> {
        event.put("id", id);
        JsonNode detail = event.get("detail");
        ObjectNode d = detail.isTextual() ? (ObjectNode) readObject(detail.textValue()) : (ObjectNode) detail;
        d.put("org", EPILOT_TENANTS[random.nextInt(EPILOT_TENANTS.length)]);
        d.put("activity_id", "01J" + Long.toString(n, 36).toUpperCase() + id.substring(0, 8).toUpperCase());
        event.set("detail", d);
      }
      case WORKFLOW_EXECUTIONS -> {
        event.put("id", id);
        event.put("org_id", EPILOT_TENANTS[random.nextInt(EPILOT_TENANTS.length)]);
      }
      default -> {
        event.put("id", id);
        event.put("org_id", EPILOT_TENANTS[random.nextInt(EPILOT_TENANTS.length)]);
        event.put("details", "{\"ip\":\"198.51.100." + random.nextInt(255) + "\",\"email\":\"visitor" + random.nextInt(5000) + "@example.net\"}");
      }
    }
    return new ProducerRecord<>(kind.folder(), id, event.toString());
  }

  private static JsonNode readObject(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Publishes rate events per second for duration seconds; returns how many were sent. */
  static long run(String bootstrap, Path samples, int rate, int durationSeconds, double late, double bad)
      throws IOException, InterruptedException {
    EventProducer producer = new EventProducer(samples, 42);
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    props.put("key.serializer", StringSerializer.class.getName());
    props.put("value.serializer", StringSerializer.class.getName());
    props.put("linger.ms", "20");
    props.put("acks", "all");
    long total = (long) rate * durationSeconds;
    long start = System.nanoTime();
    try (KafkaProducer<String, String> kafka = new KafkaProducer<>(props)) {
      for (long n = 0; n < total; n++) {
        long due = start + (long) (n * 1e9 / rate);
        long wait = due - System.nanoTime();
        if (wait > 0) {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
        kafka.send(producer.next(n, late, bad));
      }
      kafka.flush();
    }
    return total;
  }
}
