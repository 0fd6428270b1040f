package org.apache.beam.sdk.io.clickhouse;

import com.clickhouse.client.ClickHouseException;
import io.datalake.transforms.warehouse.ClickHouseClient;
import io.datalake.transforms.warehouse.ClickHouseRetries;
import java.io.IOException;
import org.apache.beam.sdk.metrics.Metrics;
import org.joda.time.Duration;

/**
 * Which failures of a ClickHouseIO insert pass by themselves, and the retries of those.
 *
 * <p>Why: ClickHouseIO 2.69 retries only {@code SQLException}s, but its insert ({@code
 * Mutation.executeAndWait}) reports every failure as the driver's {@link ClickHouseException}, so
 * none was retried: one insert that timed out on a busy server failed its bundle, and a streaming
 * job failed over to its last checkpoint and read everything since again. ClickHouseIO keeps its
 * buffer when an insert fails, so the same rows are inserted again (never deduplicated by
 * ClickHouse; the tables' {@code ReplacingMergeTree} merges an insert that did land before its
 * answer was lost). The loop, its budget and its log lines are {@link ClickHouseRetries}'.
 */
final class InsertRetries {
  /** The driver's codes of a failure it could not attribute to a server error code. */
  private static final int UNKNOWN = ClickHouseException.ERROR_UNKNOWN;

  private static final int POCO = ClickHouseException.ERROR_POCO;

  private InsertRetries() {}

  /**
   * Retries of inserts within {@code budget} of wall time, waits from {@code initialBackoff}, added
   * to ClickHouseIO's own {@code retries} counter.
   */
  static ClickHouseRetries within(Duration budget, Duration initialBackoff) {
    return new ClickHouseRetries(
        InsertRetries::passesByItself,
        budget,
        initialBackoff,
        Metrics.counter(ClickHouseIO.Write.class, "retries"));
  }

  /** Whether {@code failure} of an insert is one trying again later may mend. */
  static boolean passesByItself(Exception failure) {
    return failure instanceof ClickHouseException && isTransient((ClickHouseException) failure);
  }

  /**
   * Whether trying again later may succeed. A server error code decides by itself (the overload and
   * network codes {@link ClickHouseClient.ClickHouseException#isTransientCode} lists); a failure
   * without one is transient when its root cause is an I/O error (refused, reset, timed out).
   */
  static boolean isTransient(ClickHouseException e) {
    int code = e.getErrorCode();
    if (code != UNKNOWN && code != POCO && code != 0) {
      return ClickHouseClient.ClickHouseException.isTransientCode(code);
    }
    Throwable cause = e;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    return cause instanceof IOException;
  }
}
