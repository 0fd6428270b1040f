package io.datalake.transforms.model;

import java.util.Arrays;

/**
 * The kinds of record the pipeline reads. The name is both the batch input folder and the default
 * Kafka topic.
 */
public enum EventKind {
  ENTITY_OPERATIONS("entity-operations"),
  WORKFLOW_EXECUTIONS("workflow-executions"),
  CHECKOUT_ORDERS("checkout-orders"),
  JOURNEY_SESSIONS("journey-sessions"),
  JOURNEY_EVENTS("journey-events"),
  PORTAL_SESSIONS("portal-sessions"),
  PORTAL_EVENTS("portal-events");

  private final String folder;

  EventKind(String folder) {
    this.folder = folder;
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
