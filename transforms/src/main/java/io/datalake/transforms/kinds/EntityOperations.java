package io.datalake.transforms.kinds;

import static io.datalake.transforms.schema.Field.json;
import static io.datalake.transforms.schema.Field.str;
import static io.datalake.transforms.schema.Field.ts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.transforms.parse.EntityOperationMapper;
import io.datalake.transforms.schema.LakeTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * epilot's EntityOperation events (EventBridge envelopes): one {@code entity_operations} row each,
 * and the warehouse's {@code current_entities}, the latest state of each entity.
 */
public final class EntityOperations {
  private EntityOperations() {}

  /**
   * Operations on an entity's relations: they change neither whether it is active nor its state.
   */
  public static final Set<String> RELATION_OPERATIONS =
      Set.of(
          "relationsAdded",
          "relationsRemoved",
          "relationsSoftDeleted",
          "relationsRestored",
          "relationsDeleted");

  public static final LakeTable OPERATIONS =
      LakeTable.named("entity_operations")
          .describedAs(
              "One row per epilot entity operation: an EventBridge EntityOperation envelope")
          .columns(
              str("id").doc("The EventBridge event id of the envelope (UUID)"),
              str("detail_type")
                  .doc(
                      "The envelope's detail-type: EntityOperation; SnapshotOperation on the"
                          + " monthly roll-up's derived rows (--snapshots, ./datalake snapshot)"),
              str("operation")
                  .doc(
                      "What happened to the entity: createEntity, updateEntity, deleteEntity,"
                          + " softDeleteEntity, restoreEntity, relationsAdded, relationsRemoved,"
                          + " relationsSoftDeleted, relationsRestored or relationsDeleted"
                          + " (any other value is a dead letter); snapshotEntity on a monthly"
                          + " snapshot row"),
              str("source")
                  .doc("The envelope's source: the epilot service that sent it, epilot.entity"),
              str("org_id")
                  .doc("The epilot organization (tenant) id, a numeric string: detail.org"),
              ts("timestamp").doc("When the operation happened, UTC: the envelope's time"),
              str("region").doc("The AWS region the envelope was sent in, e.g. eu-central-1"),
              str("account")
                  .doc("The AWS account id in the envelope: a cloud account, not the tenant"),
              str("activity_id")
                  .doc(
                      "The id (ULID) of the activity the operation belongs to: detail.activity_id"),
              str("entity_id")
                  .doc(
                      "The entity's id (UUID): detail.entity, else detail.params.id, else"
                          + " detail.payload._id"),
              str("schema")
                  .doc(
                      "The entity's schema, e.g. contact, opportunity, order: detail.params.slug,"
                          + " else detail.payload._schema"),
              // Derived at ingest (see EntityOperationMapper): the documented query groups by it.
              str("journey_source")
                  .doc(
                      "The title of the journey the entity came from, derived at ingest from"
                          + " detail.payload.source.title (as JSONExtractString(detail, 'payload',"
                          + " 'source', 'title') on current servers); null when absent"),
              json("detail")
                  .doc(
                      "The envelope's detail as JSON text: entity, org, activity_id, operation,"
                          + " params, payload (the entity's fields) and, when sent, caller; the PII"
                          + " in it is encrypted (see the PII paths)"))
          .tenant("org_id")
          .eventTime("timestamp")
          // The event id last: one activity may hold several operations on one entity (an update
          // and a relation change in one call), each its own event; a redelivered event has the
          // same id and still collapses to one row.
          .key("org_id", "entity_id", "activity_id", "id")
          .immutable()
          .primary()
          // Deletes mark the entity deleted there, restores revive it; relation operations change
          // nothing (as in the monthly roll-up), so a relation op after a delete does not revive
          // it.
          .currentState(
              new LakeTable.CurrentState(
                  "current_entities",
                  List.of("org_id", "entity_id"),
                  List.of("schema", "operation", "timestamp", "activity_id"),
                  "operation",
                  Set.of("deleteEntity", "softDeleteEntity"),
                  "detail",
                  RELATION_OPERATIONS,
                  "activity_id"))
          .build();

  /**
   * The PII attributes of an entity, relative to the entity: an operation carries them in its
   * {@code payload} (the entity after the operation) and in its {@code diff}'s {@code added},
   * {@code updated} (the values before) and {@code deleted} parts.
   */
  private static final List<String> ENTITY_PII =
      List.of(
          // The entity's display title: a contact's is the person's name. Encrypted for every
          // schema, as relationText (a related entity's title) is: a path cannot tell schemas
          // apart.
          "_title",
          "first_name",
          "middle_name",
          "last_name",
          "birthdate",
          "email[].email",
          "phone[].phone",
          // address and delivery_address: what the search below finds (*address), field by field;
          // a path address[].* encrypted a field's list (_tags) whole, an empty one too, where the
          // search leaves a list a list of tokens.
          "payment[].data.iban",
          "payment[].data.bic_number",
          "payment[].data.fullname",
          // The billing party, whatever a tenant's schema calls its parts (billing_name,
          // billing_plz, billing_care_of...); a relation under it (billing_contact) keeps its
          // related entities' ids readable, so it still joins.
          "billing_*",
          "**.relationText",
          "consent_*.events[].identifier",
          "consent_*.events[].meta.ip_address",
          "consent_*.events[].meta.user_agent");

  /** Where an entity operation holds entity attributes: the payload and each part of the diff. */
  private static final List<String> ENTITY_PREFIXES = List.of("detail.payload.", "detail.diff.*.");

  private static String[] entityPiiPaths() {
    List<String> paths = new ArrayList<>();
    for (String prefix : ENTITY_PREFIXES) {
      for (String path : ENTITY_PII) {
        paths.add(prefix + path);
      }
    }
    // The caller's identity token: its email, its Cognito user name, which is the email, and the
    // user's name (an OIDC claim).
    paths.add("detail.caller.EpilotAuth.token.email");
    paths.add("detail.caller.EpilotAuth.token.cognito:username");
    paths.add("detail.caller.EpilotAuth.token.name");
    // Attributes of a tenant's own schemas, under whatever names it gave them.
    paths.addAll(FreeFormPii.under(""));
    return paths.toArray(String[]::new);
  }

  public static final RecordKind KIND =
      RecordKind.named("entity-operations")
          .tenantField("detail.org")
          .eventTimeField("time")
          .recordIdField("id")
          .mapper(k -> new EntityOperationMapper(OPERATIONS))
          .tables(OPERATIONS)
          .piiPaths(entityPiiPaths())
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
