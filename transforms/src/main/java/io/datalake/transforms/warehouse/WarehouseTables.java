package io.datalake.transforms.warehouse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.datalake.transforms.model.LakeRow;
import io.datalake.transforms.model.RecordRejectedException;
import io.datalake.transforms.schema.AvroSchemas;
import io.datalake.transforms.schema.Field;
import io.datalake.transforms.schema.FieldType;
import io.datalake.transforms.schema.LakeTable;
import io.datalake.transforms.schema.LakeTables;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.io.clickhouse.TableSchema.ColumnType;
import org.apache.beam.sdk.io.clickhouse.TableSchema.TypeName;
import org.joda.time.Instant;

/**
 * The warehouse tables, made from the lake tables' declared schemas so the two never drift: scalar
 * columns keep their type (timestamps as {@code DateTime}, which 18.16 and current servers both
 * have, flags as {@code UInt8}), string lists as {@code Array(String)}, nested records and other
 * lists as JSON text. Every table adds {@code _version} (epoch microseconds of the row's version
 * time: {@code DateTime} has whole seconds) and {@code _load_id} (the pipeline run that wrote it).
 * {@code current_entities} is derived from {@code entity_operations}.
 */
public final class WarehouseTables {
  public static final String VERSION = "_version";
  public static final String LOAD_ID = "_load_id";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** DateTime holds seconds from 1970 to 2106 as a UInt32. */
  private static final long MAX_DATETIME_SECONDS = 4_294_967_295L;

  /** Tables whose rows are never versioned: safe to partition by event-time month. */
  private static final Set<String> IMMUTABLE =
      Set.of("entity_operations", "journey_events", "portal_events");

  private static final Set<String> DELETING = Set.of("deleteEntity", "softDeleteEntity");

  private static final Map<String, WarehouseTable> BY_NAME = new LinkedHashMap<>();

  static {
    for (LakeTable lake : LakeTables.all()) {
      BY_NAME.put(lake.name(), fromLake(lake, versionColumn(lake), viewFilter(lake.name())));
    }
    WarehouseTable current = currentEntities();
    BY_NAME.put(current.name(), current);
  }

  private WarehouseTables() {}

  public static List<WarehouseTable> all() {
    return List.copyOf(BY_NAME.values());
  }

  public static WarehouseTable byName(String name) {
    return BY_NAME.get(name);
  }

  /** The warehouse tables fed from one lake table. */
  public static List<WarehouseTable> fedBy(String lakeTable) {
    return BY_NAME.values().stream().filter(t -> t.source().equals(lakeTable)).toList();
  }

  private static String versionColumn(LakeTable lake) {
    return lake.name().endsWith("_sessions") ? "last_updated_at" : lake.eventTimeColumn();
  }

  private static String viewFilter(String table) {
    if (table.startsWith("workflow_") && !table.equals("workflow_executions")) {
      // A phase or task missing from the newest snapshot no longer shows.
      return "(execution_id, _version) IN (SELECT id, _version FROM {db}.`workflow_executions` FINAL WHERE org_id = {org})";
    }
    if (table.equals("checkout_order_items")) {
      return "(orderId, _version) IN (SELECT orderId, _version FROM {db}.`checkout_orders` FINAL WHERE org_id = {org})";
    }
    return "";
  }

  private static WarehouseTable fromLake(LakeTable lake, String versionColumn, String viewFilter) {
    List<WarehouseColumn> columns = new ArrayList<>();
    for (Field field : lake.rowType().fields()) {
      boolean required =
          lake.key().contains(field.column()) || field.column().equals(lake.eventTimeColumn());
      columns.add(column(field, required));
    }
    columns.add(json(AvroSchemas.EXTRA, row -> row.record().get(AvroSchemas.EXTRA)));
    columns.add(lateColumn());
    String eventTime = lake.eventTimeColumn();
    String fallback = lake.eventTimeColumn();
    columns.add(
        new WarehouseColumn(
            VERSION,
            "UInt64",
            ColumnType.UINT64,
            row -> {
              Object version = row.record().get(versionColumn);
              return version != null ? (Long) version : (Long) row.record().get(fallback);
            }));
    columns.add(loadIdColumn());
    String partition =
        IMMUTABLE.contains(lake.name()) || lake.name().endsWith("_sessions")
            ? "toYYYYMM(" + Sql.identifier(eventTime) + ")"
            : "tuple()";
    return new WarehouseTable(lake.name(), lake.name(), columns, lake.key(), partition, viewFilter);
  }

  private static WarehouseColumn lateColumn() {
    return new WarehouseColumn(
        AvroSchemas.LATE,
        "UInt8",
        ColumnType.UINT8,
        row -> (short) (Boolean.TRUE.equals(row.record().get(AvroSchemas.LATE)) ? 1 : 0));
  }

  /** The load id is filled in by the writer; here it is a placeholder column. */
  private static WarehouseColumn loadIdColumn() {
    return new WarehouseColumn(LOAD_ID, "String", ColumnType.STRING, row -> "");
  }

