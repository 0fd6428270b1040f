package io.datalake.pipelines.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.transforms.model.EventKind;
import io.datalake.transforms.model.RecordRejectedException;
import io.datalake.transforms.parse.DroppedFields;
import io.datalake.transforms.parse.MappedRecord;
import io.datalake.transforms.parse.RecordMappers;
import io.datalake.transforms.pii.PiiEncryptor;
import io.datalake.transforms.pii.PiiKeyset;
import io.datalake.transforms.pii.PiiPolicy;
import io.datalake.transforms.schema.JsonTyper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.function.LongFunction;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Realistic events of every kind, built from the bundled samples (themselves made from the
 * published fixtures) with fresh ids, varied tenants and PII values, event times around "now" and
 * slightly out of order; a fraction can be late (hours to days old) or bad (broken JSON). Event
 * {@code n} is of kind {@code n % 7}, so every kind gets the same number of events.
 *
 * <p>Shared by {@code ./datalake produce} (Kafka, the real clock, random ids) and the benchmark
 * (files or Kafka, a fixed clock and ids that embed {@code n}, so a run is reproducible and each
 * record can be recognised where it lands).
 */
public final class EventGenerator {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String[] EPILOT_TENANTS = {"739224", "123", "100042", "200777"};
  private static final String[] SHOPS = {"luxstore", "cozyhome", "bikeshop"};

  /** One generated event: its kind (whose folder is also the default topic), key and JSON text. */
  public record Event(EventKind kind, String key, String value) {}

  private final Map<EventKind, List<ObjectNode>> templates = new EnumMap<>(EventKind.class);
  private final Random random;
  private final Supplier<Instant> clock;
  private final LongFunction<String> ids;

  /**
   * The generator of {@code ./datalake produce}: event times from the clock, random UUIDs, the
   * sample records the pipeline accepts as templates. Bad records come only from the bad fraction
   * asked for, so a demo's dead letters are the ones it asked for.
   */
  public EventGenerator(Path samples, long seed) throws IOException {
    this(samples, seed, Instant::now, n -> UUID.randomUUID().toString(), true);
  }

