package io.datalake.testing;

import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waiting for a condition on real services, with a message that says what was not reached. */
public final class Await {
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
    long deadline = System.currentTimeMillis() + seconds * 1000L;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError(
            "Timed out after " + seconds + " s waiting for " + what + context.get());
      }
      Thread.sleep(pollMillis);
    }
  }
}
