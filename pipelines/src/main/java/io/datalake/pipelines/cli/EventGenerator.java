package io.datalake.pipelines.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.transforms.kinds.EntityOperations;
import io.datalake.transforms.kinds.RecordKind;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.model.RecordRejectedException;
import io.datalake.transforms.parse.DroppedFields;
import io.datalake.transforms.parse.RecordParser;
import io.datalake.transforms.pii.PiiEncryptor;
import io.datalake.transforms.pii.PiiKeyset;
import io.datalake.transforms.pii.PiiPolicy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
 * {@code n} is of the {@code n % k}-th of the k built-in kinds, so every kind gets the same number
 * of events. What a kind's events hold beyond their time comes from its descriptor ({@link
 * RecordKind#sample()}).
 *
 * <p>Shared by {@code ./datalake produce} (Kafka, the real clock, random ids) and the benchmark
 * (files or Kafka, a fixed clock and ids that embed {@code n}, so a run is reproducible and each
 * record can be recognised where it lands).
 */
public final class EventGenerator {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final RecordKinds KINDS = RecordKinds.builtIn();

  /** One generated event: its kind (whose folder is also the default topic), key and JSON text. */
  public record Event(RecordKind kind, String key, String value) {}

  private final Map<RecordKind, List<ObjectNode>> templates = new LinkedHashMap<>();
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
    // The parse step's own code, with the default dropped fields and PII policy.
    RecordParser parser =
        new RecordParser(
            new PiiEncryptor(PiiKeyset.development().cipher()),
            PiiPolicy.defaults(KINDS),
            DroppedFields.defaults(KINDS));
    for (RecordKind kind : KINDS.all()) {
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
                            parser,
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
  public static RecordKind kindOf(long n) {
    return KINDS.all().get((int) (n % KINDS.all().size()));
  }

  /**
   * The id event {@code n}, generated with id {@code id}, has in its kind's primary table (column
   * {@link RecordKind#recordIdField()}).
   */
  public static String recordId(long n, String id) {
    return kindOf(n).sample().recordId(n, id);
  }

  /** Event {@code n}; late and bad are the fractions of late and broken events. */
  public Event next(long n, double lateFraction, double badFraction) {
    RecordKind kind = kindOf(n);
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

  /**
   * Event {@code n} of the entity-reuse mode ({@code ./datalake produce --entities N}, the snapshot
   * benchmark): an entity operation on entity {@code n % entities}, so that N entities get many
   * operations each. Round {@code n / entities} 0 creates the entity; later rounds mostly update
   * it, and a few add relations, soft-delete or restore it (deterministic per entity and round).
   * Each entity keeps its tenant, schema and id, and a detail of 1 to 4 KB (its own size), as the
   * state the roll-up holds.
   */
  public Event entityOperation(long n, long entities, Instant time) {
    if (entities <= 0) {
      throw new IllegalArgumentException("entities must be at least 1, not " + entities);
    }
    long entity = n % entities;
    long round = n / entities;
    Random perEntity = new Random(entity * 0x9E3779B97F4A7C15L + 17);
    List<ObjectNode> list = templates.get(EntityOperations.KIND);
    ObjectNode event = list.get(perEntity.nextInt(list.size())).deepCopy();
    String id = ids.apply(n);
    event.put(EntityOperations.KIND.eventTimeField(), time.toString());
    EntityOperations.KIND.sample().fill(event, n, id, random);
    ObjectNode detail = (ObjectNode) event.get("detail");
    String entityId = new UUID(0x5EED_0000_0000_4000L, 0x8000_0000_0000_0000L | entity).toString();
    detail.put("entity", entityId);
    detail.put("org", Long.toString(1000 + perEntity.nextInt(50)));
    detail.withObject("/params").put("id", entityId);
    detail.put("operation", reuseOperation(entity, round));
    // Pads the payload to the entity's own size: the state per entity is its latest detail.
    int size = 1024 + perEntity.nextInt(3 * 1024);
    int missing = size - detail.toString().length();
    if (missing > 0) {
      detail.withObject("/payload").put("notes", "x".repeat(missing));
    }
    event.set("detail", detail);
    return new Event(EntityOperations.KIND, id, event.toString());
  }

  /**
   * The operation of entity {@code entity} in round {@code round}: a create first, then 90%
   * updates, 4% relation operations, 3% soft deletes and 3% restores.
   */
  public static String reuseOperation(long entity, long round) {
    if (round == 0) {
      return "createEntity";
    }
    long roll = Math.floorMod((entity * 31 + round) * 0x9E3779B97F4A7C15L >>> 33, 100L);
    if (roll < 4) {
      return "relationsAdded";
    } else if (roll < 7) {
      return "softDeleteEntity";
    } else if (roll < 10) {
      return "restoreEntity";
    }
    return "updateEntity";
  }

  /** A copy of the template with the event's time, and its kind's ids, tenant and PII values. */
  private static ObjectNode event(
      RecordKind kind, ObjectNode template, long n, Instant time, String id, Random random) {
    ObjectNode event = template.deepCopy();
    event.put(kind.eventTimeField(), time.toString());
    kind.sample().fill(event, n, id, random);
    return event;
  }

  /**
   * Whether the pipeline turns the event into rows: the default dropped fields, PII encryption,
   * mapping and typing, as ParseRecords does.
   */
  private static boolean accepted(RecordParser parser, RecordKind kind, ObjectNode event) {
    try {
      parser.parse(kind, event.toString().getBytes(StandardCharsets.UTF_8));
      return true;
    } catch (RecordRejectedException | RuntimeException e) {
      return false;
    }
  }
}
