package io.datalake.it;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.startsWith;

import io.datalake.testing.Await;
import io.datalake.testing.LocalServices;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.Test;

/**
 * The launcher starts ClickHouse with the jemalloc settings ClickHouse compiles into its own
 * builds. Debian's clickhouse-server links the system's libjemalloc, whose defaults give every
 * freed allocation of 8 MiB or more back to the kernel at once: a server merging parts of large
 * rows then spends half of its CPU faulting pages in again (the benchmark's diary, "Nineteenth
 * look").
 */
public class ClickHouseAllocatorIT {
  /** What ./datalake sets when DATALAKE_CLICKHOUSE_MALLOC_CONF is not set. */
  static final String CLICKHOUSE_BUILDS_MALLOC_CONF =
      "percpu_arena:percpu,oversize_threshold:0,muzzy_decay_ms:5000,dirty_decay_ms:5000";

  @Test
  public void theLocalServerRunsJemallocWithClickHousesOwnSettings() throws Exception {
    String override = System.getenv("DATALAKE_CLICKHOUSE_MALLOC_CONF");
    String expected = override != null ? override : CLICKHOUSE_BUILDS_MALLOC_CONF;
    long pid = Faults.pid("clickhouse");
    Path environ = Path.of("/proc", Long.toString(pid), "environ");
    List<String> variables =
        Arrays.asList(new String(Files.readAllBytes(environ), StandardCharsets.UTF_8).split("\0"));
    assertThat(
        "the local ClickHouse (pid "
            + pid
            + ") runs without the launcher's MALLOC_CONF (started by an older launcher?):"
            + " ./datalake down clickhouse && ./datalake up clickhouse",
        variables,
        hasItem("MALLOC_CONF=" + expected));
    // The setting means something only where the server allocates with jemalloc: it reports its
    // arenas then, in the asynchronous metrics it first computes up to a minute after its start.
    assertThat(jemallocResidentMetric(), startsWith("jemalloc.resident"));
  }

  /** The server's {@code jemalloc.resident} metric line, once its asynchronous metrics exist. */
  private static String jemallocResidentMetric() throws InterruptedException {
    Await.within(
        "the server's asynchronous metrics",
        90,
        1000,
        () ->
            !LocalServices.clickhouse("SELECT count() FROM system.asynchronous_metrics FORMAT TSV")
                .trim()
                .equals("0"));
    return LocalServices.clickhouse(
        "SELECT metric FROM system.asynchronous_metrics"
            + " WHERE metric = 'jemalloc.resident' FORMAT TSV");
  }
}
