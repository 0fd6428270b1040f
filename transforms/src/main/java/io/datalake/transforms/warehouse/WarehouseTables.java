package io.datalake.transforms.warehouse;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.model.LakeRow;
import io.datalake.transforms.model.RecordRejectedException;
import io.datalake.transforms.model.UlidTime;
import io.datalake.transforms.schema.AvroSchemas;
import io.datalake.transforms.schema.Field;
import io.datalake.transforms.schema.FieldType;
import io.datalake.transforms.schema.JsonText;
import io.datalake.transforms.schema.LakeTable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.beam.sdk.io.clickhouse.TableSchema.ColumnType;
import org.apache.beam.sdk.io.clickhouse.TableSchema.TypeName;
import org.joda.time.Instant;

/**
 * The warehouse tables, made from the lake tables' declared schemas so the two never drift: scalar
 * columns keep their type (timestamps as {@code DateTime}, which 18.16 and current servers both
 * have, flags as {@code UInt8}), string lists as {@code Array(String)}, nested records and other
 * lists as JSON text. Every table adds {@code _version} (epoch microseconds of the row's version
 * time: {@code DateTime} has whole seconds) and {@code _load_id} (the pipeline run that wrote it).
 *
 * <p>Everything else comes from the lake tables' typed declarations ({@link LakeTable}), never from
 * their names: the key is the {@code ORDER BY}, the version column the {@code _version}, the
 * partition is by event-time month where a key's event time never changes, a child table's views
 * show only its parent's newest version, and a table with a current state (entity operations) feeds
 * a second table of each key's latest state ({@code current_entities}).
 */
public final class WarehouseTables {
  public static final String VERSION = "_version";
  public static final String LOAD_ID = "_load_id";

  /**
   * When ClickHouse wrote the row (server clock, whole seconds): {@code DateTime MATERIALIZED
   * now()}, filled in by the server at insert. MATERIALIZED, not DEFAULT: ClickHouseIO sends every
   * column that is not MATERIALIZED or ALIAS, so a DEFAULT column would need a value from the
   * pipeline; and {@code SELECT *} (the tenant views) leaves it out. Not one of a table's {@link
   * WarehouseTable#columns()}, which are the columns the pipeline writes.
   */
  public static final String INSERTED_AT = "_inserted_at";

  /** The type {@code system.columns} shows for {@link #INSERTED_AT}. */
  public static final String INSERTED_AT_TYPE = "DateTime";

  /** The column's definition in CREATE TABLE and ALTER TABLE ADD COLUMN. */
  public static final String INSERTED_AT_DDL = INSERTED_AT_TYPE + " MATERIALIZED now()";

  private static final ObjectMapper JSON = new ObjectMapper();

  /** DateTime holds seconds from 1970 to 2106 as a UInt32. */
  private static final long MAX_DATETIME_SECONDS = 4_294_967_295L;

  private static final Map<String, WarehouseTable> BY_NAME = new LinkedHashMap<>();

  static {
    for (WarehouseTable table : of(RecordKinds.builtIn())) {
      BY_NAME.put(table.name(), table);
    }
  }

  private WarehouseTables() {}

  /** The warehouse tables of the built-in kinds. */
  public static List<WarehouseTable> all() {
    return List.copyOf(BY_NAME.values());
  }

  /** A warehouse table of the built-in kinds; null when there is none of that name. */
  public static WarehouseTable byName(String name) {
    return BY_NAME.get(name);
  }

  /** The warehouse tables fed from one lake table of the built-in kinds. */
  public static List<WarehouseTable> fedBy(String lakeTable) {
    return BY_NAME.values().stream().filter(t -> t.source().equals(lakeTable)).toList();
  }

  /** The warehouse tables of these kinds: per lake table, its own and its current state's. */
  public static List<WarehouseTable> of(RecordKinds kinds) {
    List<WarehouseTable> tables = new ArrayList<>();
    List<WarehouseTable> derived = new ArrayList<>();
    for (LakeTable lake : kinds.tables()) {
      tables.add(fromLake(lake));
      if (lake.currentState() != null) {
        derived.add(currentState(lake, lake.currentState()));
      }
    }
    tables.addAll(derived);
    Set<String> names = new HashSet<>();
    for (WarehouseTable table : tables) {
      if (!names.add(table.name())) {
        throw new IllegalArgumentException("Two warehouse tables are named " + table.name());
      }
    }
    return List.copyOf(tables);
  }

  /**
   * The per-tenant views of a child table show only the children of its parent's newest version: a
   * phase or task missing from the newest snapshot no longer shows.
   */
  private static String viewFilter(LakeTable lake) {
    LakeTable.Parent parent = lake.parent();
    if (parent == null) {
      return "";
    }
    return "("
        + parent.column()
        + ", _version) IN (SELECT "
        + parent.parentColumn()
        + ", _version FROM {table:"
        + parent.table().name()
        + "} FINAL WHERE "
        + parent.table().tenantColumn()
        + " = {org})";
  }

