package io.datalake.it;

import java.time.Instant;

/** Small records of the kinds the ITs publish, with the PII the pipeline must encrypt. */
final class TestEvents {
  private TestEvents() {}

  /** A journey event of tenant 739224 with an IP address (PII) in its stringified details. */
  static String journeyEvent(String id, Instant time) {
    return "{\"id\":\"" + id + "\",\"org_id\":\"739224\",\"session_id\":\"s\",\"journey_id\":\"j\",\"type\":\"journey_submit\","
        + "\"details\":\"{\\\"ip\\\":\\\"198.51.100.7\\\"}\",\"created_at\":\"" + time + "\"}";
  }
}
