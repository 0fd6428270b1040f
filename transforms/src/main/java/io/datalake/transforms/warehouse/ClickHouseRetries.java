package io.datalake.transforms.warehouse;

import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.util.Sleeper;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one retry loop for what a worker sends to ClickHouse (inserts, tenant views): an attempt that
 * failed for a reason that passes by itself (ClickHouse unreachable, frozen, overloaded) is tried
 * again, waits starting at the initial backoff and doubling up to {@link #MAX_BACKOFF}, until the
 * budget ({@code --clickhouseRetrySeconds}) has passed; a failure that would not pass (bad SQL, a
 * value ClickHouse cannot parse) fails at once.
 *
 * <p>The budget is wall time from the first attempt, attempts included, not the sum of the waits
 * (as Beam's {@code FluentBackoff} counts it): an attempt on a frozen server itself takes the
 * client's socket timeout, and a batch must still fail within about the budget plus one attempt.
 */
public final class ClickHouseRetries {
  private static final Logger LOG = LoggerFactory.getLogger(ClickHouseRetries.class);

  public static final Duration INITIAL_BACKOFF = Duration.standardSeconds(1);
  public static final Duration MAX_BACKOFF = Duration.standardSeconds(30);

  /** One attempt; {@code attempt} counts from 1. */
  @FunctionalInterface
  public interface Attempt<T, X extends Exception> {
    T run(int attempt) throws X;
  }

  /**
   * What the loop knew when the budget ran out, for a caller that throws its own final error: the
   * same figures as the loop's log line, from the same clock.
   */
  public record GaveUp(String what, int attempts, long seconds, Exception lastFailure) {
    /** "gave up on X after n attempts over s s (--clickhouseRetrySeconds): last failure". */
    public String message() {
      return "gave up on "
          + what
          + " after "
          + attempts
          + " attempts over "
          + seconds
          + " s (--clickhouseRetrySeconds): "
          + lastFailure.getMessage();
    }
  }

  private final Predicate<Exception> passesByItself;
  private final Duration budget;
  private final Duration initialBackoff;
  private final Counter retries;
  private final Sleeper sleeper;
  private final LongSupplier nanoClock;

  /**
   * Retries of the failures {@code passesByItself} accepts, within {@code budget}, counted in
   * {@code retries}.
   */
  public ClickHouseRetries(
      Predicate<Exception> passesByItself,
      Duration budget,
      Duration initialBackoff,
      Counter retries) {
    this(passesByItself, budget, initialBackoff, retries, Sleeper.DEFAULT, System::nanoTime);
  }

  /** With the sleeper and clock (tests pass ones that only count). */
  public ClickHouseRetries(
      Predicate<Exception> passesByItself,
      Duration budget,
      Duration initialBackoff,
      Counter retries,
      Sleeper sleeper,
      LongSupplier nanoClock) {
    this.passesByItself = passesByItself;
    this.budget = budget;
    this.initialBackoff = initialBackoff;
    this.retries = retries;
    this.sleeper = sleeper;
    this.nanoClock = nanoClock;
  }

  /**
   * Runs {@code attempt} until it succeeds, fails for good, or the budget is spent, and throws the
   * last failure then; {@code what} names it in the log ("the insert into orders").
   */
  public <T, X extends Exception> T run(String what, Attempt<T, X> attempt)
      throws X, InterruptedException {
    return run(what, attempt, null);
  }

  /**
   * As {@link #run(String, Attempt)}, but when the budget is spent it throws what {@code gaveUp}
   * makes of the loop's figures (null: the last failure itself).
   */
  public <T, X extends Exception> T run(
      String what,
      Attempt<T, X> attempt,
      @Nullable Function<GaveUp, ? extends RuntimeException> gaveUp)
      throws X, InterruptedException {
    long started = nanoClock.getAsLong();
    long waitMillis = Math.max(1, initialBackoff.getMillis());
    for (int n = 1; ; n++) {
      try {
        T result = attempt.run(n);
        if (n > 1) {
          LOG.info(
              "datalake: {} succeeded at attempt {}, {} s after the first",
              what,
              n,
              seconds(started));
        }
        return result;
      } catch (Exception failure) {
        if (!passesByItself.test(failure)) {
          throw failure;
        }
        long leftMillis = budget.getMillis() - (nanoClock.getAsLong() - started) / 1_000_000;
        if (leftMillis <= 0) {
          GaveUp figures = new GaveUp(what, n, seconds(started), failure);
          LOG.warn("datalake: {}", figures.message());
          if (gaveUp != null) {
            throw gaveUp.apply(figures);
          }
          throw failure;
        }
        long sleep = Math.min(waitMillis, leftMillis);
        LOG.warn(
            "datalake: {} failed (attempt {}), trying again in {} ms: {}",
            what,
            n,
            sleep,
            failure.getMessage());
        retries.inc();
        sleeper.sleep(sleep);
        waitMillis = Math.min(waitMillis * 2, MAX_BACKOFF.getMillis());
      }
    }
  }

  private long seconds(long startedNanos) {
    return (nanoClock.getAsLong() - startedNanos) / 1_000_000_000L;
  }
}
