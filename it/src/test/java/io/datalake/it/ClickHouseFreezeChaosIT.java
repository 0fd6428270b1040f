package io.datalake.it;

import java.util.List;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The long outage of the fault suite, run by {@code ./datalake chaos} (not by {@code ./datalake
 * test}): ClickHouse frozen with SIGSTOP for five minutes while records keep arriving, a tenant
 * first seen during the freeze. The streaming job fails its ClickHouse writes, restarts by its
 * restart strategy as often as it takes, and catches up by itself once ClickHouse answers again:
 * every id exactly once in ClickHouse after FINAL, at least once in the lake.
 */
public class ClickHouseFreezeChaosIT {
  private static final int FREEZE_SECONDS = 300;

  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  @Test
  public void fiveMinutesOfFrozenClickHouseLoseNothing() throws Exception {
    try (FaultRun run =
        new FaultRun("clickhouse-frozen-5min", temp.newFolder().toPath(), null, List.of())) {
      run.start();
      run.publish(20);
      run.awaitClickHouse("before the freeze", 240);
      try (Faults.Fault frozen = Faults.freeze("clickhouse")) {
        for (int elapsed = 0; elapsed < FREEZE_SECONDS; elapsed += 30) {
          run.publish(5);
          if (elapsed == 120) {
            run.publishNewTenant("chaos" + run.run, 5);
          }
          Thread.sleep(30_000);
        }
      }
      long took = run.awaitEverything("after a " + FREEZE_SECONDS + " s ClickHouse freeze", 420);
      run.publish(5);
      run.awaitEverything("records published after the freeze", 180);
      run.verify();
      Faults.log(
          "clickhouse-frozen-5min: caught up "
              + took
              + " s after the thaw; failovers (restores from a checkpoint): "
              + run.countInLogs("Restoring job ")
              + ", ClickHouseIO retries: "
              + run.countInLogs("Retry attempt")
              + ", retried ClickHouse attempts (inserts, tenant views): "
              + run.countInLogs("), trying again in "));
    }
  }
}
