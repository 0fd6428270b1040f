package io.datalake.transforms.snapshot;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.transforms.io.WriteLakeTables;
import io.datalake.transforms.kinds.EntityOperations;
import io.datalake.transforms.model.LakeRow;
import java.nio.charset.StandardCharsets;
import java.time.YearMonth;
import java.util.UUID;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * Snapshot rows: one {@code entity_operations} row per entity active at the start of a month, with
 * {@code detail_type = 'SnapshotOperation'}, {@code operation = 'snapshotEntity'}, {@code
 * timestamp} the month's first instant (UTC, so partition {@code day=01}), and the {@code detail}
 * of the entity's latest create, update or restore as that row had it (PII already encrypted; its
 * {@code operation} member names that operation). {@code _extra.snapshot_of} names that operation,
 * its time, activity id and id, so that a snapshot row can seed the next month's roll-up. The
 * {@code id} and {@code activity_id} are name-based UUIDs of tenant, entity and month: a rerun
 * writes the same rows, which replace rather than add to the earlier ones in ClickHouse.
 */
public final class SnapshotRows {
  public static final String DETAIL_TYPE = "SnapshotOperation";
  public static final String OPERATION = "snapshotEntity";

  /**
   * The run id {@code ./datalake snapshot} gives month M's files starts so ({@code snapshot-M}):
   * reserved, a run of the pipeline may not take an id with {@code snapshot} in it ({@link
   * #RESERVED_IN_RUN_IDS}).
   */
  public static final String COMMAND_RUN_ID_PREFIX = "snapshot-";

  /**
   * What no run id of the pipeline may hold: the command's files ({@code part-snapshot-...}) and
   * the pipeline's snapshot files ({@code part-<runId>-snapshot-...}) are told apart by it.
   */
  public static final String RESERVED_IN_RUN_IDS = "snapshot";

  /**
   * The names of the files {@code ./datalake snapshot} writes, of any month, exactly ({@code
   * part-snapshot-YYYY-MM-00000-of-00001.parquet}), as a regular expression of the whole name: a
   * stream's files of a run id {@code snapshot} ({@code part-snapshot-<window>-...}) are not.
   */
  public static final String COMMAND_FILE_NAMES =
      Pattern.quote(WriteLakeTables.filePrefix(COMMAND_RUN_ID_PREFIX))
          + "\\d{4}-\\d{2}-\\d{5}-of-\\d{5}"
          + Pattern.quote(WriteLakeTables.PARQUET_SUFFIX);

  /** The member of {@code _extra} that says which operation a snapshot holds the state of. */
  public static final String SNAPSHOT_OF = "snapshot_of";

  private static final ObjectMapper JSON = new ObjectMapper();

  private SnapshotRows() {}

  /** Whether {@code row} is a snapshot row (derived, not input). */
  public static boolean isSnapshot(LakeRow row) {
    if (!row.table().equals(EntityOperations.OPERATIONS.name())) {
      return false;
    }
    Object type = row.record().get("detail_type");
    return type != null && DETAIL_TYPE.equals(type.toString());
  }

  /** The snapshot row of entity {@code entityId} of {@code tenant} for {@code month}. */
  public static LakeRow of(String tenant, String entityId, YearMonth month, EntityState state) {
    if (!SnapshotRules.active(state)) {
      throw new IllegalArgumentException("an entity that is not active has no snapshot row");
    }
    Schema schema = EntityOperations.OPERATIONS.avroSchema();
    long start = Months.startMicros(Months.index(month));
    GenericRecord r = new GenericData.Record(schema);
    r.put("id", id(tenant, entityId, month));
    r.put("detail_type", DETAIL_TYPE);
    r.put("operation", OPERATION);
    r.put("source", state.source());
    r.put("org_id", tenant);
    r.put("timestamp", start);
    r.put("region", state.region());
    r.put("account", state.account());
    r.put("activity_id", activityId(tenant, entityId, month));
    r.put("entity_id", entityId);
    r.put("schema", state.schema());
    r.put("detail", state.detail());
    r.put("_extra", extra(state));
    r.put("late", false);
    return new LakeRow(EntityOperations.OPERATIONS.name(), tenant, start, r);
  }

  /** The {@code id} of the snapshot row of this tenant, entity and month. */
  public static String id(String tenant, String entityId, YearMonth month) {
    return uuid("id", tenant, entityId, month);
  }

  /** The {@code activity_id} of the snapshot row of this tenant, entity and month. */
  public static String activityId(String tenant, String entityId, YearMonth month) {
    return uuid("activity_id", tenant, entityId, month);
  }

  private static String uuid(String what, String tenant, String entityId, YearMonth month) {
    // Lengths first, so that no two (tenant, entity) pairs give the same name.
    String name =
        DETAIL_TYPE
            + "/"
            + what
            + "/"
            + tenant.length()
            + ":"
            + tenant
            + "/"
            + entityId.length()
            + ":"
            + entityId
            + "/"
            + month;
    return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
  }

  private static String extra(EntityState state) {
    ObjectNode extra = JSON.createObjectNode();
    ObjectNode of = extra.putObject(SNAPSHOT_OF);
    of.put("operation", state.operation());
    of.put("timestamp_micros", state.timeMicros());
    of.put("activity_id", state.activityId());
    of.put("id", state.id());
    return extra.toString();
  }

  /** The key of an entity in the roll-up's grouping: tenant and entity id. */
  static String key(String tenant, String entityId) {
    return tenant + '\u0000' + entityId;
  }

  static String tenantOf(String key) {
    return key.substring(0, key.indexOf('\u0000'));
  }

  static String entityOf(String key) {
    return key.substring(key.indexOf('\u0000') + 1);
  }
}
