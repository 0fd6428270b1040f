package io.datalake.transforms.model;

import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.schema.AvroSchemas;
import io.datalake.transforms.schema.LakeAvroData;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;

/**
 * One typed row of one lake table, with the tenant and event time that place it in its partition.
 *
 * <p>A row holds its record as an Avro object, as Avro binary under its table's schema, or both.
 * Rows that wait in state (a streaming window's rows until it closes, a batch's rows until they are
 * grouped by partition) should be {@link #encoded()} first: runner state then holds compact bytes
 * instead of object graphs several times their size, and a checkpoint or a shuffle copies those
 * bytes instead of walking every record again with Avro (a checkpoint re-serialized each waiting
 * row every interval, 13% of a streaming run's CPU). The record is decoded again only where it is
 * read. A row's record must not be changed once the row exists.
 */
public final class LakeRow {
  private final String table;
  private final String tenant;
  private final long eventTimeMicros;

  /** The record as an object; decoded from {@link #avro} on first use when the row came encoded. */
  private volatile GenericRecord record;

  /** The record as Avro binary; null until the row is encoded. */
  private final byte[] avro;

  /** The table's Avro schema, which {@link #avro} is written in. */
  private final Schema schema;

  public LakeRow(String table, String tenant, long eventTimeMicros, GenericRecord record) {
    this(table, tenant, eventTimeMicros, Objects.requireNonNull(record), null, record.getSchema());
  }

  private LakeRow(
      String table,
      String tenant,
      long eventTimeMicros,
      GenericRecord record,
      byte[] avro,
      Schema schema) {
    this.table = Objects.requireNonNull(table);
    this.tenant = Objects.requireNonNull(tenant);
    this.eventTimeMicros = eventTimeMicros;
    this.record = record;
    this.avro = avro;
    this.schema = Objects.requireNonNull(schema);
  }

  public String table() {
    return table;
  }

  public String tenant() {
    return tenant;
  }

  public long eventTimeMicros() {
    return eventTimeMicros;
  }

  /** The record; an encoded row decodes it once and keeps it. */
  public GenericRecord record() {
    GenericRecord r = record;
    if (r == null) {
      r = Coder.decodeRecord(table, schema, avro);
      record = r;
    }
    return r;
  }

  /**
   * The record without keeping a decoded copy in this row: for one pass over many encoded rows
   * (writing a file), so that a group of rows does not end up holding every record twice.
   */
  public GenericRecord detachedRecord() {
    GenericRecord r = record;
    return r != null ? r : Coder.decodeRecord(table, schema, avro);
  }

  /**
   * Whether the row arrived after its window's allowed lateness ({@link AvroSchemas#LATE}), read
   * without decoding an encoded row: {@code late} is the last field of every lake schema, a
   * boolean, and Avro binary writes a boolean as one byte, so it is the encoding's last byte.
   * Readers that need only this (the freshness figures) then leave a 14 KB order undecoded.
   */
  public boolean late() {
    GenericRecord r = record;
    if (r != null || !lateIsLastField(schema)) {
      return Boolean.TRUE.equals(record().get(AvroSchemas.LATE));
    }
    return avro[avro.length - 1] == 1;
  }

  private static boolean lateIsLastField(Schema schema) {
    List<Schema.Field> fields = schema.getFields();
    Schema.Field last = fields.get(fields.size() - 1);
    return last.name().equals(AvroSchemas.LATE) && last.schema().getType() == Schema.Type.BOOLEAN;
  }

  /** This row holding only its Avro binary (itself when it already does). */
  public LakeRow encoded() {
    if (avro != null && record == null) {
      return this;
    }
    return new LakeRow(
        table,
        tenant,
        eventTimeMicros,
        null,
        avro != null ? avro : Coder.encodeRecord(table, record),
        schema);
  }

  /**
   * This row holding both its record and its Avro binary (itself when it already does): what a
   * reader in the same thread gets without decoding, and what a coder writes without encoding
   * again. Only for rows that go straight on to be written: a row waiting in runner state should
   * hold its bytes alone ({@link #encoded()}).
   */
  public LakeRow withEncoding() {
    if (avro != null && record != null) {
      return this;
    }
    if (avro != null) {
      return new LakeRow(table, tenant, eventTimeMicros, record(), avro, schema);
    }
    return new LakeRow(
        table, tenant, eventTimeMicros, record, Coder.encodeRecord(table, record), schema);
  }

  /**
   * This row, known to convert to its table's Avro binary, for a writer in the same thread that
   * takes the record: checked with Avro's {@code validate} (the types, required values, unions and
   * enum symbols the encoder needs), which costs a fraction of encoding, as the record is not
   * turned into bytes only to be dropped. Where {@code validate} is stricter than the encoder (a
   * double field holding another Number, say) the encoder decides: the row is then encoded ({@link
   * #withEncoding()}), and a row that does not convert throws the encoder's exception, which names
   * the field.
   */
  public LakeRow checked() {
    if (avro != null || LakeAvroData.get().validate(schema, record)) {
      return this;
    }
    return withEncoding();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LakeRow r
        && table.equals(r.table)
        && tenant.equals(r.tenant)
        && eventTimeMicros == r.eventTimeMicros
        && record().equals(r.record());
  }

  @Override
  public int hashCode() {
    return Objects.hash(table, tenant, eventTimeMicros);
  }

  @Override
  public String toString() {
    return "LakeRow{" + table + ", " + tenant + ", " + eventTimeMicros + "}";
  }

