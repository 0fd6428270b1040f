package io.datalake.transforms.parse;

import io.datalake.transforms.model.EventKind;
import io.datalake.transforms.schema.LakeTables;

/** The mapper of each kind of record. */
public final class RecordMappers {
  private RecordMappers() {}

  public static RecordMapper forKind(EventKind kind) {
    return switch (kind) {
      case ENTITY_OPERATIONS -> new EntityOperationMapper();
      case WORKFLOW_EXECUTIONS -> new WorkflowExecutionMapper();
      case CHECKOUT_ORDERS -> new CheckoutOrderMapper();
      case JOURNEY_SESSIONS -> new AnalyticsRecordMapper(LakeTables.JOURNEY_SESSIONS);
      case JOURNEY_EVENTS -> new AnalyticsRecordMapper(LakeTables.JOURNEY_EVENTS);
      case PORTAL_SESSIONS -> new AnalyticsRecordMapper(LakeTables.PORTAL_SESSIONS);
      case PORTAL_EVENTS -> new AnalyticsRecordMapper(LakeTables.PORTAL_EVENTS);
    };
  }
}
