package io.datalake.pipelines.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;

import io.datalake.transforms.kinds.CheckoutOrders;
import io.datalake.transforms.kinds.RecordKind;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.model.RecordRejectedException;
import io.datalake.transforms.parse.DroppedFields;
import io.datalake.transforms.parse.RecordParser;
import io.datalake.transforms.pii.PiiEncryptor;
import io.datalake.transforms.pii.PiiKeyset;
import io.datalake.transforms.pii.PiiPolicy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.Test;

/** The event generator of ./datalake produce and of the benchmark. */
public class EventGeneratorTest {
  private static final Path SAMPLES = Path.of("samples", "input");

  /** The parse step's code with the default dropped fields and PII policy. */
  private static final RecordParser PARSER =
      new RecordParser(
          new PiiEncryptor(PiiKeyset.development().cipher()),
          PiiPolicy.defaults(),
          DroppedFields.defaults(RecordKinds.builtIn()));

  private static EventGenerator fixed(boolean acceptedOnly) throws Exception {
    return new EventGenerator(
        SAMPLES,
        7,
        () -> Instant.parse("2025-03-01T12:00:00Z"),
        n -> new java.util.UUID(1, n).toString(),
        acceptedOnly);
  }

  @Test
  public void kindsComeInTurnAndAFixedClockAndIdsGiveTheSameEvents() throws Exception {
    EventGenerator a = fixed(true);
    EventGenerator b = fixed(true);
    for (long n = 0; n < 70; n++) {
      EventGenerator.Event e = a.next(n, 0, 0);
      assertThat(e.kind(), equalTo(RecordKinds.builtIn().all().get((int) (n % 7))));
      assertThat(e.value(), equalTo(b.next(n, 0, 0).value()));
    }
  }

  /**
   * The entity-reuse mode ({@code produce --entities N}): event n is on entity n % N, a create
   * first, each entity keeps its id, tenant and a detail of 1-4 KB, and every event is accepted.
   */
  @Test
  public void theReuseModeGivesNEntitiesManyAcceptedOperationsEach() throws Exception {
    EventGenerator generator = fixed(true);
    Map<String, String> tenantOf = new LinkedHashMap<>();
    Map<String, Integer> operationsOf = new LinkedHashMap<>();
    for (long n = 0; n < 40; n++) {
      EventGenerator.Event e =
          generator.entityOperation(n, 10, Instant.parse("2025-03-01T12:00:00Z"));
      RecordParser.ParsedRecord parsed = PARSER.parse(e.kind(), e.value().getBytes(UTF_8));
      org.apache.avro.generic.GenericRecord row = parsed.rows().get(0).record();
      String entity = row.get("entity_id").toString();
      String operation = row.get("operation").toString();
      if (n < 10) {
        assertThat(operation, equalTo("createEntity"));
      }
      assertThat(operationsOf.merge(entity, 1, Integer::sum), equalTo((int) (n / 10) + 1));
      String tenant = tenantOf.putIfAbsent(entity, parsed.tenant());
      assertThat(tenant == null ? parsed.tenant() : tenant, equalTo(parsed.tenant()));
      int detail = row.get("detail").toString().length();
      assertThat(detail + " bytes", detail >= 1000 && detail <= 4 * 1024 + 1024, equalTo(true));
    }
    assertThat(operationsOf.size(), equalTo(10));
  }

  /**
   * The samples also hold records made to be rejected (an order whose value is not money, an
   * unknown entity operation): with acceptedOnly none is used as a template.
   */
  @Test
  public void acceptedOnlyEventsAreAllTurnedIntoRows() throws Exception {
    Map<RecordKind, Integer> rejectedWithAll = new LinkedHashMap<>();
    EventGenerator accepted = fixed(true);
    EventGenerator all = fixed(false);
    for (long n = 0; n < 700; n++) {
      assertThat("event " + n, mapsToRows(accepted.next(n, 0, 0)), equalTo(true));
      EventGenerator.Event e = all.next(n, 0, 0);
      if (!mapsToRows(e)) {
        rejectedWithAll.merge(e.kind(), 1, Integer::sum);
      }
    }
    // ./datalake produce keeps every sample as a template: some of its events are dead letters.
    assertThat(rejectedWithAll.getOrDefault(CheckoutOrders.KIND, 0), greaterThan(0));
  }

  private static boolean mapsToRows(EventGenerator.Event event) throws Exception {
    try {
      PARSER.parse(event.kind(), event.value().getBytes(StandardCharsets.UTF_8));
      return true;
    } catch (RecordRejectedException e) {
      return false;
    }
  }
}
