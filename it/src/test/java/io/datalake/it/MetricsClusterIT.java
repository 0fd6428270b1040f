package io.datalake.it;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.Assume.assumeTrue;

import io.datalake.testing.Await;
import io.datalake.testing.LocalServices;
import io.datalake.testing.OpsFiles;
import io.datalake.testing.PrometheusText;
import io.datalake.testing.TestEvents;
import io.datalake.transforms.metrics.PipelineSeries;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Flink's Prometheus reporter on the local cluster (DATALAKE_FLINK_PROMETHEUS_PORT before {@code
 * ./datalake flink up}): the JobManager and the TaskManager each serve /metrics on a port of the
 * range, the job's restarts are there, and a streaming job's Beam counters, relabelled as
 * ops/prometheus/prometheus.yml says, are the pipeline's labelled series and move as records
 * arrive, the ClickHouse inserts' latency among them. Starts and stops a cluster of its own;
 * skipped when one already runs (its configuration is not this test's).
 */
public class MetricsClusterIT {
  private static final Pattern SUBMITTED = Pattern.compile("submitted job ([0-9a-f]{32})");

  @Rule public final TemporaryFolder temp = new TemporaryFolder();
  private final String run = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
  private final String database = "metrics_cluster_" + run;

  @Test
  public void theClusterReportsTheJobAndItsLabelledSeries() throws Exception {
    assumeTrue(
        "a Flink cluster already runs: its configuration is not this test's",
        Launcher.run(60, "flink", "status").exitCode() != 0);
    int base = freeRange(10);
    String job = null;
    try {
      Launcher.run(
              Map.of("DATALAKE_FLINK_PROMETHEUS_PORT", String.valueOf(base)),
              300,
              "flink",
              "up",
              "--taskmanagers",
              "1")
          .orFail("./datalake flink up with DATALAKE_FLINK_PROMETHEUS_PORT");
      Await.until(
          "the JobManager's and the TaskManager's reporters",
          60,
          1000,
          () -> {
            Set<String> names = names(base);
            return names.contains("flink_jobmanager_numRegisteredTaskManagers")
                && names.stream().anyMatch(n -> n.startsWith("flink_taskmanager_"));
          },
          () -> " names: " + names(base));

      String topics = LocalServices.freshTopics(run);
      Path lake = temp.newFolder("lake").toPath();
      List<String> args =
          new ArrayList<>(
              List.of(
                  "run",
                  "--runner=FlinkRunner",
                  "--flinkMaster=127.0.0.1:" + LocalServices.flinkRestPort(),
                  "--parallelism=1",
                  "--checkpointingInterval=2000",
                  "--checkpointDir=" + temp.newFolder("checkpoints"),
                  "--jobName=metrics-cluster-" + run));
      args.addAll(LocalServices.streamingArgs(run, topics, lake, database));
      Launcher.Result submitted =
          Launcher.run(300, args.toArray(String[]::new)).orFail("./datalake run on the cluster");
      Matcher m = SUBMITTED.matcher(submitted.output());
      assertThat("a job id in:\n" + submitted.output(), m.find(), equalTo(true));
      job = m.group(1);

      List<Map<String, Object>> relabelling = OpsFiles.relabelling("flink");
      String topic = "journey-events-" + run;
      List<String> events = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        events.add(TestEvents.journeyEvent("c-" + i, Instant.now().minusSeconds(i % 5)));
      }
      LocalServices.produce(topic, events);
      Await.until(
          "the TaskManager's Beam counters, relabelled, to count 20 records in",
          180,
          1000,
          () -> recordsIn(base, relabelling) >= 20,
          () -> " records_in=" + recordsIn(base, relabelling));
      LocalServices.produce(topic, events.subList(0, 10));
      Await.until(
          "records_in to grow by 10",
          120,
          1000,
          () -> recordsIn(base, relabelling) >= 30,
          () -> " records_in=" + recordsIn(base, relabelling));
      // The inserts run in the TaskManager (the cluster jar's TimedClickHouseWrite): their
      // latency reaches Prometheus as Beam counters, relabelled as the histogram.
      Await.until(
          "the TaskManager's insert counters, relabelled, to count inserts into journey_events",
          120,
          1000,
          () -> inserts(base, relabelling) >= 1,
          () -> " inserts=" + inserts(base, relabelling));
      assertThat(
          "the job's restarts, which the alert rules read",
          names(base).containsAll(OpsFiles.FLINK_SERIES),
          equalTo(true));
    } finally {
      if (job != null) {
        Launcher.run(180, "stop", job, "--no-drain");
      }
      Launcher.run(120, "flink", "down").orFail("./datalake flink down");
      LocalServices.dropWarehouse(database);
    }
  }

  private static double recordsIn(int base, List<Map<String, Object>> relabelling) {
    return sum(base, relabelling, "datalake_records_in_total", Map.of("kind", "journey_events"));
  }

  private static double inserts(int base, List<Map<String, Object>> relabelling) {
    return sum(
        base,
        relabelling,
        PipelineSeries.CLICKHOUSE_INSERT_SECONDS + "_bucket",
        Map.of("table", "journey_events", "le", "+Inf"));
  }

  /** A relabelled series summed over the reporters of the range. */
  private static double sum(
      int base, List<Map<String, Object>> relabelling, String name, Map<String, String> labels) {
    double sum = 0;
    for (int port = base; port < base + 10; port++) {
      sum +=
          PrometheusText.scrape("http://127.0.0.1:" + port + "/metrics")
              .relabel(relabelling)
              .sum(name, labels);
    }
    return sum;
  }

  /** The series names served on the ports of the range. */
  private static Set<String> names(int base) {
    Set<String> names = new TreeSet<>();
    for (int port = base; port < base + 10; port++) {
      names.addAll(PrometheusText.scrape("http://127.0.0.1:" + port + "/metrics").names());
    }
    return names;
  }

  /** The first of {@code n} consecutive ports free now. */
  private static int freeRange(int n) throws IOException {
    for (int attempt = 0; attempt < 50; attempt++) {
      int base;
      try (ServerSocket socket = new ServerSocket(0)) {
        base = socket.getLocalPort();
      }
      if (base + n > 65535) {
        continue;
      }
      boolean free = true;
      for (int port = base; port < base + n && free; port++) {
        try (ServerSocket probe = new ServerSocket(port)) {
          probe.setReuseAddress(true);
        } catch (IOException e) {
          free = false;
        }
      }
      if (free) {
        return base;
      }
    }
    throw new IOException("no " + n + " consecutive free ports found");
  }
}
