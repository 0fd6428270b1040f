package io.datalake.transforms.warehouse;

import io.datalake.transforms.warehouse.ClickHouseClient.ClickHouseException;
import org.apache.beam.sdk.metrics.Metrics;
import org.joda.time.Duration;

/**
 * Statements a worker sends to ClickHouse (tenant views), retried the way inserts are ({@link
 * ClickHouseRetries}): a ClickHouse that is down, frozen or overloaded for less than the retry
 * budget only delays the statement. A statement ClickHouse refuses for itself (bad SQL, a name it
 * cannot take) fails at once: retrying would not change the answer.
 */
public final class RetryingStatements {
  private final ClickHouseClient client;
  private final ClickHouseRetries retries;

  public RetryingStatements(ClickHouseClient client, Duration budget) {
    this(
        client,
        new ClickHouseRetries(
            RetryingStatements::passesByItself,
            budget,
            ClickHouseRetries.INITIAL_BACKOFF,
            Metrics.counter(RetryingStatements.class, "retries")));
  }

  /** With the retries (tests pass ones whose sleeper and clock only count). */
  public RetryingStatements(ClickHouseClient client, ClickHouseRetries retries) {
    this.client = client;
    this.retries = retries;
  }

  /** Whether {@code failure} of a statement is one trying again later may mend. */
  public static boolean passesByItself(Exception failure) {
    return failure instanceof ClickHouseException && ((ClickHouseException) failure).isTransient();
  }

  /**
   * Runs {@code sql}; what it is for ({@code what}) names it in the log and the final error, which
   * says how many attempts were made when the budget ran out.
   */
  public String execute(String what, String sql) {
    try {
      return retries.run(
          what,
          attempt -> client.execute(sql),
          gaveUp -> new ClickHouseException(gaveUp.message(), true, gaveUp.lastFailure()));
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
      throw new ClickHouseException("interrupted while retrying " + what);
    }
  }
}
