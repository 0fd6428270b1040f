package io.datalake.testing;

import java.time.Instant;

/** Small records of the kinds the ITs publish, with the PII the pipeline must encrypt. */
public final class TestEvents {
  private TestEvents() {}

  /** A journey event of tenant 739224 with an IP address (PII) in its stringified details. */
  public static String journeyEvent(String id, Instant time) {
    return "{\"id\":\""
        + id
        + "\",\"org_id\":\"739224\",\"session_id\":\"s\",\"journey_id\":\"j\",\"type\":\"journey_submit\","
        + "\"details\":\"{\\\"ip\\\":\\\"198.51.100.7\\\"}\",\"created_at\":\""
        + time
        + "\"}";
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
