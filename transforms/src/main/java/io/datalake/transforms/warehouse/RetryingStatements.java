package io.datalake.transforms.warehouse;

import io.datalake.transforms.warehouse.ClickHouseClient.ClickHouseException;
import org.apache.beam.sdk.util.BackOff;
import org.apache.beam.sdk.util.BackOffUtils;
import org.apache.beam.sdk.util.FluentBackoff;
import org.apache.beam.sdk.util.Sleeper;
import org.joda.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Statements a worker sends to ClickHouse (tenant views), retried with exponential backoff the way
 * ClickHouseIO retries its inserts ({@link FluentBackoff}, {@link BackOffUtils}): a ClickHouse that
 * is down, frozen or overloaded for less than the retry budget only delays the statement. A
 * statement ClickHouse refuses for itself (bad SQL, a name it cannot take) fails at once: retrying
 * would not change the answer.
 */
public final class RetryingStatements {
  private static final Logger LOG = LoggerFactory.getLogger(RetryingStatements.class);
  static final Duration INITIAL_BACKOFF = Duration.standardSeconds(1);
  static final Duration MAX_BACKOFF = Duration.standardSeconds(30);

  private final ClickHouseClient client;
  private final FluentBackoff backoff;
  private final Sleeper sleeper;

  public RetryingStatements(ClickHouseClient client, Duration budget) {
    this(client, budget, Sleeper.DEFAULT);
  }

  /** With the sleeper that waits between attempts (tests pass one that only counts). */
  public RetryingStatements(ClickHouseClient client, Duration budget, Sleeper sleeper) {
    this.client = client;
    this.backoff =
        FluentBackoff.DEFAULT
            .withInitialBackoff(INITIAL_BACKOFF)
            .withMaxBackoff(MAX_BACKOFF)
            .withMaxCumulativeBackoff(budget);
    this.sleeper = sleeper;
  }

  /** Runs {@code sql}; what it is for ({@code what}) names it in the log and the final error. */
  public String execute(String what, String sql) {
    BackOff attempts = backoff.backoff();
    long started = System.currentTimeMillis();
    for (int attempt = 1; ; attempt++) {
      try {
        String body = client.execute(sql);
        if (attempt > 1) {
          LOG.info(
              "datalake: ClickHouse took {} at attempt {}, after {} s",
              what,
              attempt,
              seconds(started));
        }
        return body;
      } catch (ClickHouseException e) {
        if (!e.isTransient()) {
          throw e;
        }
        boolean again;
        try {
          again = BackOffUtils.next(sleeper, attempts);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw new ClickHouseException(
              "interrupted while retrying " + what + ": " + e.getMessage());
        }
        if (!again) {
          throw new ClickHouseException(
              "gave up on "
                  + what
                  + " after "
                  + attempt
                  + " attempts over "
                  + seconds(started)
                  + " s (--clickhouseRetrySeconds): "
                  + e.getMessage(),
              true);
        }
        LOG.warn(
            "datalake: {} failed (attempt {}), retrying with backoff: {}",
            what,
            attempt,
            e.getMessage());
      }
    }
  }

  private static long seconds(long startedMillis) {
    return (System.currentTimeMillis() - startedMillis) / 1000;
  }
}
