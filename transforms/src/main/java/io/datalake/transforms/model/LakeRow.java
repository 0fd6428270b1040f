package io.datalake.transforms.model;

import io.datalake.transforms.schema.LakeTable;
import io.datalake.transforms.schema.LakeTables;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.coders.VarIntCoder;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Objects;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;

/**
 * One typed row of one lake table, with the tenant and event time that place it in its partition.
 */
public final class LakeRow {
  private final String table;
  private final String tenant;
  private final long eventTimeMicros;
  private final GenericRecord record;

  public LakeRow(String table, String tenant, long eventTimeMicros, GenericRecord record) {
    this.table = Objects.requireNonNull(table);
    this.tenant = Objects.requireNonNull(tenant);
    this.eventTimeMicros = eventTimeMicros;
    this.record = Objects.requireNonNull(record);
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

  public GenericRecord record() {
    return record;
  }

  public LakeTable lakeTable() {
    return LakeTables.byName(table);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LakeRow r
        && table.equals(r.table)
        && tenant.equals(r.tenant)
        && eventTimeMicros == r.eventTimeMicros
        && record.equals(r.record);
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
   * Table name, tenant, event time, then the record in Avro binary under its table's schema. The
   * Avro writer and reader of each table are made once per thread: a new one per row rebuilt Avro's
   * caches every time (a tenth of a batch run's time in the benchmark's profile).
   */
  public static final class Coder extends AtomicCoder<LakeRow> {
    private static final Coder INSTANCE = new Coder();
    private static final ThreadLocal<Map<String, GenericDatumWriter<GenericRecord>>> WRITERS =
        ThreadLocal.withInitial(HashMap::new);
    private static final ThreadLocal<Map<String, GenericDatumReader<GenericRecord>>> READERS =
        ThreadLocal.withInitial(HashMap::new);
    private static final ThreadLocal<ByteArrayOutputStream> BUFFERS =
        ThreadLocal.withInitial(() -> new ByteArrayOutputStream(4096));

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    public void encode(LakeRow row, OutputStream out) throws IOException {
      StringUtf8Coder.of().encode(row.table, out);
      StringUtf8Coder.of().encode(row.tenant, out);
      VarLongCoder.of().encode(row.eventTimeMicros, out);
      ByteArrayOutputStream bytes = BUFFERS.get();
      bytes.reset();
      BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(bytes, null);
      WRITERS.get()
          .computeIfAbsent(row.table, t -> new GenericDatumWriter<>(LakeTables.byName(t).avroSchema()))
          .write(row.record, encoder);
      encoder.flush();
      VarIntCoder.of().encode(bytes.size(), out);
      bytes.writeTo(out);
    }

    @Override
    public LakeRow decode(InputStream in) throws IOException {
      String table = StringUtf8Coder.of().decode(in);
      String tenant = StringUtf8Coder.of().decode(in);
      long micros = VarLongCoder.of().decode(in);
      byte[] bytes = new byte[VarIntCoder.of().decode(in)];
      new DataInputStream(in).readFully(bytes);
      BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(bytes, null);
      GenericRecord record =
          READERS.get()
              .computeIfAbsent(table, t -> new GenericDatumReader<>(LakeTables.byName(t).avroSchema()))
              .read(null, decoder);
      return new LakeRow(table, tenant, micros, record);
    }
  }
}
