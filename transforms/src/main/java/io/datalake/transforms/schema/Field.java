package io.datalake.transforms.schema;

import java.io.Serializable;
import java.util.List;

/**
 * One declared field: the key it has in the JSON source, the column it becomes (sanitized, see
 * {@link ColumnNames}), its type and its meaning.
 *
 * @param description what the field holds, in one line: its source, unit or format, and whether it
 *     is encrypted; null until {@link #doc} gives it. The README's table reference is made from it,
 *     and its test refuses a built-in field without one.
 */
public record Field(String jsonName, String column, FieldType type, String description)
    implements Serializable {
  /** A field without a description yet (see {@link #doc}). */
  public Field(String jsonName, String column, FieldType type) {
    this(jsonName, column, type, null);
  }

  /** This field with its meaning: one line, for the table reference. */
  public Field doc(String meaning) {
    return new Field(jsonName, column, type, meaning);
  }

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
