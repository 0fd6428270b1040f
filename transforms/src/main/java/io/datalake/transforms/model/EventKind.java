package io.datalake.transforms.model;

import java.util.Arrays;

/**
 * The kinds of record the pipeline reads. The name is both the batch input folder and the default
 * Kafka topic.
 */
public enum EventKind {
  ENTITY_OPERATIONS("entity-operations", "time"),
  WORKFLOW_EXECUTIONS("workflow-executions", "updated_at"),
  CHECKOUT_ORDERS("checkout-orders", "lastChange"),
  JOURNEY_SESSIONS("journey-sessions", "start_time"),
  JOURNEY_EVENTS("journey-events", "created_at"),
  PORTAL_SESSIONS("portal-sessions", "start_time"),
  PORTAL_EVENTS("portal-events", "created_at");

  private final String folder;
  private final String eventTimeField;

  EventKind(String folder, String eventTimeField) {
    this.folder = folder;
    this.eventTimeField = eventTimeField;
  }

  /** The top-level field holding a record's event time. */
  public String eventTimeField() {
    return eventTimeField;
  }

  /** The input folder name, also the default topic name. */
  public String folder() {
    return folder;
  }

  public static EventKind fromFolder(String folder) {
    return Arrays.stream(values())
        .filter(k -> k.folder.equals(folder))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("Unknown kind of record: " + folder));
  }

  @Override
  public String toString() {
    return folder;
  }
}