  /**
   * @param clock "now" of each event: event times are up to 20 s before it (late ones hours to
   *     days)
   * @param ids the id of event {@code n} (entity operations, executions, sessions, events)
   * @param acceptedOnly keep only the templates whose events the pipeline accepts: the samples also
   *     hold records made to be rejected (a VTEX order whose value is not money, an unknown entity
   *     operation), which would otherwise make a fraction of the events dead letters even with no
   *     bad fraction asked for
   */
  public EventGenerator(
      Path samples,
      long seed,
      Supplier<Instant> clock,
      LongFunction<String> ids,
      boolean acceptedOnly)
      throws IOException {
    this.random = new Random(seed);
    this.clock = clock;
    this.ids = ids;
    Random trial = new Random(seed);
    for (EventKind kind : EventKind.values()) {
      List<ObjectNode> list = new ArrayList<>();
      Path dir = samples.resolve(kind.folder());
      if (Files.isDirectory(dir)) {
        try (Stream<Path> files = Files.list(dir)) {
          for (Path file : files.sorted().toList()) {
            for (String line : Files.readAllLines(file)) {
              try {
                JsonNode node = JSON.readTree(line);
                if (node != null
                    && node.isObject()
                    && node.hasNonNull(kind.eventTimeField())
                    && !node.path(kind.eventTimeField()).asText().equals("string")
                    && (!acceptedOnly
                        || accepted(
                            kind,
                            event(
                                kind,
                                (ObjectNode) node,
                                0,
                                Instant.EPOCH,
                                new UUID(0, 0).toString(),
                                trial)))) {
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

  /** The kind of event {@code n}. */
  public static EventKind kindOf(long n) {
    return EventKind.values()[(int) (n % EventKind.values().length)];
  }

  /** The order id of event {@code n} (checkout orders). */
  public static String orderId(long n) {
    return (1_000_000_000_000L + n) + "-01";
  }

  /**
   * The activity id of entity operation {@code n} with id {@code id}: unique, as the warehouse's
   * key needs.
   */
  public static String activityId(long n, String id) {
    return "01J" + Long.toString(n, 36).toUpperCase() + id.substring(0, 8).toUpperCase();
  }

  /** Event {@code n}; late and bad are the fractions of late and broken events. */
  public Event next(long n, double lateFraction, double badFraction) {
    EventKind kind = kindOf(n);
    if (random.nextDouble() < badFraction) {
      return new Event(kind, null, "{\"broken\": " + n);
    }
    List<ObjectNode> list = templates.get(kind);
    ObjectNode template = list.get(random.nextInt(list.size()));
    Instant now = clock.get();
    Instant time = now.minusMillis(random.nextInt(20_000));
    if (random.nextDouble() < lateFraction) {
      time = now.minusSeconds(3600 + random.nextInt(3 * 24 * 3600));
    }
    String id = ids.apply(n);
    return new Event(kind, id, event(kind, template, n, time, id, random).toString());
  }

  /** A copy of the template with the event's time, ids, tenant and PII values. */
  private static ObjectNode event(
      EventKind kind, ObjectNode template, long n, Instant time, String id, Random random) {
    ObjectNode event = template.deepCopy();
    event.put(kind.eventTimeField(), time.toString());
    switch (kind) {
      case CHECKOUT_ORDERS -> {
        event.put("orderId", orderId(n));
        event.put("hostname", SHOPS[random.nextInt(SHOPS.length)]);
        JsonNode profile = event.get("clientProfileData");
        if (profile != null && profile.isObject()) {
          ((ObjectNode) profile).put("email", "customer" + random.nextInt(5000) + "@example.com");
        }
      }
      case ENTITY_OPERATIONS -> {
        event.put("id", id);
        JsonNode detail = event.get("detail");
        ObjectNode d =
            detail.isTextual() ? (ObjectNode) readObject(detail.textValue()) : (ObjectNode) detail;
        d.put("org", EPILOT_TENANTS[random.nextInt(EPILOT_TENANTS.length)]);
        d.put("activity_id", activityId(n, id));
        event.set("detail", d);
      }
      case WORKFLOW_EXECUTIONS -> {
        event.put("id", id);
        event.put("org_id", EPILOT_TENANTS[random.nextInt(EPILOT_TENANTS.length)]);
      }
      default -> {
        event.put("id", id);
        event.put("org_id", EPILOT_TENANTS[random.nextInt(EPILOT_TENANTS.length)]);
        event.put(
            "details",
            "{\"ip\":\"198.51.100."
                + random.nextInt(255)
                + "\",\"email\":\"visitor"
                + random.nextInt(5000)
                + "@example.net\"}");
      }
    }
    return event;
  }

  /**
   * Whether the pipeline turns the event into rows: the default dropped fields, PII encryption,
   * mapping and typing, as ParseRecords does.
   */
  private static boolean accepted(EventKind kind, ObjectNode event) {
    try {
      ObjectNode record = event.deepCopy();
      DroppedFields.parse("checkout-orders:customData").apply(kind, record);
      new PiiEncryptor(PiiKeyset.development().cipher())
          .encrypt(record, PiiPolicy.defaults().paths(kind));
      MappedRecord mapped = RecordMappers.forKind(kind).map(record);
      for (MappedRecord.TableRow row : mapped.rows()) {
        JsonTyper.toRecord(
            row.json(),
            row.table(),
            kind == EventKind.CHECKOUT_ORDERS
                ? JsonTyper.JsonStyle.SCALARS_AS_STRINGS
                : JsonTyper.JsonStyle.AS_IS);
      }
      return true;
    } catch (RecordRejectedException | RuntimeException e) {
      return false;
    }
  }

  private static JsonNode readObject(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