  private static WarehouseTable fromLake(LakeTable lake) {
    List<WarehouseColumn> columns = new ArrayList<>();
    for (Field field : lake.rowType().fields()) {
      boolean required =
          lake.key().contains(field.column()) || field.column().equals(lake.eventTimeColumn());
      columns.add(column(field, required));
    }
    columns.add(json(AvroSchemas.EXTRA, row -> row.record().get(AvroSchemas.EXTRA)));
    columns.add(lateColumn());
    columns.add(versionColumn(lake.versionColumn(), lake.eventTimeColumn()));
    columns.add(loadIdColumn());
    // ReplacingMergeTree replaces only within a partition: monthly partitions only where all
    // versions of a key share their event time.
    String partition =
        lake.eventTimeFixedPerKey()
            ? "toYYYYMM(" + Sql.identifier(lake.eventTimeColumn()) + ")"
            : "tuple()";
    return new WarehouseTable(
        lake.name(),
        lake.name(),
        lake.tenantColumn(),
        columns,
        lake.key(),
        partition,
        viewFilter(lake));
  }

  /** {@code _version}: the version column's time, or the event time where a row has none. */
  private static WarehouseColumn versionColumn(String versionColumn, String fallback) {
    return new WarehouseColumn(
        VERSION,
        "UInt64",
        ColumnType.UINT64,
        row -> {
          // A version before 1970 (a .NET "not set", 0001-01-01) would be a negative number,
          // written as UInt64 it is near 2^64 and would win under FINAL over every later version
          // of the key: it counts as no version, as null does.
          Object version = row.record().get(versionColumn);
          return version != null && (Long) version >= 0
              ? (Long) version
              : (Long) row.record().get(fallback);
        },
        "The row's version: "
            + versionColumn
            + (versionColumn.equals(fallback) ? "" : " (else " + fallback + ")")
            + " in microseconds since 1970-01-01 UTC; FINAL keeps the highest per key");
  }

  /**
   * {@code version}, ordered within its second by the ULID time of {@code ulidColumn}: a version on
   * a whole second (an EventBridge time) gets the ULID's millisecond within that second (clamped to
   * it). A delete and a create of one entity in one second otherwise tie, and FINAL keeps whichever
   * was inserted last (streaming gives no order); the monthly roll-up and the documented queries
   * break the tie by the activity id too. Versions of other seconds keep their order. Still tied:
   * operations of one activity, or of one millisecond.
   */
  private static WarehouseColumn sameSecondOrderedVersion(
      WarehouseColumn version, String ulidColumn) {
    return new WarehouseColumn(
        VERSION,
        version.ddlType(),
        version.ioType(),
        row -> {
          long micros = (Long) version.value().of(row);
          Object ulid = row.record().get(ulidColumn);
          long ulidMillis = ulid == null ? -1 : UlidTime.millis(ulid.toString());
          if (micros % 1_000_000 != 0 || ulidMillis < 0) {
            return micros;
          }
          // Clamped to the second: a ULID made before it counts as its start, one after it (the
          // two clocks differ) as its last millisecond, so ULID order holds within the second.
          return micros + Math.max(0, Math.min(ulidMillis * 1000 - micros, 999_000));
        },
        version.description()
            + "; a whole-second time is ordered within its second by the "
            + ulidColumn
            + "'s ULID time");
  }

  private static WarehouseColumn lateColumn() {
    return new WarehouseColumn(
        AvroSchemas.LATE, "UInt8", ColumnType.UINT8, row -> (short) (row.late() ? 1 : 0));
  }

