package io.datalake.transforms.kinds;

import static io.datalake.transforms.schema.Field.json;
import static io.datalake.transforms.schema.Field.str;
import static io.datalake.transforms.schema.Field.ts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.transforms.parse.EntityOperationMapper;
import io.datalake.transforms.schema.LakeTable;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * epilot's EntityOperation events (EventBridge envelopes): one {@code entity_operations} row each,
 * and the warehouse's {@code current_entities}, the latest state of each entity.
 */
public final class EntityOperations {
  private EntityOperations() {}

  public static final LakeTable OPERATIONS =
      LakeTable.named("entity_operations")
          .columns(
              str("id"),
              str("detail_type"),
              str("operation"),
              str("source"),
              str("org_id"),
              ts("timestamp"),
              str("region"),
              str("account"),
              str("activity_id"),
              str("entity_id"),
              str("schema"),
              // Derived at ingest: detail.payload.source.title (see EntityOperationMapper).
              str("journey_source"),
              json("detail"))
          .tenant("org_id")
          .eventTime("timestamp")
          .key("org_id", "entity_id", "activity_id")
          .immutable()
          .primary()
          // Deletes mark the entity deleted there, restores revive it.
          .currentState(
              new LakeTable.CurrentState(
                  "current_entities",
                  List.of("org_id", "entity_id"),
                  List.of("schema", "operation", "timestamp", "activity_id"),
                  "operation",
                  Set.of("deleteEntity", "softDeleteEntity"),
                  "detail"))
          .build();

  public static final RecordKind KIND =
      RecordKind.named("entity-operations")
          .tenantField("detail.org")
          .eventTimeField("time")
          .recordIdField("id")
          .mapper(k -> new EntityOperationMapper(OPERATIONS))
          .tables(OPERATIONS)
          .piiPaths(
              "detail.payload.first_name",
              "detail.payload.middle_name",
              "detail.payload.last_name",
              "detail.payload.birthdate",
              "detail.payload.email[].email",
              "detail.payload.phone[].phone",
              "detail.payload.address[].*",
              "detail.payload.payment[].data.iban",
              "detail.payload.payment[].data.bic_number",
              "detail.payload.payment[].data.fullname",
              "detail.payload.billing_*",
              "detail.payload.delivery_address[].*",
              "detail.payload.**.relationText",
              "detail.payload.consent_*.events[].identifier",
              "detail.payload.consent_*.events[].meta.ip_address",
              "detail.payload.consent_*.events[].meta.user_agent",
              "detail.caller.EpilotAuth.token.email",
              "**.email",
              "**.phone",
              "**.ip_address")
          .sample(EntityOperations::fill)
          .build();

  /** A fresh id, an epilot tenant and an activity id unique per event, as the warehouse needs. */
  private static void fill(ObjectNode event, long n, String id, Random random) {
    event.put("id", id);
    JsonNode detail = event.get("detail");
    ObjectNode d =
        detail.isTextual()
            ? (ObjectNode) Samples.readObject(detail.textValue())
            : (ObjectNode) detail;
    d.put("org", Samples.epilotTenant(random));
    d.put("activity_id", activityId(n, id));
    event.set("detail", d);
  }

  /**
   * The activity id of entity operation {@code n} with id {@code id}: unique, as the warehouse's
   * key needs.
   */
  public static String activityId(long n, String id) {
    return "01J" + Long.toString(n, 36).toUpperCase() + id.substring(0, 8).toUpperCase();
  }
}
