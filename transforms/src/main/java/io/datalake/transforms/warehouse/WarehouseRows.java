package io.datalake.transforms.warehouse;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;
import org.joda.time.ReadableInstant;

/**
 * Builds the rows of one warehouse table from values already converted by its columns ({@link
 * WarehouseColumn.Value}), checking each against its field with one {@code instanceof}.
 *
 * <p>{@code Row.Builder.build()} checks the same through Beam's generic matcher, which walks the
 * schema per value and copies every list: in the profile of the batch run to S3 + ClickHouse it was
 * half of the conversion to warehouse rows. The columns here only ever produce the few types of
 * {@link org.apache.beam.sdk.io.clickhouse.TableSchema#getEquivalentSchema}, so a check per type is
 * enough; a value of another type (or a null in a required column) is refused with an {@link
 * IllegalArgumentException}, as the matcher refused it, and leaves as a dead letter.
 */
final class WarehouseRows {
  private final Schema schema;
  private final Class<?>[] types;
  private final boolean[] nullable;

  WarehouseRows(Schema schema) {
    this.schema = schema;
    int n = schema.getFieldCount();
    this.types = new Class<?>[n];
    this.nullable = new boolean[n];
    for (int i = 0; i < n; i++) {
      Schema.FieldType type = schema.getField(i).getType();
      types[i] = javaType(type);
      nullable[i] = type.getNullable();
    }
  }

  /** The class a value of {@code type} must have in a row. */
  private static Class<?> javaType(Schema.FieldType type) {
    return switch (type.getTypeName()) {
      case STRING -> String.class;
      case BYTE -> Byte.class;
      case INT16 -> Short.class;
      case INT32 -> Integer.class;
      case INT64 -> Long.class;
      case FLOAT -> Float.class;
      case DOUBLE -> Double.class;
      case BOOLEAN -> Boolean.class;
      case DATETIME -> ReadableInstant.class;
      case ARRAY, ITERABLE -> {
        Schema.FieldType element = type.getCollectionElementType();
        if (element == null || element.getTypeName() != Schema.TypeName.STRING) {
          throw new IllegalArgumentException(
              "WarehouseRows: no check for a list of " + element + " (a new column type?)");
        }
        yield Collection.class;
      }
      default ->
          throw new IllegalArgumentException(
              "WarehouseRows: no check for a column of type "
                  + type.getTypeName()
                  + " (a new column type?)");
    };
  }

  Schema schema() {
    return schema;
  }

  /** A list to fill with the row's values, in the order of the schema's fields. */
  List<Object> newValues() {
    return new ArrayList<>(types.length);
  }

  /**
   * The row of {@code values} (in field order), which it keeps: the caller must not change them.
   */
  Row row(List<Object> values) {
    if (values.size() != types.length) {
      throw new IllegalArgumentException(
          "a row of " + values.size() + " values for " + types.length + " columns");
    }
    for (int i = 0; i < types.length; i++) {
      Object value = values.get(i);
      if (value == null) {
        if (!nullable[i]) {
          throw new IllegalArgumentException(schema.getField(i).getName() + " must not be null");
        }
      } else if (!types[i].isInstance(value)) {
        throw new IllegalArgumentException(
            schema.getField(i).getName()
                + " holds a "
                + value.getClass().getSimpleName()
                + ", not a "
                + types[i].getSimpleName());
      } else if (types[i] == Collection.class) {
        for (Object element : (Collection<?>) value) {
          if (!(element instanceof String)) {
            throw new IllegalArgumentException(
                schema.getField(i).getName() + " holds a list of other than text");
          }
        }
      }
    }
    return Row.withSchema(schema).attachValues(values);
  }
}
