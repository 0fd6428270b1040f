package io.datalake.transforms.lake.iceberg;

import io.datalake.transforms.schema.LakeTable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.generic.GenericRecord;
import org.apache.iceberg.PartitionField;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.StructLike;
import org.apache.iceberg.transforms.Transform;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * A lake table as an Iceberg table: the same columns and types as its Parquet files, made from the
 * same source, the table's Avro schema ({@link LakeTable#avroSchema()}). Nullable fields are
 * optional, nested records structs, arrays lists, {@code timestamp-micros} a {@code timestamptz}
 * (the Parquet lake's {@code TIMESTAMP(MICROS, UTC)}), JSON columns strings. Partitioned by {@code
 * identity(<tenant column>)} and {@code day(<event-time column>)} ({@code hour} with hourly
 * partitions): readers filter on the columns themselves and never see a path column.
 */
public final class IcebergSchemas {
  private IcebergSchemas() {}

  /** The table's schema, its field ids numbered in declaration order from 1. */
  public static Schema schema(LakeTable table) {
    AtomicInteger ids = new AtomicInteger();
    org.apache.avro.Schema avro = table.avroSchema();
    return new Schema(fields(avro, ids));
  }

  /** The partition spec: tenant, then day (or hour) of the event time. */
  public static PartitionSpec spec(LakeTable table, Schema schema, boolean hourly) {
    PartitionSpec.Builder spec = PartitionSpec.builderFor(schema).identity(table.tenantColumn());
    return (hourly ? spec.hour(table.eventTimeColumn()) : spec.day(table.eventTimeColumn()))
        .build();
  }

  /**
   * The partition of a row under {@code spec}, from the row's own column values through the spec's
   * transforms: what Iceberg itself would derive, so that a reader's filter on the columns prunes
   * exactly.
   */
  public static StructLike partition(PartitionSpec spec, GenericRecord record) {
    org.apache.iceberg.data.GenericRecord partition =
        org.apache.iceberg.data.GenericRecord.create(spec.partitionType());
    List<PartitionField> fields = spec.fields();
    for (int i = 0; i < fields.size(); i++) {
      PartitionField field = fields.get(i);
      Types.NestedField source = spec.schema().findField(field.sourceId());
      Object value = record.get(source.name());
      if (value instanceof CharSequence text) {
        value = text.toString();
      }
      @SuppressWarnings("unchecked")
      Transform<Object, Object> transform = (Transform<Object, Object>) field.transform();
      partition.set(i, value == null ? null : transform.bind(source.type()).apply(value));
    }
    return partition;
  }

  private static List<Types.NestedField> fields(org.apache.avro.Schema record, AtomicInteger ids) {
    List<Types.NestedField> fields = new ArrayList<>();
    for (org.apache.avro.Schema.Field field : record.getFields()) {
      boolean optional = isNullable(field.schema());
      int id = ids.incrementAndGet();
      Type type = type(nonNull(field.schema()), ids);
      fields.add(
          optional
              ? Types.NestedField.optional(id, field.name(), type, field.doc())
              : Types.NestedField.required(id, field.name(), type, field.doc()));
    }
    return fields;
  }

  private static Type type(org.apache.avro.Schema avro, AtomicInteger ids) {
    switch (avro.getType()) {
      case RECORD:
        return Types.StructType.of(fields(avro, ids));
      case ARRAY:
        {
          int elementId = ids.incrementAndGet();
          org.apache.avro.Schema element = avro.getElementType();
          Type elementType = type(nonNull(element), ids);
          return isNullable(element)
              ? Types.ListType.ofOptional(elementId, elementType)
              : Types.ListType.ofRequired(elementId, elementType);
        }
      case STRING:
        return Types.StringType.get();
      case LONG:
        {
          LogicalType logical = avro.getLogicalType();
          if (logical instanceof LogicalTypes.TimestampMicros) {
            return Types.TimestampType.withZone();
          }
          return Types.LongType.get();
        }
      case DOUBLE:
        return Types.DoubleType.get();
      case BOOLEAN:
        return Types.BooleanType.get();
      default:
        throw new IllegalArgumentException(
            "no Iceberg type for the lake's Avro type " + avro.getType() + ": " + avro);
    }
  }

  private static boolean isNullable(org.apache.avro.Schema schema) {
    return schema.getType() == org.apache.avro.Schema.Type.UNION
        && schema.getTypes().stream()
            .anyMatch(s -> s.getType() == org.apache.avro.Schema.Type.NULL);
  }

  private static org.apache.avro.Schema nonNull(org.apache.avro.Schema schema) {
    return io.datalake.transforms.schema.AvroSchemas.nonNull(schema);
  }
}
