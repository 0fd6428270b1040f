package io.datalake.transforms.snapshot;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.transforms.Fixtures;
import io.datalake.transforms.kinds.EntityOperations;
import io.datalake.transforms.model.LakeRow;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.transforms.Filter;

/**
 * Entity operations of two tenants from January to May 2024, and the snapshot rows of February to
 * May they must give: creates, updates, a delete, a soft delete then a restore, a relation
 * operation, an update that arrives before its entity's create, two operations of the same instant,
 * a delete followed by a new create, and the same entity id in two tenants.
 */
public final class SnapshotHistory {
  /** One operation of the history. */
  public record Op(String activity, String tenant, String entity, String operation, String time) {}

  /** The operations in the order they are declared. */
  public static final List<Op> HISTORY = new ArrayList<>();

  public static final String T1 = "739224";
  public static final String T2 = "911000";
  public static final YearMonth FIRST = YearMonth.of(2024, 2);
  public static final YearMonth LAST = YearMonth.of(2024, 5);

  /** Every operation by activity id (which names it in the expectations below). */
  public static final Map<String, LakeRow> OPS = new LinkedHashMap<>();

  static {
    op("A01", T1, "e1", "createEntity", "2024-01-10T08:00:00Z");
    op("A02", T1, "e1", "updateEntity", "2024-02-05T08:00:00Z");
    op("A03", T1, "e1", "updateEntity", "2024-05-03T08:00:00Z");
    op("B01", T1, "e2", "createEntity", "2024-01-15T08:00:00Z");
    op("B02", T1, "e2", "deleteEntity", "2024-03-03T08:00:00Z");
    op("C01", T1, "e3", "createEntity", "2024-01-20T08:00:00Z");
    op("C02", T1, "e3", "softDeleteEntity", "2024-02-10T08:00:00Z");
    op("C03", T1, "e3", "restoreEntity", "2024-03-20T08:00:00Z");
    op("D01", T1, "e4", "createEntity", "2024-02-01T00:00:00Z");
    op("D02", T1, "e4", "relationsAdded", "2024-03-02T08:00:00Z");
    op("E01", T1, "e5", "createEntity", "2024-02-02T08:00:00Z");
    op("E02", T1, "e5", "updateEntity", "2024-03-10T08:00:00Z");
    op("F01", T1, "e6", "createEntity", "2024-01-03T08:00:00Z");
    // The same instant: the higher activity id wins, so the delete.
    op("F02", T1, "e6", "updateEntity", "2024-03-05T10:00:00Z");
    op("F03", T1, "e6", "deleteEntity", "2024-03-05T10:00:00Z");
    op("G01", T1, "e7", "createEntity", "2024-01-05T08:00:00Z");
    op("G02", T1, "e7", "updateEntity", "2024-03-31T23:00:00Z");
    op("H01", T1, "e8", "createEntity", "2024-02-10T08:00:00Z");
    op("H02", T1, "e8", "deleteEntity", "2024-02-20T08:00:00Z");
    op("H03", T1, "e8", "createEntity", "2024-04-10T08:00:00Z");
    op("I01", T2, "e1", "createEntity", "2024-02-15T08:00:00Z");
  }

  /** Month to the activity ids of the operations whose state each month's snapshots hold. */
  public static final Map<YearMonth, List<String>> EXPECTED =
      Map.of(
          YearMonth.of(2024, 2), List.of("A01", "B01", "C01", "F01", "G01"),
          YearMonth.of(2024, 3), List.of("A02", "B01", "D01", "E01", "F01", "G01", "I01"),
          YearMonth.of(2024, 4), List.of("A02", "C03", "D01", "E02", "G02", "I01"),
          YearMonth.of(2024, 5), List.of("A02", "C03", "D01", "E02", "G02", "H03", "I01"));

  private SnapshotHistory() {}

  /**
   * Keeps the snapshot rows of months through {@link #LAST}: once its input ends, a stream goes on
   * writing snapshots up to the current month, while the batch's range ends with the newest
   * operation's month.
   */
  public static Filter<LakeRow> throughLast() {
    return Filter.by(row -> Months.ofMicros(row.eventTimeMicros()) <= Months.index(LAST));
  }

  /**
   * The EntityOperation envelope of {@code op}, as a source sends it: its id, activity id, tenant,
   * entity, operation and time, and a payload with a title and an e-mail address (PII).
   */
  public static ObjectNode envelope(Op op) {
    ObjectNode payload = Fixtures.JSON.createObjectNode();
    payload.put("title", "state " + op.activity());
    payload.put("email", "person-" + op.entity() + "@example.com");
    ObjectNode envelope =
        Fixtures.entityOperation(
            op.tenant(), op.entity(), op.operation(), op.time(), payload, false);
    envelope.put("id", "id-" + op.activity());
    ((ObjectNode) envelope.get("detail")).put("activity_id", op.activity());
    return envelope;
  }

  /** The snapshot rows expected for February to May. */
  public static List<LakeRow> expectedRows() {
    List<LakeRow> rows = new ArrayList<>();
    EXPECTED.forEach(
        (month, activities) -> {
          for (String activity : activities) {
            LakeRow op = OPS.get(activity);
            rows.add(
                SnapshotRows.of(
                    op.tenant(),
                    op.record().get("entity_id").toString(),
                    month,
                    EntityState.fromRow(op)));
          }
        });
    return rows;
  }

  public static List<LakeRow> ops(String... activities) {
    List<LakeRow> rows = new ArrayList<>();
    for (String a : activities) {
      rows.add(OPS.get(a));
    }
    return rows;
  }

  private static void op(
      String activity, String tenant, String entity, String operation, String time) {
    HISTORY.add(new Op(activity, tenant, entity, operation, time));
    long micros = Instant.parse(time).toEpochMilli() * 1000L;
    GenericRecord r = new GenericData.Record(EntityOperations.OPERATIONS.avroSchema());
    r.put("id", "id-" + activity);
    r.put("detail_type", "EntityOperation");
    r.put("operation", operation);
    r.put("source", "epilot");
    r.put("org_id", tenant);
    r.put("timestamp", micros);
    r.put("region", "eu-central-1");
    r.put("account", "123456789012");
    r.put("activity_id", activity);
    r.put("entity_id", entity);
    r.put("schema", "opportunity");
    r.put(
        "detail",
        "{\"org\":\""
            + tenant
            + "\",\"operation\":\""
            + operation
            + "\",\"entity\":\""
            + entity
            + "\",\"payload\":{\"title\":\"state "
            + activity
            + "\",\"email\":\"pii:token\"}}");
    r.put("late", false);
    OPS.put(activity, new LakeRow(EntityOperations.OPERATIONS.name(), tenant, micros, r));
  }
}
