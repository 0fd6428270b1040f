package io.datalake.it;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.datalake.testing.LocalServices;
import java.nio.charset.StandardCharsets;
import org.junit.Test;

/**
 * The launcher gives the local ClickHouse one merge thread per core (2 to 16) instead of its 16:
 * 18.16 merges each table's newest, small part again with every few new parts, and on a machine
 * that runs the pipeline beside it 16 such threads took the cores a stream needs (the benchmark's
 * diary, "Twenty-sixth look").
 */
public class ClickHouseMergeThreadsIT {
  @Test
  public void theLocalServerHasOneMergeThreadPerCore() throws Exception {
    String override = System.getenv("DATALAKE_CLICKHOUSE_BACKGROUND_POOL_SIZE");
    String expected =
        override != null && !override.isBlank()
            ? override.trim()
            : Integer.toString(Math.max(2, Math.min(16, cores())));
    assertThat(
        "the local ClickHouse's background_pool_size (started by an older launcher?"
            + " ./datalake down clickhouse && ./datalake up clickhouse)",
        LocalServices.clickhouse(
                "SELECT value FROM system.settings WHERE name = 'background_pool_size' FORMAT TSV")
            .trim(),
        equalTo(expected));
  }

  /** What the launcher counts: {@code nproc}. */
  private static int cores() throws Exception {
    Process nproc = new ProcessBuilder("nproc").redirectErrorStream(true).start();
    String out = new String(nproc.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    nproc.waitFor();
    return Integer.parseInt(out);
  }
}
