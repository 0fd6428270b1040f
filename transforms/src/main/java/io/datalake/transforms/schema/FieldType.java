package io.datalake.transforms.schema;

import java.io.Serializable;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** The declared type of a field. Records and arrays nest; everything else is a leaf. */
public sealed interface FieldType extends Serializable {
  /** Leaf types. JSON is text holding JSON, for parts whose shape varies between sources. */
  enum Scalar implements FieldType {
    STRING,
    LONG,
    DOUBLE,
    BOOLEAN,
    TIMESTAMP,
    JSON
  }

  /** A nested record; fields it does not declare are kept in its {@code _extra} JSON column. */
  record RecordType(String name, List<Field> fields, Set<String> jsonNames) implements FieldType {
    public RecordType(String name, List<Field> fields) {
      this(
          name,
          fields,
          fields.stream().map(Field::jsonName).collect(Collectors.toUnmodifiableSet()));
    }

    /** Whether the source key is one of this record's fields (looked up for every key read). */
    public boolean declares(String jsonName) {
      return jsonNames.contains(jsonName);
    }

    public Field field(String column) {
      return fields.stream().filter(f -> f.column().equals(column)).findFirst().orElse(null);
    }
  }

  record ArrayType(FieldType element) implements FieldType {}
}
