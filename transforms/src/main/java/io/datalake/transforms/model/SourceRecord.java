package io.datalake.transforms.model;

import io.datalake.transforms.kinds.RecordKind;
import io.datalake.transforms.kinds.RecordKinds;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Objects;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;

/**
 * One input record as read, before parsing: its kind, where it came from (file and line, or
 * topic/partition/offset@time, the Kafka record's timestamp) and its raw bytes. A line too long to
 * keep has {@code payload == null} and {@code oversizeBytes > 0}. The unreadable rest of a corrupt
 * compressed file is one record with {@code payload == null} and a {@link #readError()}.
 */
public final class SourceRecord {
  private final RecordKind kind;
  private final String position;
  private final byte[] payload;
  private final long oversizeBytes;
  private final String unreadable;

  private SourceRecord(
      RecordKind kind, String position, byte[] payload, long oversizeBytes, String unreadable) {
    this.kind = Objects.requireNonNull(kind);
    this.position = Objects.requireNonNull(position);
    this.payload = payload;
    this.oversizeBytes = oversizeBytes;
    this.unreadable = unreadable;
  }

  public static SourceRecord of(RecordKind kind, String position, byte[] payload) {
    return new SourceRecord(kind, position, Objects.requireNonNull(payload), 0, null);
  }

  public static SourceRecord oversize(RecordKind kind, String position, long size) {
    return new SourceRecord(kind, position, null, size, null);
  }

  /**
   * Stands for what could not be read from {@code position} on (the rest of a corrupt or truncated
   * compressed file); {@code why} must not quote the input.
   */
  public static SourceRecord unreadable(RecordKind kind, String position, String why) {
    return new SourceRecord(kind, position, null, 0, Objects.requireNonNull(why));
  }

  /** Why there is no payload (a dead letter's error, step {@code read}); null when there is one. */
  public String readError() {
    if (payload != null) {
      return null;
    }
    return unreadable != null
        ? unreadable
        : "record of " + oversizeBytes + " bytes exceeds --maxRecordBytes";
  }

  public RecordKind kind() {
    return kind;
  }

  public String position() {
    return position;
  }

  /** The raw record, or null when it was too long to keep. */
  public byte[] payload() {
    return payload;
  }

  public long oversizeBytes() {
    return oversizeBytes;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SourceRecord r
        && kind.equals(r.kind)
        && position.equals(r.position)
        && java.util.Arrays.equals(payload, r.payload)
        && oversizeBytes == r.oversizeBytes
        && Objects.equals(unreadable, r.unreadable);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, position);
  }

  @Override
  public String toString() {
    // Never the payload: it may hold PII.
    return "SourceRecord{" + kind + " at " + position + "}";
  }

  /**
   * A compact coder: the kind's name, the position, the bytes. The kind is found again by name in
   * the coder's registry, so adding, removing or reordering kinds never turns one kind's records
   * into another's.
   *
   * <p>Wire compatibility: before kinds were descriptors this coder wrote the kind's ordinal in
   * {@code EventKind} (a var-int) where it now writes its name (a UTF-8 string). Data encoded by
   * the old coder (a streaming checkpoint or savepoint holding source records in flight) cannot be
   * decoded by this one: stop such a job with a drain, then start it without resuming.
   */
  public static final class Coder extends AtomicCoder<SourceRecord> {
    private static final Coder BUILT_IN = new Coder(RecordKinds.builtIn());

    private final RecordKinds kinds;

    private Coder(RecordKinds kinds) {
      this.kinds = kinds;
    }

    /** The coder of records of the built-in kinds. */
    public static Coder of() {
      return BUILT_IN;
    }

    /** The coder of records of these kinds. */
    public static Coder of(RecordKinds kinds) {
      return kinds.equals(RecordKinds.builtIn()) ? BUILT_IN : new Coder(kinds);
    }

    @Override
    public void encode(SourceRecord value, OutputStream out) throws IOException {
      StringUtf8Coder.of().encode(value.kind.name(), out);
      StringUtf8Coder.of().encode(value.position, out);
      if (value.unreadable != null) {
        VarIntCoder.of().encode(2, out);
        StringUtf8Coder.of().encode(value.unreadable, out);
      } else if (value.payload == null) {
        VarIntCoder.of().encode(0, out);
        out.write(longBytes(value.oversizeBytes));
      } else {
        VarIntCoder.of().encode(1, out);
        ByteArrayCoder.of().encode(value.payload, out);
      }
    }

    @Override
    public SourceRecord decode(InputStream in) throws IOException {
      RecordKind kind;
      try {
        kind = kinds.byName(StringUtf8Coder.of().decode(in));
      } catch (IllegalArgumentException e) {
        throw new CoderException(e.getMessage());
      }
      String position = StringUtf8Coder.of().decode(in);
      int form = VarIntCoder.of().decode(in);
      if (form == 2) {
        return SourceRecord.unreadable(kind, position, StringUtf8Coder.of().decode(in));
      }
      if (form == 0) {
        byte[] size = in.readNBytes(8);
        return SourceRecord.oversize(kind, position, java.nio.ByteBuffer.wrap(size).getLong());
      }
      return SourceRecord.of(kind, position, ByteArrayCoder.of().decode(in));
    }

    private static byte[] longBytes(long value) {
      return java.nio.ByteBuffer.allocate(8).putLong(value).array();
    }
  }
}
