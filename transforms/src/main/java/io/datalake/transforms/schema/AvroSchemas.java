package io.datalake.transforms.schema;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.JsonProperties;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;

/**
 * Avro (and so Parquet) schemas of the lake tables, made from their declared row types. Every
 * column is nullable; timestamps are {@code timestamp-micros} (UTC); JSON columns are strings
 * marked {@code "sqlType": "JSON"}; every record has an {@code _extra} JSON column.
 */
public final class AvroSchemas {
  public static final String EXTRA = "_extra";

  /** Set on rows that arrived after their window's allowed lateness (streaming). */
  public static final String LATE = "late";

  private static final Map<String, Schema> CACHE = new ConcurrentHashMap<>();

  private AvroSchemas() {}

  public static Schema of(LakeTable table) {
    return CACHE.computeIfAbsent(
        table.name(),
        n -> {
          Schema row = record(table.rowType(), n);
          List<Schema.Field> fields = new ArrayList<>();
          for (Schema.Field f : row.getFields()) {
            fields.add(new Schema.Field(f, f.schema()));
          }
          fields.add(
              new Schema.Field(
                  LATE,
                  Schema.create(Schema.Type.BOOLEAN),
                  "Arrived after its window's allowed lateness",
                  false));
          return Schema.createRecord(row.getName(), null, row.getNamespace(), false, fields);
        });
  }

  private static Schema record(FieldType.RecordType type, String avroName) {
    List<Schema.Field> fields = new ArrayList<>();
    for (Field field : type.fields()) {
      fields.add(
          new Schema.Field(
              field.column(),
              nullable(of(field.type(), avroName + "_" + field.column())),
              null,
              JsonProperties.NULL_VALUE));
    }
    fields.add(
        new Schema.Field(
            EXTRA,
            nullable(json()),
            "Fields the schema does not declare, as JSON",
            JsonProperties.NULL_VALUE));
    return Schema.createRecord(avroName, null, "io.datalake.lake", false, fields);
  }

  private static Schema of(FieldType type, String avroName) {
    if (type instanceof FieldType.RecordType r) {
      return record(r, avroName);
    }
    if (type instanceof FieldType.ArrayType a) {
      return Schema.createArray(nullable(of(a.element(), avroName + "_item")));
    }
    return switch ((FieldType.Scalar) type) {
      case STRING -> Schema.create(Schema.Type.STRING);
      case JSON -> json();
      case LONG -> Schema.create(Schema.Type.LONG);
      case DOUBLE -> Schema.create(Schema.Type.DOUBLE);
      case BOOLEAN -> Schema.create(Schema.Type.BOOLEAN);
      case TIMESTAMP -> LogicalTypes.timestampMicros().addToSchema(Schema.create(Schema.Type.LONG));
    };
  }

  private static Schema json() {
    Schema schema = Schema.create(Schema.Type.STRING);
    schema.addProp("sqlType", "JSON");
    return schema;
  }

  private static Schema nullable(Schema schema) {
    return Schema.createUnion(Schema.create(Schema.Type.NULL), schema);
  }

  /**
   * The Avro field of a record type's {@code index}-th declared field: a record's schema lists the
   * declared fields first, in their order ({@link #record}), so readers and writers of many rows
   * can go by position instead of looking each name up.
   *
   * @throws IllegalStateException if the schema was not made from this type
   */
  public static Schema.Field declared(List<Schema.Field> columns, int index, Field field) {
    Schema.Field column = index < columns.size() ? columns.get(index) : null;
    if (column == null || !column.name().equals(field.column())) {
      throw new IllegalStateException(
          "Avro schema does not list the declared field "
              + field.column()
              + " at position "
              + index);
    }
    return column;
  }

  /** The non-null branch of a nullable union. */
  public static Schema nonNull(Schema schema) {
    if (schema.getType() == Schema.Type.UNION) {
      for (Schema branch : schema.getTypes()) {
        if (branch.getType() != Schema.Type.NULL) {
          return branch;
        }
      }
    }
    return schema;
  }
}
