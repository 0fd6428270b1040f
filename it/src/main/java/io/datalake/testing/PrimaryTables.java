package io.datalake.testing;

import io.datalake.transforms.model.EventKind;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * The primary table of each kind and the column that holds a published record's id: one row per
 * record, which is how the benchmark and the fault suite count what arrived.
 */
public final class PrimaryTables {
  /** A kind's primary table and its id column. */
  public record Primary(String table, String idColumn) {}

  public static final Map<EventKind, Primary> BY_KIND;

  static {
    Map<EventKind, Primary> byKind = new EnumMap<>(EventKind.class);
    byKind.put(EventKind.ENTITY_OPERATIONS, new Primary("entity_operations", "id"));
    byKind.put(EventKind.WORKFLOW_EXECUTIONS, new Primary("workflow_executions", "id"));
    byKind.put(EventKind.CHECKOUT_ORDERS, new Primary("checkout_orders", "orderId"));
    byKind.put(EventKind.JOURNEY_SESSIONS, new Primary("journey_sessions", "id"));
    byKind.put(EventKind.JOURNEY_EVENTS, new Primary("journey_events", "id"));
    byKind.put(EventKind.PORTAL_SESSIONS, new Primary("portal_sessions", "id"));
    byKind.put(EventKind.PORTAL_EVENTS, new Primary("portal_events", "id"));
    BY_KIND = Collections.unmodifiableMap(byKind);
  }

  private PrimaryTables() {}
}
