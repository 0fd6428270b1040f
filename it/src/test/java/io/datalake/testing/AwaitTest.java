package io.datalake.testing;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.Assert.assertThrows;

import java.util.concurrent.TimeUnit;
import org.junit.Test;

/** A wait counts the time the machine ran: a jump of the clock is not a timeout. */
public class AwaitTest {
  /** A clock that moves only when told: by each sleep, and by a jump during one chosen sleep. */
  private static final class FakeClock implements Await.Clock {
    long nanos;
    int sleeps;
    int jumpAtSleep = -1;
    long jumpSeconds;

    @Override
    public long nanoTime() {
      return nanos;
    }

    @Override
    public void sleep(long millis) {
      nanos += TimeUnit.MILLISECONDS.toNanos(millis);
      if (++sleeps == jumpAtSleep) {
        nanos += TimeUnit.SECONDS.toNanos(jumpSeconds);
      }
    }

    void advanceSeconds(long seconds) {
      nanos += TimeUnit.SECONDS.toNanos(seconds);
    }
  }

  @Test
  public void aJumpOfTheClockDuringASleepIsNotCounted() throws Exception {
    FakeClock clock = new FakeClock();
    clock.jumpAtSleep = 3;
    clock.jumpSeconds = 210; // the CI run's 3.5 minutes
    int[] looks = {0};
    Await.until(clock, "ten looks", 30, 1000, () -> ++looks[0] == 10, () -> "");
    assertThat(looks[0], equalTo(10));
  }

  @Test
  public void aConditionThatNeverHoldsStillTimesOutAfterTheSecondsThatRan() {
    FakeClock clock = new FakeClock();
    clock.jumpAtSleep = 2;
    clock.jumpSeconds = 210;
    int[] looks = {0};
    AssertionError e =
        assertThrows(
            AssertionError.class,
            () ->
                Await.until(
                    clock, "never", 30, 1000, () -> ++looks[0] < 0, () -> "; the state now"));
    assertThat(e.getMessage(), equalTo("Timed out after 30 s waiting for never; the state now"));
    // 30 s of 1 s sleeps: the 32nd look is the first past the limit; the jump added none.
    assertThat(looks[0], equalTo(32));
  }

  @Test
  public void aSleepThatOverranByLessThanAStallCounts() {
    FakeClock clock = new FakeClock();
    clock.jumpAtSleep = 1;
    clock.jumpSeconds = 15; // a loaded machine, not one that stood still
    int[] looks = {0};
    AssertionError e =
        assertThrows(
            AssertionError.class,
            () -> Await.until(clock, "never", 30, 1000, () -> ++looks[0] < 0, () -> ""));
    assertThat(e.getMessage(), containsString("Timed out after 30 s"));
    assertThat(looks[0], equalTo(17)); // 16 s after the first sleep, then 1 s a look
  }

  @Test
  public void aConditionThatBlocksIsCountedInFull() {
    FakeClock clock = new FakeClock();
    int[] looks = {0};
    AssertionError e =
        assertThrows(
            AssertionError.class,
            () ->
                Await.until(
                    clock,
                    "a frozen server",
                    100,
                    1000,
                    () -> {
                      looks[0]++;
                      clock.advanceSeconds(60); // a query that waits for its socket timeout
                      return false;
                    },
                    () -> ""));
    assertThat(e.getMessage(), containsString("Timed out after 100 s"));
    assertThat(looks[0], equalTo(2));
  }
}
