package io.datalake.bench;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;

import java.util.List;
import org.junit.Test;

/** The load beside a loaded streaming run: it uses a core, and it stops when told. */
public class BusyLoadTest {
  @Test
  public void aBusyProcessUsesCpuAndStopsByItsPid() throws Exception {
    List<Long> pids;
    try (BusyLoad load = BusyLoad.start(1)) {
      pids = load.pids();
      assertThat(pids, hasSize(1));
      long deadline = System.currentTimeMillis() + 10_000;
      while (load.cpuSecondsSinceStart() < 0.3 && System.currentTimeMillis() < deadline) {
        Thread.sleep(100);
      }
      assertThat(load.cpuSecondsSinceStart(), greaterThan(0.3));
    }
    assertThat(
        ProcessHandle.of(pids.get(0)).map(ProcessHandle::isAlive).orElse(false), equalTo(false));
  }

  @Test
  public void noLoadStartsNothing() throws Exception {
    try (BusyLoad load = BusyLoad.start(0)) {
      assertThat(load.processCount(), equalTo(0));
      assertThat(load.cpuSecondsSinceStart(), equalTo(0.0));
    }
    assertThat(BusyLoad.describe(0), equalTo("none"));
    assertThat(BusyLoad.describe(1), containsString("1 busy process "));
  }

  @Test
  public void streamingTargetsReportTheQuietAndTheLoadedRunApart() {
    Results r = new Results();
    r.streaming.add(run(4000, 3900, 1.8, false, "none", 0));
    r.streaming.add(run(4000, 2500, 40.0, true, BusyLoad.describe(1), 0.97));
    StringBuilder t = new StringBuilder();
    Report.streamingTargets(r, t);
    String text = t.toString();
    assertThat(
        text,
        containsString("best **3,900/s** (offered 4,000/s, lag flat, 0 not seen): **not met**"));
    assertThat(
        text,
        containsString(
            "- Streaming at 4,000 records/s: ClickHouse freshness p95 1.80 s (≤ 2.5 s), lag flat"));
    assertThat(text, containsString("loaded by 1 busy process"));
    assertThat(text, containsString("(0.97 core used): ClickHouse freshness p95 40.00 s"));
    assertThat(text, not(containsString("not run")));
    assertThat(Report.offered(r.streaming.get(1)), containsString("4,000, loaded (0.97 core"));
  }

  private static Results.StreamRun run(
      int rate, double sustained, double p95, boolean growing, String load, double loadCores) {
    return new Results.StreamRun(
        rate,
        2,
        60,
        rate * 60L,
        1,
        30,
        rate,
        sustained,
        rate * 60L,
        new double[] {p95 / 2, p95, p95, p95},
        rate * 60L,
        new double[] {30, 40, 50, 60},
        0,
        0,
        100,
        growing ? 500 : 0,
        growing,
        1,
        List.of(),
        1,
        1,
        1,
        0,
        true,
        "ok",
        "log",
        load,
        loadCores);
  }
}
