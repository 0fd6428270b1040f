package io.datalake.transforms.snapshot;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one entity's roll-up keeps between operations, in streaming state and in batch alike: the
 * month whose snapshot is due next, the latest operation before that month starts ({@code base}),
 * and the latest operation of each later month seen so far ({@code pending}: operations of a month
 * whose predecessor's snapshot is not written yet, e.g. during the allowed lateness). Only the
 * latest operation of each month can matter for any snapshot, so that is all it keeps.
 *
 * <p>Until the first snapshot is written, the first due month follows the earliest operation seen
 * (an earlier one arriving late moves it back). {@link #add} does not depend on the order of the
 * operations, so a batch over a history and a stream over it (within its lateness) agree.
 */
public final class MonthlyState {
  private static final byte FORMAT = 1;

  private int nextMonth;
  private boolean emitted;
  private EntityState base;
  private final TreeMap<Integer, EntityState> pending = new TreeMap<>();

  /** An entity with no operation yet. */
  public MonthlyState() {}

  /** Whether no operation is held (a new entity, or one whose state has been let go). */
  public boolean isEmpty() {
    return base == null && pending.isEmpty();
  }

  /** The index ({@link Months}) of the month whose snapshot is due next; only if not empty. */
  public int nextMonth() {
    return nextMonth;
  }

  /** Applies one operation that decides the state ({@link SnapshotRules#changesState}). */
  public MonthlyState add(EntityState op) {
    if (op == null || !SnapshotRules.changesState(op.operation())) {
      return this;
    }
    int month = Months.ofMicros(op.timeMicros());
    if (isEmpty()) {
      nextMonth = month + 1;
      base = op;
    } else if (!emitted && month + 1 < nextMonth) {
      // Nothing written yet: the first snapshot is due the month after the earliest operation.
      pending.merge(nextMonth - 1, base, EntityState::later);
      base = op;
      nextMonth = month + 1;
    } else if (month < nextMonth) {
      base = SnapshotRules.apply(base, op);
    } else {
      pending.merge(month, op, EntityState::later);
    }
    return this;
  }

  /** Applies everything {@code other} holds (batch combining); neither may have emitted. */
  public MonthlyState merge(MonthlyState other) {
    if (emitted || other.emitted) {
      throw new IllegalStateException("only states that wrote no snapshot yet can be merged");
    }
    add(other.base);
    for (EntityState op : other.pending.values()) {
      add(op);
    }
    return this;
  }

  /**
   * Ends the month due ({@link #nextMonth}): returns the state the entity had at its start when it
   * was active (the snapshot to write), else null; then the next month is due. After this, {@link
   * #isGone()} says whether anything remains to keep.
   */
  public EntityState emitAndAdvance() {
    EntityState snapshot = SnapshotRules.active(base) ? base : null;
    emitted = true;
    EntityState ofMonth = pending.remove(nextMonth);
    base = SnapshotRules.apply(base, ofMonth);
    nextMonth++;
    return snapshot;
  }

  /** Whether the entity has ended and nothing later is held: its state can be let go. */
  public boolean isGone() {
    return !SnapshotRules.active(base) && pending.isEmpty();
  }

  /** The compact form state holds. */
  public byte[] toBytes() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(FORMAT);
      out.writeInt(nextMonth);
      out.writeBoolean(emitted);
      out.writeBoolean(base != null);
      if (base != null) {
        base.write(out);
      }
      out.writeInt(pending.size());
      for (Map.Entry<Integer, EntityState> e : pending.entrySet()) {
        out.writeInt(e.getKey());
        e.getValue().write(out);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Reads what {@link #toBytes()} wrote; null or empty bytes: an entity with no operation. */
  public static MonthlyState fromBytes(byte[] bytes) {
    MonthlyState state = new MonthlyState();
    if (bytes == null || bytes.length == 0) {
      return state;
    }
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      byte format = in.readByte();
      if (format != FORMAT) {
        throw new IOException("unknown monthly state format " + format);
      }
      state.nextMonth = in.readInt();
      state.emitted = in.readBoolean();
      if (in.readBoolean()) {
        state.base = EntityState.read(in);
      }
      int n = in.readInt();
      for (int i = 0; i < n; i++) {
        state.pending.put(in.readInt(), EntityState.read(in));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("monthly state bytes are corrupt", e);
    }
    return state;
  }
}