  /** The load id is filled in by the writer; here it is a placeholder column. */
  private static WarehouseColumn loadIdColumn() {
    return new WarehouseColumn(
        LOAD_ID,
        "String",
        ColumnType.STRING,
        row -> "",
        "The pipeline run that wrote the row: a UUID each run makes when it prepares the"
            + " warehouse");
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
                            ClickHouseWarehouseIO.STEP, row.table() + "." + name + " is missing");
                      }
                      return t;
                    })
                : new WarehouseColumn(
                    name,
                    "Nullable(DateTime)",
                    ColumnType.nullable(TypeName.DATETIME),
                    row -> dateTimeOrNull(row, name));
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

  /** A value's text: a nested record as JSON, the rest as itself ({@link AvroText}). */
  private static String text(Object value) {
    return AvroText.of(value);
  }

  private static String requiredText(LakeRow row, String name) throws RecordRejectedException {
    Object v = row.record().get(name);
    if (v == null) {
      throw new RecordRejectedException(
          ClickHouseWarehouseIO.STEP, row.table() + "." + name + " (part of the key) is missing");
    }
    return v.toString();
  }

  private static Instant dateTime(LakeRow row, String name) throws RecordRejectedException {
    Object v = row.record().get(name);
    if (v == null) {
      return null;
    }
    long micros = (Long) v;
    if (!fitsDateTime(micros)) {
      throw new RecordRejectedException(
          ClickHouseWarehouseIO.STEP,
          row.table() + "." + name + " is outside the range of ClickHouse DateTime (1970-2106)");
    }
    return new Instant(Math.floorDiv(micros, 1000L));
  }

  /**
   * An optional time, null where DateTime cannot hold it: a .NET platform's "not set"
   * (0001-01-01T00:00:00, as VTEX sends in date fields) or any other time before 1970 or after
   * 2106. The row still reaches the warehouse (a required time out of range rejects it, {@link
   * #dateTime}); the lake keeps the value as it came.
   */
  private static Instant dateTimeOrNull(LakeRow row, String name) {
    Object v = row.record().get(name);
    if (v == null || !fitsDateTime((Long) v)) {
      return null;
    }
    return new Instant(Math.floorDiv((Long) v, 1000L));
  }

  private static boolean fitsDateTime(long micros) {
    long seconds = Math.floorDiv(micros, 1_000_000L);
    return seconds >= 0 && seconds <= MAX_DATETIME_SECONDS;
  }

  /**
   * The latest state of each key of {@code state}, by version; rows whose operation deletes mark it
   * deleted, a later one that does not revives it. Columns: the key, the carried columns with
   * {@code deleted} after the operation, then {@code payload}.
   */
  private static WarehouseTable currentState(LakeTable lake, LakeTable.CurrentState state) {
    List<WarehouseColumn> columns = new ArrayList<>();
    for (String key : state.key()) {
      columns.add(
          new WarehouseColumn(key, "String", ColumnType.STRING, row -> requiredText(row, key)));
    }
    for (String name : state.columns()) {
      boolean required =
          name.equals(state.operationColumn()) || name.equals(lake.eventTimeColumn());
      columns.add(column(lake.rowType().field(name), required));
      if (name.equals(state.operationColumn())) {
        Set<String> deleting = state.deleting();
        columns.add(
            new WarehouseColumn(
                "deleted",
                "UInt8",
                ColumnType.UINT8,
                row -> (short) (deleting.contains(row.record().get(name).toString()) ? 1 : 0),
                "1 when the latest "
                    + name
                    + " is one of "
                    + String.join(", ", new TreeSet<>(deleting))
                    + ", else 0 (a later operation revives the key)"));
      }
    }
    String payloadColumn = state.payloadColumn();
    columns.add(
        new WarehouseColumn(
            "payload",
            "Nullable(String)",
            ColumnType.nullable(TypeName.STRING),
            row -> payload(row, payloadColumn),
            "The payload member of the latest row's "
                + payloadColumn
                + ": the state that row sent, as JSON text"));
    columns.add(lateColumn());
    columns.add(
        state.sameSecondOrder() == null
            ? versionColumn(lake.versionColumn(), lake.eventTimeColumn())
            : sameSecondOrderedVersion(
                versionColumn(lake.versionColumn(), lake.eventTimeColumn()),
                state.sameSecondOrder()));
    columns.add(loadIdColumn());
    return new WarehouseTable(
        state.table(),
        lake.name(),
        lake.tenantColumn(),
        columns,
        state.key(),
        "tuple()",
        "deleted = 0");
  }

  /**
   * The {@code payload} member of a JSON column, as it is written there: an object's or a list's
   * text is cut out of the column's (the lake's text, every digit of its numbers as the record
   * wrote them), with no tree built and rendered again; the rest of the text is tokenized, so
   * broken JSON is still refused. A scalar payload is its JSON text (a number as written).
   */
  private static String payload(LakeRow row, String column) throws RecordRejectedException {
    Object detail = row.record().get(column);
    if (detail == null) {
      return null;
    }
    String text = detail.toString();
    try (JsonParser parser = JSON.createParser(text)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        // A scalar or an array has no members; broken text still fails reading it.
        parser.skipChildren();
        return null;
      }
      String payload = null;
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        boolean wanted = parser.currentName().equals("payload");
        JsonToken value = parser.nextToken();
        if (!wanted) {
          parser.skipChildren();
        } else if (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY) {
          // A repeated key: the last wins, as in a tree.
          int start = (int) parser.currentTokenLocation().getCharOffset();
          parser.skipChildren();
          payload = text.substring(start, (int) parser.currentLocation().getCharOffset());
        } else if (value == JsonToken.VALUE_NULL) {
          payload = null;
        } else if (value == JsonToken.VALUE_STRING) {
          payload =
              JsonText.of(com.fasterxml.jackson.databind.node.TextNode.valueOf(parser.getText()));
        } else {
          payload = parser.getText(); // a number as written, true or false
        }
      }
      return payload;
    } catch (java.io.IOException e) {
      throw new RecordRejectedException(
          ClickHouseWarehouseIO.STEP, row.table() + "." + column + " is not JSON");
    }
  }
}
