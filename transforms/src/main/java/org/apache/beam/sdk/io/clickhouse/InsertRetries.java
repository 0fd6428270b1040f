package org.apache.beam.sdk.io.clickhouse;

import com.clickhouse.client.ClickHouseException;
import io.datalake.transforms.warehouse.ClickHouseClient;
import java.io.IOException;
import java.util.function.LongSupplier;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.util.Sleeper;
import org.joda.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retries of a ClickHouseIO insert that failed for a reason that passes by itself: ClickHouse
 * unreachable, no answer within the driver's socket timeout, or an overload error code.
 *
 * <p>Why: ClickHouseIO 2.69 retries only {@code SQLException}s, but its insert ({@code
 * Mutation.executeAndWait}) reports every failure as the driver's {@link ClickHouseException}, so
 * none was retried: one insert that timed out on a busy server failed its bundle, and a streaming
 * job failed over to its last checkpoint and read everything since again. ClickHouseIO keeps its
 * buffer when an insert fails, so the same rows are inserted again (never deduplicated by
 * ClickHouse; the tables' {@code ReplacingMergeTree} merges an insert that did land before its
 * answer was lost).
 *
 * <p>The budget is wall time from the first attempt, not the sum of the waits (as Beam's {@code
 * FluentBackoff} counts it): an attempt on a frozen server itself takes the 30 s socket timeout,
 * and a batch must still fail within about the budget plus one attempt. Waits start at the initial
 * backoff and double up to {@link #MAX_BACKOFF}. A failure ClickHouse reports for the insert itself
 * (a type it cannot parse, a missing column) fails at once.
 */
final class InsertRetries {
  private static final Logger LOG = LoggerFactory.getLogger(InsertRetries.class);

  static final Duration MAX_BACKOFF = Duration.standardSeconds(30);

  /** The driver's codes of a failure it could not attribute to a server error code. */
  private static final int UNKNOWN = ClickHouseException.ERROR_UNKNOWN;

  private static final int POCO = ClickHouseException.ERROR_POCO;

  /** One attempt at the insert; {@code attempt} counts from 1. */
  @FunctionalInterface
  interface Attempt {
    void run(int attempt) throws Exception;
  }

  private final String table;
  private final Duration budget;
  private final Duration initialBackoff;
  private final Sleeper sleeper;
  private final LongSupplier nanoClock;

  /** ClickHouseIO's own counter of insert retries, which these retries add to. */
  private final Counter retries = Metrics.counter(ClickHouseIO.Write.class, "retries");

  InsertRetries(String table, Duration budget, Duration initialBackoff) {
    this(table, budget, initialBackoff, Sleeper.DEFAULT, System::nanoTime);
  }

  /** With the sleeper and clock (tests pass ones that only count). */
  InsertRetries(
      String table,
      Duration budget,
      Duration initialBackoff,
      Sleeper sleeper,
      LongSupplier nanoClock) {
    this.table = table;
    this.budget = budget;
    this.initialBackoff = initialBackoff;
    this.sleeper = sleeper;
    this.nanoClock = nanoClock;
  }

  /** Runs {@code attempt} until it succeeds, fails for good, or the budget is spent. */
  void run(Attempt attempt) throws Exception {
    long started = nanoClock.getAsLong();
    long waitMillis = Math.max(1, initialBackoff.getMillis());
    for (int n = 1; ; n++) {
      try {
        attempt.run(n);
        if (n > 1) {
          LOG.info(
              "datalake: the insert into {} succeeded at attempt {}, {} s after the first",
              table,
              n,
              seconds(started));
        }
        return;
      } catch (ClickHouseException e) {
        long leftMillis = budget.getMillis() - (nanoClock.getAsLong() - started) / 1_000_000;
        if (!isTransient(e)) {
          throw e;
        }
        if (leftMillis <= 0) {
          LOG.warn(
              "datalake: gave up on the insert into {} after {} attempts over {} s"
                  + " (--clickhouseRetrySeconds): {}",
              table,
              n,
              seconds(started),
              e.getMessage());
          throw e;
        }
        long sleep = Math.min(waitMillis, leftMillis);
        LOG.warn(
            "datalake: the insert into {} failed (attempt {}), trying again in {} ms: {}",
            table,
            n,
            sleep,
            e.getMessage());
        retries.inc();
        sleeper.sleep(sleep);
        waitMillis = Math.min(waitMillis * 2, MAX_BACKOFF.getMillis());
      }
    }
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

  private long seconds(long startedNanos) {
    return (nanoClock.getAsLong() - startedNanos) / 1_000_000_000L;
  }
}
