package io.datalake.testing;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waiting for a condition on real services, with a message that says what was not reached.
 *
 * <p>A wait counts the time the machine ran, not the clock's: a virtual machine paused for a
 * snapshot or a migration sees its clocks jump ahead once it resumes (a CI run of 2026-12-04 stood
 * still 3.5 minutes), and every wait across the jump would time out at once although what it waits
 * for is seconds away. A sleep between two looks that overran by more than {@link #STALL_NANOS} is
 * such a jump: its overrun is not counted (and is logged). The looks themselves are counted in
 * full, so a condition that blocks (a query to a frozen server) still runs the wait out.
 */
public final class Await {
  /** A sleep that overran by more than this was the machine standing still, not the wait. */
  static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(20);

  /** The clock and the sleep a wait uses; the system's, or a test's. */
  interface Clock {
    long nanoTime();

    void sleep(long millis) throws InterruptedException;
  }

  static final Clock SYSTEM =
      new Clock() {
        @Override
        public long nanoTime() {
          return System.nanoTime();
        }

        @Override
        public void sleep(long millis) throws InterruptedException {
          Thread.sleep(millis);
        }
      };

  private Await() {}

  /**
   * Looks at {@code condition} every {@code pollMillis} until it holds; after {@code seconds} fails
   * with "Timed out after N s waiting for {@code what}" followed by {@code context} (the state of
   * what was waited on, read only then).
   */
  public static void until(
      String what,
      int seconds,
      long pollMillis,
      BooleanSupplier condition,
      Supplier<String> context)
      throws InterruptedException {
    until(SYSTEM, what, seconds, pollMillis, condition, context);
  }

  static void until(
      Clock clock,
      String what,
      int seconds,
      long pollMillis,
      BooleanSupplier condition,
      Supplier<String> context)
      throws InterruptedException {
    if (!within(clock, what, seconds, pollMillis, condition)) {
      throw new AssertionError(
          "Timed out after " + seconds + " s waiting for " + what + context.get());
    }
  }

  /**
   * Looks at {@code condition} every {@code pollMillis} until it holds or {@code seconds} ran out;
   * whether it held. For a test whose own assertions afterwards say best what was not reached.
   */
  public static boolean within(String what, int seconds, long pollMillis, BooleanSupplier condition)
      throws InterruptedException {
    return within(SYSTEM, what, seconds, pollMillis, condition);
  }

  static boolean within(
      Clock clock, String what, int seconds, long pollMillis, BooleanSupplier condition)
      throws InterruptedException {
    long limit = TimeUnit.SECONDS.toNanos(seconds);
    long pollNanos = TimeUnit.MILLISECONDS.toNanos(pollMillis);
    long start = clock.nanoTime();
    long stood = 0; // nanoseconds the machine stood still, not counted
    while (!condition.getAsBoolean()) {
      long now = clock.nanoTime();
      if (now - start - stood > limit) {
        return false;
      }
      clock.sleep(pollMillis);
      long overrun = clock.nanoTime() - now - pollNanos;
      if (overrun > STALL_NANOS) {
        stood += overrun;
        System.err.printf(
            "Await: a %d ms sleep took %d s more while waiting for %s (the machine stood still?);"
                + " not counted%n",
            pollMillis, TimeUnit.NANOSECONDS.toSeconds(overrun), what);
      }
    }
    return true;
  }
}
