package io.datalake.transforms.model;

import java.io.Serializable;
import java.util.Objects;
import org.apache.beam.sdk.schemas.JavaFieldSchema;
import org.apache.beam.sdk.schemas.annotations.DefaultSchema;
import org.apache.beam.sdk.schemas.annotations.SchemaCreate;

/**
 * A record the pipeline could not handle, with why. The original record is kept only encrypted
 * (randomized AEAD), as it may hold PII; the error never quotes the record.
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
  public final String encryptedRecord;

  @SchemaCreate
  public DeadLetter(String kind, String step, String error, String source, String encryptedRecord) {
    this.kind = kind;
    this.step = step;
    this.error = error;
    this.source = source;
    this.encryptedRecord = encryptedRecord;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DeadLetter d
        && kind.equals(d.kind)
        && step.equals(d.step)
        && error.equals(d.error)
        && source.equals(d.source)
        && Objects.equals(encryptedRecord, d.encryptedRecord);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, step, error, source);
  }

  @Override
  public String toString() {
    return "DeadLetter{" + kind + " at " + source + ", " + step + ": " + error + "}";
  }
}