  /**
   * Table name, tenant, event time, then the record in Avro binary under its table's schema. An
   * encoded row is written as its bytes and read back as bytes: the record is decoded only when
   * used, under the schema of the table of that name in the coder's registry of kinds. The Avro
   * writer and reader of each schema are made once per thread: a new one per row rebuilt Avro's
   * caches every time (a tenth of a batch run's time in the benchmark's profile).
   */
  public static final class Coder extends AtomicCoder<LakeRow> {
    private static final Coder BUILT_IN = new Coder(RecordKinds.builtIn());

    // Keyed by schema instance: each table's schema is made once (AvroSchemas).
    private static final ThreadLocal<Map<Schema, GenericDatumWriter<GenericRecord>>> WRITERS =
        ThreadLocal.withInitial(IdentityHashMap::new);
    private static final ThreadLocal<Map<Schema, GenericDatumReader<GenericRecord>>> READERS =
        ThreadLocal.withInitial(IdentityHashMap::new);
    private static final ThreadLocal<ByteArrayOutputStream> BUFFERS =
        ThreadLocal.withInitial(() -> new ByteArrayOutputStream(4096));
    private static final ThreadLocal<RowHeader> HEADERS = ThreadLocal.withInitial(RowHeader::new);

    private final RecordKinds kinds;

    private Coder(RecordKinds kinds) {
      this.kinds = kinds;
    }

    /** The coder of rows of the built-in kinds' tables. */
    public static Coder of() {
      return BUILT_IN;
    }

    /** The coder of rows of these kinds' tables. */
    public static Coder of(RecordKinds kinds) {
      return kinds.equals(RecordKinds.builtIn()) ? BUILT_IN : new Coder(kinds);
    }

    /**
     * The same bytes as {@code StringUtf8Coder} (table, tenant), {@code VarLongCoder} (event time)
     * and {@code VarIntCoder} (the record's length) would write, but gathered first and handed to
     * {@code out} in one call: a heap checkpoint writes every waiting row through a {@code
     * DataOutputStream}, whose {@code write(int)} is synchronized, and the coders' variable-length
     * integers went to it a byte at a time (JFR of a stream: most of the checkpoints' CPU).
     */
    @Override
    public void encode(LakeRow row, OutputStream out) throws IOException {
      ByteArrayOutputStream record = row.avro == null ? writeRecord(row.record) : null;
      int length = record == null ? row.avro.length : record.size();
      RowHeader header = HEADERS.get();
      header.reset();
      header.putString(row.table);
      header.putString(row.tenant);
      header.putVarLong(row.eventTimeMicros);
      header.putVarLong(length);
      header.writeTo(out);
      if (record == null) {
        out.write(row.avro);
      } else {
        record.writeTo(out);
      }
    }

    @Override
    public LakeRow decode(InputStream in) throws IOException {
      String table = StringUtf8Coder.of().decode(in);
      String tenant = StringUtf8Coder.of().decode(in);
      long micros = VarLongCoder.of().decode(in);
      byte[] bytes = new byte[VarIntCoder.of().decode(in)];
      new DataInputStream(in).readFully(bytes);
      return new LakeRow(table, tenant, micros, null, bytes, kinds.table(table).avroSchema());
    }

    static byte[] encodeRecord(String table, GenericRecord record) {
      try {
        return writeRecord(record).toByteArray();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot encode a row of " + table, e);
      }
    }

    /** This thread's buffer, holding the record's Avro binary until the next call. */
    private static ByteArrayOutputStream writeRecord(GenericRecord record) throws IOException {
      ByteArrayOutputStream bytes = BUFFERS.get();
      bytes.reset();
      BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(bytes, null);
      WRITERS
          .get()
          .computeIfAbsent(
              record.getSchema(), schema -> new GenericDatumWriter<>(schema, LakeAvroData.get()))
          .write(record, encoder);
      encoder.flush();
      return bytes;
    }

    static GenericRecord decodeRecord(String table, Schema schema, byte[] avro) {
      BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(avro, null);
      try {
        return READERS
            .get()
            .computeIfAbsent(schema, s -> new GenericDatumReader<>(s, s, LakeAvroData.get()))
            .read(null, decoder);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot decode a row of " + table, e);
      }
    }
  }

  /**
   * A row's header as Beam's coders write it (a string: its UTF-8 length as a variable-length
   * integer, then the bytes; a number: 7 bits a byte, low bits first, the high bit set on all but
   * the last byte), gathered in one reused array. Not synchronized: one per thread.
   */
  static final class RowHeader {
    private byte[] bytes = new byte[64];
    private int size;

    void reset() {
      size = 0;
    }

    void putString(String value) {
      byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
      putVarLong(utf8.length);
      ensure(utf8.length);
      System.arraycopy(utf8, 0, bytes, size, utf8.length);
      size += utf8.length;
    }

    /**
     * As {@code VarInt.encode(long)}: the value taken as unsigned, so a negative one is 10 bytes.
     */
    void putVarLong(long value) {
      ensure(10);
      long v = value;
      while ((v & ~0x7FL) != 0) {
        bytes[size++] = (byte) ((v & 0x7F) | 0x80);
        v >>>= 7;
      }
      bytes[size++] = (byte) v;
    }

    private void ensure(int more) {
      if (size + more > bytes.length) {
        bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
      }
    }

    void writeTo(OutputStream out) throws IOException {
      out.write(bytes, 0, size);
    }
  }
}
