package io.datalake.transforms.parse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.transforms.model.RecordRejectedException;
import io.datalake.transforms.schema.JsonText;
import io.datalake.transforms.schema.LakeTable;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * An EntityOperation event envelope to an {@code entity_operations} row. The tenant is {@code
 * detail.org} (the envelope's {@code account} is a cloud account, not a tenant); the event time is
 * {@code time}.
 */
public final class EntityOperationMapper implements RecordMapper {
  /** The documented operations; anything else is a dead letter. */
  static final Set<String> OPERATIONS =
      Set.of(
          "createEntity",
          "updateEntity",
          "deleteEntity",
          "softDeleteEntity",
          "restoreEntity",
          "relationsAdded",
          "relationsRemoved",
          "relationsSoftDeleted",
          "relationsRestored",
          "relationsDeleted");

  /**
   * The column derived from {@code detail.payload.source.title}: the documented queries group
   * opportunities by it, and ClickHouse 18.16's {@code visitParamExtract*} cannot follow a path (it
   * takes the first {@code "source"} key at any depth), so the title is taken here.
   */
  public static final String JOURNEY_SOURCE = "journey_source";

  private final LakeTable table;

  public EntityOperationMapper(LakeTable table) {
    this.table = table;
  }

  @Override
  public MappedRecord map(ObjectNode envelope) throws RecordRejectedException {
    Instant time = Fields.requiredTime(envelope, "time", "time");
    ObjectNode detail = Fields.object(envelope, "detail", "detail", 2);
    if (detail == null) {
      throw new RecordRejectedException(Fields.STEP, "missing detail");
    }
    String org = Fields.requiredTenant(detail, "org", "detail.org");
    String operation = Fields.requiredText(detail, "operation", "detail.operation");
    if (!OPERATIONS.contains(operation)) {
      throw new RecordRejectedException(
          "route", "unknown operation (not one of the documented " + OPERATIONS.size() + ")");
    }
    // The event and activity ids are part of the table's key: the warehouse refuses a row without
    // them (its key columns are not Nullable), which would leave the lake with a row it lacks.
    Fields.requiredText(envelope, "id", "id");
    String activityId = Fields.requiredText(detail, "activity_id", "detail.activity_id");
    JsonNode params = detail.get("params");
    ObjectNode payload = Fields.object(detail, "payload", "detail.payload", 3);
    if (payload != null) {
      // A payload sent as JSON text is stored as the object it holds (the built-in PII policy's
      // search has parsed it already; a policy of one's own may not): the stored detail, its
      // JSONExtract* paths and journey_source then read the same payload.
      detail.set("payload", payload);
    }
    String entityId = Fields.optionalText(detail, "entity");
    if (entityId == null) {
      entityId = Fields.optionalText(params, "id");
    }
    if (entityId == null) {
      entityId = Fields.optionalText(payload, "_id");
    }
    if (entityId == null) {
      throw new RecordRejectedException(
          Fields.STEP, "missing detail.entity (nor params.id, payload._id)");
    }
    String schema = Fields.optionalText(params, "slug");
    if (schema == null) {
      schema = Fields.optionalText(payload, "_schema");
    }

    ObjectNode row = Fields.topLevelCopy(envelope);
    row.remove(List.of("detail-type", "time", "detail"));
    row.put("detail_type", Fields.optionalText(envelope, "detail-type"));
    row.put("operation", operation);
    row.put("org_id", org);
    row.set("timestamp", envelope.get("time"));
    row.put("activity_id", activityId);
    row.put("entity_id", entityId);
    row.put("schema", schema);
    row.put(JOURNEY_SOURCE, journeySource(detail));
    row.set("detail", detail);
    return new MappedRecord(org, time, List.of(new MappedRecord.TableRow(table, row)));
  }

  /**
   * {@code detail.payload.source.title} as {@code JSONExtractString(detail, 'payload', 'source',
   * 'title')} reads it on current ClickHouse servers, so the documented query and its 18.16
   * equivalent over this column give the same rows: exactly that path through objects of the stored
   * {@code detail} (never a {@code source} key elsewhere; a payload sent as JSON text is followed,
   * as the stored detail holds it as an object), a string unescaped and untrimmed, another value as
   * its JSON text (measured on ClickHouse 26.7: {@code 42}, {@code true}, {@code {"de":"x"}}); null
   * when there is no such value (where ClickHouse returns '').
   */
  static String journeySource(ObjectNode detail) {
    // path() gives a missing node once a step is not an object (a string, an array, absent).
    JsonNode title = detail.path("payload").path("source").path("title");
    if (title.isMissingNode() || title.isNull()) {
      return null;
    }
    if (title.isTextual()) {
      return title.textValue();
    }
    return title.isValueNode() ? title.asText() : JsonText.of(title);
  }
}
