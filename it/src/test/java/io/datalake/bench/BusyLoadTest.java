package io.datalake.bench;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasSize;

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
      while (load.cpuSeconds() < 0.3 && System.currentTimeMillis() < deadline) {
        Thread.sleep(100);
      }
      assertThat(load.cpuSeconds(), greaterThanOrEqualTo(0.3));
    }
    assertThat(
        ProcessHandle.of(pids.get(0)).map(ProcessHandle::isAlive).orElse(false), equalTo(false));
  }

  @Test
  public void noLoadStartsNothing() throws Exception {
    try (BusyLoad load = BusyLoad.start(0)) {
      assertThat(load.processCount(), equalTo(0));
      assertThat(load.cpuSeconds(), equalTo(0.0));
    }
    assertThat(BusyLoad.describe(0), equalTo("none"));
    assertThat(BusyLoad.describe(1), containsString("1 busy process "));
  }
}
