package io.datalake.transforms.model;

import io.datalake.transforms.schema.AvroSchemas;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.CoderProvider;
import org.apache.beam.sdk.coders.CoderProviders;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A record the pipeline could not handle, with why. The original record is kept only encrypted
 * (randomized AEAD), as it may hold PII; the error never quotes the record.
 *
 * <p>Its coder is {@link Coder}: the seven fields in order, deterministic. It replaced the schema
 * coder of five fields when {@link #table} was added (that coder needed the constructor's parameter
 * names, which the build does not keep), and gained {@link #tenant} since, so dead letters encoded
 * before (in a streaming checkpoint) do not decode after: see the README's upgrade path.
 */
@DefaultCoder(DeadLetter.Coder.class)
public final class DeadLetter implements Serializable {
  /** The kind of record, e.g. checkout-orders. */
  public final String kind;

  /** The step that rejected it: read, parse, type, pii, route, clickhouse. */
  public final String step;

  /** Why, without quoting the record. */
  public final String error;

  /**
   * Where it came from: file:line or topic/partition/offset@time (the Kafka record's timestamp);
   * for a sink's refusal, where the row was going ({@link #sinkSource}).
   */
  public final String source;

  /** The original record, encrypted; null only when it was too long to keep. */
  public final @Nullable String encryptedRecord;

  /**
   * The table whose sink rejected the row (a lake table for step lake, a warehouse table for step
   * clickhouse); null for a record rejected before the sinks.
   */
  public final @Nullable String table;

  /**
   * The record's tenant when it was known at the refusal (a record refused while typed, for its
   * time, or by a sink); null when the record was refused before its tenant could be read. A
   * tenant's user sees the dead letters of its own tenant (their reasons, never a value).
   */
  public final @Nullable String tenant;

  /** The stored name of {@link #tenant}: the tenant column's name in the warehouse tables. */
  public static final String TENANT_FIELD = "org_id";

  /** A dead letter of a step before the sinks (no rejecting table). */
  public DeadLetter(
      String kind, String step, String error, String source, @Nullable String encryptedRecord) {
    this(kind, step, error, source, encryptedRecord, null);
  }

  public DeadLetter(
      String kind,
      String step,
      String error,
      String source,
      @Nullable String encryptedRecord,
      @Nullable String table) {
    this(kind, step, error, source, encryptedRecord, table, null);
  }

  private DeadLetter(
      String kind,
      String step,
      String error,
      String source,
      @Nullable String encryptedRecord,
      @Nullable String table,
      @Nullable String tenant) {
    this.kind = kind;
    this.step = step;
    this.error = error;
    this.source = source;
    this.encryptedRecord = encryptedRecord;
    this.table = table;
    this.tenant = tenant;
  }

  /**
   * The {@link #source} of a row a sink refused: where the row was going ({@code where}, e.g.
   * {@code clickhouse:<table>:<key>}), then {@code #} and the first 12 hex digits of the SHA-256 of
   * the row's text. The warehouse keys dead letters by their source, so two rows refused at one key
   * (or one lake partition) stay two dead letters, while the same row refused again (a retried
   * bundle, a rerun) stays one. The row's PII is encrypted before the sinks, and 48 bits of a
   * digest of it tell nothing of its values.
   */
  public static String sinkSource(String where, Object row) {
    String text;
    try {
      text = String.valueOf(withoutLateFlag(row));
    } catch (RuntimeException unprintable) {
      return where + "#unprintable";
    }
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return where + "#" + HexFormat.of().formatHex(digest, 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  /**
   * A lake row without its {@code late} flag: whether a row came late depends on when it arrived (a
   * replay, a batch rerun of a streamed record), not on what it is.
   */
  private static Object withoutLateFlag(Object row) {
    if (row instanceof GenericRecord record
        && record.getSchema().getField(AvroSchemas.LATE) != null
        && record.get(AvroSchemas.LATE) != null) {
      GenericRecord copy = GenericData.get().deepCopy(record.getSchema(), record);
      copy.put(AvroSchemas.LATE, null);
      return copy;
    }
    return row;
  }

  /** This dead letter of the record's tenant ({@code null}: not known). */
  public DeadLetter withTenant(@Nullable String tenant) {
    return new DeadLetter(kind, step, error, source, encryptedRecord, table, tenant);
  }

  /**
   * One stored field of a dead letter: its name where dead letters are stored, whether it may be
   * null, its value, and what it holds (one line, for the README's table reference).
   */
  public record StoredField(
      String name,
      boolean nullable,
      SerializableFunction<DeadLetter, String> value,
      String description)
      implements Serializable {
    /** A field without a description yet (see {@link #doc}). */
    public StoredField(
        String name, boolean nullable, SerializableFunction<DeadLetter, String> value) {
      this(name, nullable, value, null);
    }

    /** This field with what it holds. */
    public StoredField doc(String meaning) {
      return new StoredField(name, nullable, value, meaning);
    }
  }

  /**
   * The fields a dead letter is stored with, in order: the one declaration both the lake's JSON
   * lines and the warehouse's {@code dead_letters} table are made from.
   */
  public static final List<StoredField> STORED_FIELDS =
      List.of(
          new StoredField("kind", false, l -> l.kind)
              .doc("The kind of record, e.g. checkout-orders"),
          new StoredField("step", false, l -> l.step)
              .doc("The step that refused it, e.g. read, parse, type, route, lake or clickhouse"),
          new StoredField("error", false, l -> l.error)
              .doc("Why, in words; it never quotes the record's values"),
          new StoredField("source", false, l -> l.source)
              .doc(
                  "Where it came from: file:line or topic/partition/offset@<the Kafka record's"
                      + " timestamp>; for a sink's refusal lake:<table>:<tenant>@<event time> or"
                      + " clickhouse:<table>:<key>, then #<digest of the row> (two rows refused at"
                      + " one key stay two dead letters)"),
          new StoredField("encrypted_record", true, l -> l.encryptedRecord)
              .doc(
                  "The refused record (for steps lake and clickhouse: the row), encrypted with the"
                      + " PII keyset and a random nonce; null when it was too long to keep"),
          new StoredField("table", true, l -> l.table)
              .doc(
                  "The table whose sink refused the row (step lake or clickhouse); null when a"
                      + " step before the sinks refused the record"),
          new StoredField(TENANT_FIELD, true, l -> l.tenant)
              .doc(
                  "The record's tenant when it was known at the refusal (refused while typed, for"
                      + " its time, or by a sink); null when it was refused before its tenant could"
                      + " be read. Tenants see their own dead letters' figures"));

  /**
   * Encodes the fields in declaration order: four strings, then the encrypted record, the table and
   * the tenant, each with a null marker. Deterministic, so dead letters can be keys and state.
   */
  public static final class Coder extends AtomicCoder<DeadLetter> {
    private static final Coder INSTANCE = new Coder();
    private static final StringUtf8Coder TEXT = StringUtf8Coder.of();
    private static final NullableCoder<String> OPTIONAL = NullableCoder.of(StringUtf8Coder.of());

    public static Coder of() {
      return INSTANCE;
    }

    /** What {@link DefaultCoder} asks for: the coder of dead letters. */
    public static CoderProvider getCoderProvider() {
      return CoderProviders.forCoder(TypeDescriptor.of(DeadLetter.class), INSTANCE);
    }

    @Override
    public void encode(DeadLetter letter, OutputStream out) throws IOException {
      TEXT.encode(letter.kind, out);
      TEXT.encode(letter.step, out);
      TEXT.encode(letter.error, out);
      TEXT.encode(letter.source, out);
      OPTIONAL.encode(letter.encryptedRecord, out);
      OPTIONAL.encode(letter.table, out);
      OPTIONAL.encode(letter.tenant, out);
    }

    @Override
    public DeadLetter decode(InputStream in) throws IOException {
      return new DeadLetter(
          TEXT.decode(in),
          TEXT.decode(in),
          TEXT.decode(in),
          TEXT.decode(in),
          OPTIONAL.decode(in),
          OPTIONAL.decode(in),
          OPTIONAL.decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DeadLetter d
        && kind.equals(d.kind)
        && step.equals(d.step)
        && error.equals(d.error)
        && source.equals(d.source)
        && Objects.equals(encryptedRecord, d.encryptedRecord)
        && Objects.equals(table, d.table)
        && Objects.equals(tenant, d.tenant);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, step, error, source, table, tenant);
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
