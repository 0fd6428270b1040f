package io.datalake.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.transforms.kinds.JourneyEvents;
import io.datalake.transforms.kinds.RecordKind;
import java.time.Instant;

/** Small records of the kinds the ITs publish, with the PII the pipeline must encrypt. */
public final class TestEvents {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TestEvents() {}

  /**
   * A journey event of tenant 739224 with an IP address (PII) in its stringified details; its id,
   * tenant and event-time fields are those its kind declares.
   */
  public static String journeyEvent(String id, Instant time) {
    RecordKind kind = JourneyEvents.KIND;
    ObjectNode event = JSON.createObjectNode();
    event.put(kind.recordIdField(), id);
    event.put(kind.tenantField(), "739224");
    event.put("session_id", "s");
    event.put("journey_id", "j");
    event.put("type", "journey_submit");
    event.put("details", "{\"ip\":\"198.51.100.7\"}");
    event.put(kind.eventTimeField(), time.toString());
    return event.toString();
  }

  /**
   * A known set of journey events: {@code onTime} ids {@code a-N} shuffled over the last 50 s, 5
   * late ones (2 hours old, within the allowed lateness), 5 too-late ones (3 days old, beyond it)
   * and 2 bad lines (broken JSON, no event time): {@code onTime + 10} rows and 2 dead letters.
   */
  public static java.util.List<String> knownSet(int onTime, Instant now) {
    java.util.List<String> events = new java.util.ArrayList<>();
    for (int i = 0; i < onTime; i++) {
      events.add(journeyEvent("a-" + i, now.minusSeconds((i * 7919L) % 50)));
    }
    for (int i = 0; i < 5; i++) {
      events.add(journeyEvent("late-" + i, now.minus(2, java.time.temporal.ChronoUnit.HOURS)));
      events.add(journeyEvent("too-late-" + i, now.minus(3, java.time.temporal.ChronoUnit.DAYS)));
    }
    events.add("{\"id\": \"broken");
    events.add("{\"id\":\"no-time\",\"org_id\":\"739224\"}");
    return events;
  }
}
