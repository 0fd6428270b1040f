package io.datalake.pipelines.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.transforms.model.EventKind;
import io.datalake.transforms.model.RecordRejectedException;
import io.datalake.transforms.parse.MappedRecord;
import io.datalake.transforms.parse.RecordMappers;
import io.datalake.transforms.pii.PiiEncryptor;
import io.datalake.transforms.pii.PiiKeyset;
import io.datalake.transforms.pii.PiiPolicy;
import io.datalake.transforms.schema.JsonTyper;
import java.nio.file.Path;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import org.junit.Test;

/** The event generator of ./datalake produce and of the benchmark. */
public class EventGeneratorTest {
  private static final Path SAMPLES = Path.of("samples", "input");
  private static final ObjectMapper JSON = new ObjectMapper();

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
      assertThat(e.kind(), equalTo(EventKind.values()[(int) (n % 7)]));
      assertThat(e.value(), equalTo(b.next(n, 0, 0).value()));
    }
  }

  /**
   * The samples also hold records made to be rejected (an order whose value is not money, an
   * unknown entity operation): with acceptedOnly none is used as a template.
   */
  @Test
  public void acceptedOnlyEventsAreAllTurnedIntoRows() throws Exception {
    Map<EventKind, Integer> rejectedWithAll = new EnumMap<>(EventKind.class);
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
    assertThat(rejectedWithAll.getOrDefault(EventKind.CHECKOUT_ORDERS, 0), greaterThan(0));
  }

  private static boolean mapsToRows(EventGenerator.Event event) throws Exception {
    ObjectNode record = (ObjectNode) JSON.readTree(event.value());
    record.remove("customData");
    new PiiEncryptor(PiiKeyset.development().cipher())
        .encrypt(record, PiiPolicy.defaults().paths(event.kind()));
    try {
      MappedRecord mapped = RecordMappers.forKind(event.kind()).map(record);
      for (MappedRecord.TableRow row : mapped.rows()) {
        JsonTyper.toRecord(
            row.json(),
            row.table(),
            event.kind() == EventKind.CHECKOUT_ORDERS
                ? JsonTyper.JsonStyle.SCALARS_AS_STRINGS
                : JsonTyper.JsonStyle.AS_IS);
      }
      return true;
    } catch (RecordRejectedException e) {
      return false;
    }
  }
}
