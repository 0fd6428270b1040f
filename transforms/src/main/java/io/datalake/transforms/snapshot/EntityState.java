package io.datalake.transforms.snapshot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.datalake.transforms.kinds.EntityOperations;
import io.datalake.transforms.model.LakeRow;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.Objects;
import org.apache.avro.generic.GenericRecord;

/**
 * One operation that decides an entity's state (a create, update or restore sets it; a delete or
 * soft delete ends it), with what a snapshot row needs of it. State holds it as {@link #toBytes()}
 * (a few length-prefixed strings and the detail as it is, PII already encrypted), never as an Avro
 * or JSON object: millions of entities must fit RocksDB or a heap as compact bytes.
 *
 * <p>Operations are ordered by {@link #ORDER}: event time, then activity id, id and operation name,
 * so that two operations of the same instant resolve the same way in every run and runner.
 */
public record EntityState(
    String operation,
    long timeMicros,
    String activityId,
    String id,
    String schema,
    String source,
    String region,
    String account,
    String detail) {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte FORMAT = 1;

  /** Later is greater: event time, then activity id, id and operation (nulls first). */
  public static final Comparator<EntityState> ORDER =
      Comparator.comparingLong(EntityState::timeMicros)
          .thenComparing(EntityState::activityId, Comparator.nullsFirst(Comparator.naturalOrder()))
          .thenComparing(EntityState::id, Comparator.nullsFirst(Comparator.naturalOrder()))
          .thenComparing(EntityState::operation);

  public EntityState {
    Objects.requireNonNull(operation, "operation");
  }

  /** Whether this operation ends the entity (it is not active after it). */
  public boolean ends() {
    return SnapshotRules.endsEntity(operation);
  }

  /** The later of two operations by {@link #ORDER}; either may be null. */
  public static EntityState later(EntityState a, EntityState b) {
    if (a == null) {
      return b;
    }
    if (b == null) {
      return a;
    }
    return ORDER.compare(a, b) >= 0 ? a : b;
  }

  /**
   * The state operation of an {@code entity_operations} row: itself for a create, update, restore,
   * delete or soft delete; for a snapshot row (a seed), the operation it is a snapshot of; null for
   * what changes no state (relation operations, rows of other tables).
   */
  public static EntityState fromRow(LakeRow row) {
    if (!row.table().equals(EntityOperations.OPERATIONS.name())) {
      return null;
    }
    GenericRecord r = row.record();
    String operation = text(r, "operation");
    if (operation == null) {
      return null;
    }
    String detail = text(r, "detail");
    if (SnapshotRows.OPERATION.equals(operation)) {
      JsonNode of = snapshotOf(r);
      return new EntityState(
          of.path("operation").asText(),
          of.path("timestamp_micros").asLong(),
          textOrNull(of.get("activity_id")),
          textOrNull(of.get("id")),
          text(r, "schema"),
          text(r, "source"),
          text(r, "region"),
          text(r, "account"),
          detail);
    }
    if (!SnapshotRules.changesState(operation)) {
      return null;
    }
    Object time = r.get("timestamp");
    return new EntityState(
        operation,
        time == null ? row.eventTimeMicros() : (Long) time,
        text(r, "activity_id"),
        text(r, "id"),
        text(r, "schema"),
        text(r, "source"),
        text(r, "region"),
        text(r, "account"),
        detail);
  }

  private static JsonNode snapshotOf(GenericRecord r) {
    String extra = text(r, "_extra");
    try {
      JsonNode of = extra == null ? null : JSON.readTree(extra).get(SnapshotRows.SNAPSHOT_OF);
      if (of == null || !of.hasNonNull("operation") || !of.hasNonNull("timestamp_micros")) {
        throw new IllegalArgumentException(
            "a snapshot row without _extra." + SnapshotRows.SNAPSHOT_OF + " cannot seed a month");
      }
      return of;
    } catch (IOException e) {
      throw new IllegalArgumentException("a snapshot row's _extra is not JSON", e);
    }
  }

  private static String textOrNull(JsonNode node) {
    return node == null || node.isNull() ? null : node.asText();
  }

  private static String text(GenericRecord r, String field) {
    Object value = r.get(field);
    return value == null ? null : value.toString();
  }

  /** The compact form state holds. */
  public byte[] toBytes() {
    ByteArrayOutputStream bytes =
        new ByteArrayOutputStream(64 + (detail == null ? 0 : detail.length()));
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      write(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Reads what {@link #toBytes()} wrote. */
  public static EntityState fromBytes(byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      return read(in);
    } catch (IOException e) {
      throw new UncheckedIOException("entity state bytes are corrupt", e);
    }
  }

  /**
   * The event time of an operation in its {@link #toBytes()} form, read without decoding the rest
   * (the detail, 1-4 KB): all the streaming roll-up needs of an operation when it arrives.
   */
  static long timeMicrosOf(byte[] bytes) {
    java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(bytes); // big-endian, as DataOutputStream
    byte format = in.get();
    if (format != FORMAT) {
      throw new UncheckedIOException(
          new IOException("unknown entity state format " + format + " (corrupt state bytes)"));
    }
    int operationLength = in.getInt();
    in.position(in.position() + Math.max(0, operationLength));
    return in.getLong();
  }

  void write(DataOutputStream out) throws IOException {
    out.writeByte(FORMAT);
    writeString(out, operation);
    out.writeLong(timeMicros);
    writeString(out, activityId);
    writeString(out, id);
    writeString(out, schema);
    writeString(out, source);
    writeString(out, region);
    writeString(out, account);
    writeString(out, detail);
  }

  static EntityState read(DataInputStream in) throws IOException {
    byte format = in.readByte();
    if (format != FORMAT) {
      throw new IOException("unknown entity state format " + format);
    }
    return new EntityState(
        readString(in),
        in.readLong(),
        readString(in),
        readString(in),
        readString(in),
        readString(in),
        readString(in),
        readString(in),
        readString(in));
  }

  private static void writeString(DataOutputStream out, String value) throws IOException {
    if (value == null) {
      out.writeInt(-1);
      return;
    }
    byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
    out.writeInt(utf8.length);
    out.write(utf8);
  }

  private static String readString(DataInputStream in) throws IOException {
    int length = in.readInt();
    if (length < 0) {
      return null;
    }
    byte[] utf8 = new byte[length];
    in.readFully(utf8);
    return new String(utf8, StandardCharsets.UTF_8);
  }
}
