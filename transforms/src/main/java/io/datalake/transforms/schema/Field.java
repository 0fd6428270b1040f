package io.datalake.transforms.schema;

import java.io.Serializable;
import java.util.List;

/**
 * One declared field: the key it has in the JSON source, the column it becomes (sanitized, see
 * {@link ColumnNames}) and its type.
 */
public record Field(String jsonName, String column, FieldType type) implements Serializable {
  public static Field of(String jsonName, FieldType type) {
    return new Field(jsonName, ColumnNames.sanitize(jsonName), type);
  }

  public static Field str(String name) {
    return of(name, FieldType.Scalar.STRING);
  }

  public static Field i64(String name) {
    return of(name, FieldType.Scalar.LONG);
  }

  public static Field f64(String name) {
    return of(name, FieldType.Scalar.DOUBLE);
  }

  public static Field bool(String name) {
    return of(name, FieldType.Scalar.BOOLEAN);
  }

  public static Field ts(String name) {
    return of(name, FieldType.Scalar.TIMESTAMP);
  }

  public static Field json(String name) {
    return of(name, FieldType.Scalar.JSON);
  }

  public static Field rec(String name, String typeName, Field... fields) {
    return of(name, new FieldType.RecordType(typeName, List.of(fields)));
  }

  public static Field arr(String name, FieldType element) {
    return of(name, new FieldType.ArrayType(element));
  }

  public static Field arrOf(String name, String typeName, Field... fields) {
    return arr(name, new FieldType.RecordType(typeName, List.of(fields)));
  }

  public static Field strings(String name) {
    return arr(name, FieldType.Scalar.STRING);
  }
}
