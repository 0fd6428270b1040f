package io.datalake.transforms.lake.iceberg;

import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.apache.iceberg.Table;

/**
 * Snapshot expiry in a stream ({@code --icebergKeepSnapshotsDays}): a stream commits a snapshot per
 * table every interval, forever, and a batch's expiry after its run never comes. So the streaming
 * committer expires a table's old snapshots after a commit to it, at most once per {@link #EVERY}
 * (per table and committer instance; the first commit after a start or restore expires at once).
 *
 * <p>Snapshots younger than {@link #REPLAY_WINDOW} stay whatever the days kept (0 included): after
 * a restore the committer recognises a replayed pane by the snapshot that added its files, so those
 * snapshots must still be in the history when the replay comes.
 */
final class StreamingSnapshotExpiry implements Serializable {
  /** At most one expiry per table in this time. */
  static final Duration EVERY = Duration.ofHours(1);

  /** Snapshots this young always stay (far longer than a checkpoint's replay window). */
  static final Duration REPLAY_WINDOW = Duration.ofHours(1);

  /** -1: never. */
  private final int keepDays;

  /** When this instance last expired each table; not serialized (a restart expires at once). */
  private transient Map<String, Instant> lastRun;

  StreamingSnapshotExpiry(int keepDays) {
    this.keepDays = IcebergSnapshotExpiry.checkKeepDays(keepDays);
  }

  /** Never expires. */
  static StreamingSnapshotExpiry never() {
    return new StreamingSnapshotExpiry(-1);
  }

  int keepDays() {
    return keepDays;
  }

  /**
   * After a commit to {@code table} at {@code now}: expires its snapshots older than the days kept
   * (and than {@link #REPLAY_WINDOW}) when due. Null when not due or never.
   */
  IcebergSnapshotExpiry.Result afterCommit(Table table, Instant now) {
    if (keepDays < 0) {
      return null;
    }
    if (lastRun == null) {
      lastRun = new HashMap<>();
    }
    Instant last = lastRun.get(table.name());
    if (last != null && now.isBefore(last.plus(EVERY))) {
      return null;
    }
    lastRun.put(table.name(), now);
    Instant cutoff = IcebergSnapshotExpiry.cutoff(keepDays, now);
    Instant replaySafe = now.minus(REPLAY_WINDOW);
    return IcebergSnapshotExpiry.expire(table, cutoff.isBefore(replaySafe) ? cutoff : replaySafe);
  }
}