  private static WarehouseColumn column(Field field, boolean required) {
    String name = field.column();
    FieldType type = field.type();
    if (type instanceof FieldType.Scalar scalar) {
      return switch (scalar) {
        case STRING, JSON ->
            required
                ? new WarehouseColumn(
                    name, "String", ColumnType.STRING, row -> requiredText(row, name))
                : new WarehouseColumn(
                    name,
                    "Nullable(String)",
                    ColumnType.nullable(TypeName.STRING),
                    row -> text(row.record().get(name)));
        case LONG ->
            new WarehouseColumn(
                name,
                "Nullable(Int64)",
                ColumnType.nullable(TypeName.INT64),
                row -> row.record().get(name));
        case DOUBLE ->
            new WarehouseColumn(
                name,
                "Nullable(Float64)",
                ColumnType.nullable(TypeName.FLOAT64),
                row -> row.record().get(name));
        case BOOLEAN ->
            new WarehouseColumn(
                name,
                "Nullable(UInt8)",
                ColumnType.nullable(TypeName.UINT8),
                row -> {
                  Object v = row.record().get(name);
                  return v == null ? null : (short) (((Boolean) v) ? 1 : 0);
                });
        case TIMESTAMP ->
            required
                ? new WarehouseColumn(
                    name,
                    "DateTime",
                    ColumnType.DATETIME,
                    row -> {
                      Instant t = dateTime(row, name);
                      if (t == null) {
                        throw new RecordRejectedException(
                            "clickhouse", row.table() + "." + name + " is missing");
                      }
                      return t;
                    })
                : new WarehouseColumn(
                    name,
                    "Nullable(DateTime)",
                    ColumnType.nullable(TypeName.DATETIME),
                    row -> dateTime(row, name));
      };
    }
    if (type instanceof FieldType.ArrayType array && array.element() == FieldType.Scalar.STRING) {
      return new WarehouseColumn(
          name,
          "Array(String)",
          ColumnType.array(ColumnType.STRING),
          row -> {
            Object v = row.record().get(name);
            List<String> out = new ArrayList<>();
            if (v != null) {
              for (Object e : (List<?>) v) {
                out.add(e == null ? "" : e.toString());
              }
            }
            return out;
          });
    }
    // Nested records and lists of records: JSON text.
    return json(name, row -> row.record().get(name));
  }

  private static WarehouseColumn json(String name, WarehouseColumn.Value value) {
    return new WarehouseColumn(
        name, "Nullable(String)", ColumnType.nullable(TypeName.STRING), row -> text(value.of(row)));
  }

  private static String text(Object value) {
    return value == null ? null : value.toString();
  }

  private static String requiredText(LakeRow row, String name) throws RecordRejectedException {
    Object v = row.record().get(name);
    if (v == null) {
      throw new RecordRejectedException(
          "clickhouse", row.table() + "." + name + " (part of the key) is missing");
    }
    return v.toString();
  }

  private static Instant dateTime(LakeRow row, String name) throws RecordRejectedException {
    Object v = row.record().get(name);
    if (v == null) {
      return null;
    }
    long micros = (Long) v;
    long seconds = Math.floorDiv(micros, 1_000_000L);
    if (seconds < 0 || seconds > MAX_DATETIME_SECONDS) {
      throw new RecordRejectedException(
          "clickhouse",
          row.table() + "." + name + " is outside the range of ClickHouse DateTime (1970-2106)");
    }
    return new Instant(Math.floorDiv(micros, 1000L));
  }

  /**
   * The latest state of each entity, by event time; deletes mark it deleted, restores revive it.
   */
  private static WarehouseTable currentEntities() {
    List<WarehouseColumn> columns = new ArrayList<>();
    columns.add(
        new WarehouseColumn(
            "org_id", "String", ColumnType.STRING, row -> requiredText(row, "org_id")));
    columns.add(
        new WarehouseColumn(
            "entity_id", "String", ColumnType.STRING, row -> requiredText(row, "entity_id")));
    columns.add(
        new WarehouseColumn(
            "schema",
            "Nullable(String)",
            ColumnType.nullable(TypeName.STRING),
            row -> text(row.record().get("schema"))));
    columns.add(
        new WarehouseColumn(
            "operation", "String", ColumnType.STRING, row -> requiredText(row, "operation")));
    columns.add(
        new WarehouseColumn(
            "deleted",
            "UInt8",
            ColumnType.UINT8,
            row -> (short) (DELETING.contains(row.record().get("operation").toString()) ? 1 : 0)));
    columns.add(
        new WarehouseColumn(
            "timestamp", "DateTime", ColumnType.DATETIME, row -> dateTime(row, "timestamp")));
    columns.add(
        new WarehouseColumn(
            "activity_id",
            "Nullable(String)",
            ColumnType.nullable(TypeName.STRING),
            row -> text(row.record().get("activity_id"))));
    columns.add(
        new WarehouseColumn(
            "payload",
            "Nullable(String)",
            ColumnType.nullable(TypeName.STRING),
            WarehouseTables::payload));
    columns.add(lateColumn());
    columns.add(
        new WarehouseColumn(
            VERSION, "UInt64", ColumnType.UINT64, row -> (Long) row.record().get("timestamp")));
    columns.add(loadIdColumn());
    return new WarehouseTable(
        "current_entities",
        "entity_operations",
        columns,
        List.of("org_id", "entity_id"),
        "tuple()",
        "deleted = 0");
  }

  private static String payload(LakeRow row) throws RecordRejectedException {
    Object detail = row.record().get("detail");
    if (detail == null) {
      return null;
    }
    try {
      JsonNode payload = JSON.readTree(detail.toString()).get("payload");
      return payload == null || payload.isNull() ? null : payload.toString();
    } catch (java.io.IOException e) {
      throw new RecordRejectedException("clickhouse", "entity_operations.detail is not JSON");
    }
  }
}
