package io.datalake.transforms.model;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;
import org.apache.beam.sdk.schemas.JavaFieldSchema;
import org.apache.beam.sdk.schemas.annotations.DefaultSchema;
import org.apache.beam.sdk.schemas.annotations.SchemaCreate;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A record the pipeline could not handle, with why. The original record is kept only encrypted
 * (randomized AEAD), as it may hold PII; the error never quotes the record.
 *
 * <p>Its coder is the schema coder of its fields (deterministic: strings, two of them nullable).
 * Adding {@link #table} added a field to that schema, so dead letters encoded before it (in a
 * streaming checkpoint) do not decode after it: see the README's upgrade path.
 */
@DefaultSchema(JavaFieldSchema.class)
public final class DeadLetter implements Serializable {
  /** The kind of record, e.g. checkout-orders. */
  public final String kind;

  /** The step that rejected it: read, parse, type, pii, route, clickhouse. */
  public final String step;

  /** Why, without quoting the record. */
  public final String error;

  /** Where it came from: file:line or topic/partition/offset. */
  public final String source;

  /** The original record, encrypted; null only when it was too long to keep. */
  public final @Nullable String encryptedRecord;

  /** The warehouse table that rejected the row; null for a record rejected before the warehouse. */
  public final @Nullable String table;

  /** A dead letter of a step before the warehouse (no rejecting table). */
  public DeadLetter(
      String kind, String step, String error, String source, @Nullable String encryptedRecord) {
    this(kind, step, error, source, encryptedRecord, null);
  }

  @SchemaCreate
  public DeadLetter(
      String kind,
      String step,
      String error,
      String source,
      @Nullable String encryptedRecord,
      @Nullable String table) {
    this.kind = kind;
    this.step = step;
    this.error = error;
    this.source = source;
    this.encryptedRecord = encryptedRecord;
    this.table = table;
  }

  /**
   * One stored field of a dead letter: its name where dead letters are stored, whether it may be
   * null, and its value.
   */
  public record StoredField(
      String name, boolean nullable, SerializableFunction<DeadLetter, String> value)
      implements Serializable {}

  /**
   * The fields a dead letter is stored with, in order: the one declaration both the lake's JSON
   * lines and the warehouse's {@code dead_letters} table are made from.
   */
  public static final List<StoredField> STORED_FIELDS =
      List.of(
          new StoredField("kind", false, l -> l.kind),
          new StoredField("step", false, l -> l.step),
          new StoredField("error", false, l -> l.error),
          new StoredField("source", false, l -> l.source),
          new StoredField("encrypted_record", true, l -> l.encryptedRecord),
          new StoredField("table", true, l -> l.table));

  @Override
  public boolean equals(Object o) {
    return o instanceof DeadLetter d
        && kind.equals(d.kind)
        && step.equals(d.step)
        && error.equals(d.error)
        && source.equals(d.source)
        && Objects.equals(encryptedRecord, d.encryptedRecord)
        && Objects.equals(table, d.table);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, step, error, source, table);
  }

  @Override
  public String toString() {
    return "DeadLetter{"
        + kind
        + " at "
        + source
        + ", "
        + step
        + (table == null ? "" : " (" + table + ")")
        + ": "
        + error
        + "}";
  }
}
