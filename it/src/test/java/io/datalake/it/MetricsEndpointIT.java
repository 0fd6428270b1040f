package io.datalake.it;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasItem;

import io.datalake.testing.LocalServices;
import io.datalake.testing.OpsFiles;
import io.datalake.testing.PrometheusText;
import io.datalake.testing.TestEvents;
import io.datalake.transforms.metrics.PipelineSeries;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.RuleChain;
import org.junit.rules.TemporaryFolder;

/**
 * The Prometheus endpoints during a streaming run (Kafka to the embedded FlinkRunner, the bundled
 * jar in its own JVM, as `./datalake run` starts it): the pipeline's labelled series move as
 * records arrive, a bad record shows as a dead letter of its step, the probes answer, and Flink's
 * own reporter serves the job's metrics, which the documented relabelling turns into the same
 * labelled series. The ClickHouse insert-latency histogram moves with the inserts, on the endpoint
 * and, relabelled from Flink's counters, on the reporter. Both scrapes are kept under
 * target/metrics-it/ for a look.
 */
public class MetricsEndpointIT {
  private static final String KIND = "journey-events";

  /** The warehouse table of the kind's records. */
  private static final String TABLE = "journey_events";

  private final TemporaryFolder temp = new TemporaryFolder();
  private final JobRun jobs = new JobRun("metrics_");
  @Rule public final RuleChain rules = RuleChain.outerRule(temp).around(jobs);

  @Test
  public void labelledSeriesMoveDuringAStreamingRun() throws Exception {
    String run = jobs.run;
    String topic = KIND + "-" + run;
    String topics = LocalServices.freshTopics(run);
    Path lake = temp.newFolder("lake").toPath();
    int port = freePort();
    int flinkPort = freePort();
    List<String> args =
        new ArrayList<>(
            FlinkJob.flinkArgs(
                "metrics-" + run, temp.newFolder("checkpoints").toPath(), 2000, 5, false));
    args.addAll(LocalServices.streamingArgs(run, topics, lake, jobs.database));
    args.add("--metricsPort=" + port);
    args.add("--flinkMetricsPort=" + flinkPort);
    FlinkJob job = jobs.start(List.of("-Xmx1g"), args, temp.getRoot().toPath().resolve("job.log"));
    String metrics = "http://127.0.0.1:" + port + "/metrics";
    String flinkMetrics = "http://127.0.0.1:" + flinkPort + "/metrics";

    job.await("the metrics endpoint's liveness probe", 120, () -> status(port, "/healthz") == 200);
    job.await(
        "readiness (the job runs and its Kafka partitions are read)",
        180,
        () -> status(port, "/readyz") == 200,
        () -> "readyz: " + body(port, "/readyz"));

    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    LocalServices.produce(topic, events("a", 20, now));
    job.await(
        "records_in{kind=" + KIND + "} to count the first 20 records",
        120,
        () -> recordsIn(metrics) >= 20,
        () -> "records_in=" + recordsIn(metrics));
    double first = recordsIn(metrics);

    job.await(
        "an insert into " + TABLE + " in the insert-latency histogram",
        120,
        () -> inserts(metrics, TABLE) >= 1,
        () -> "scrape:\n" + body(port, "/metrics"));
    double firstInserts = inserts(metrics, TABLE);

    LocalServices.produce(topic, events("b", 30, now));
    job.await(
        "records_in{kind=" + KIND + "} to grow by the next 30 records",
        120,
        () -> recordsIn(metrics) >= first + 30,
        () -> "records_in=" + recordsIn(metrics) + ", first scrape " + first);
    job.await(
        "more inserts into " + TABLE + " after the next records",
        120,
        () -> inserts(metrics, TABLE) > firstInserts,
        () -> "inserts=" + inserts(metrics, TABLE) + ", first " + firstInserts);

    LocalServices.produce(topic, List.of("{\"id\": \"broken"));
    job.await(
        "a parse dead letter after a bad record",
        120,
        () ->
            PrometheusText.scrape(metrics).sum("datalake_dead_letters_total", "step", "parse") >= 1,
        () -> "scrape:\n" + body(port, "/metrics"));
    PrometheusText ours = PrometheusText.scrape(metrics);
    assertThat(
        "the bad record is counted as dead-lettered for its kind",
        ours.sum("datalake_records_dead_lettered_total", "kind", KIND),
        equalTo(1.0));
    assertThat(
        "accepted records of the kind",
        ours.sum("datalake_records_accepted_total", "kind", KIND),
        equalTo(50.0));
    assertThat(
        "a watermark lag per partition read",
        ours.names(),
        hasItem("datalake_kafka_watermark_lag_seconds"));
    job.await(
        "the dead letter's insert in the insert-latency histogram",
        120,
        () -> inserts(metrics, "dead_letters") >= 1,
        () -> "scrape:\n" + body(port, "/metrics"));
    PrometheusText latency = PrometheusText.scrape(metrics);
    String histogram = PipelineSeries.CLICKHOUSE_INSERT_SECONDS;
    assertThat(
        "every insert falls in the +Inf bucket",
        latency.sum(histogram + "_bucket", Map.of("table", TABLE, "le", "+Inf")),
        equalTo(latency.sum(histogram + "_count", "table", TABLE)));
    assertThat(
        "the histogram's only label besides le is the table",
        latency.samples().stream()
            .filter(s -> s.name().startsWith(histogram))
            .allMatch(s -> Set.of("table", "le").containsAll(s.labels().keySet())),
        equalTo(true));

    // Flink's own reporter: the job's metrics, and Beam's counters under Flink's names, which the
    // documented relabelling (ops/prometheus/prometheus.yml) turns into the same labelled series.
    // Flink's reporter writes the kind's "-" as "_".
    List<Map<String, Object>> relabelling = OpsFiles.relabelling("flink");
    job.await(
        "Flink's reporter to count the records, relabelled as datalake_records_in_total",
        120,
        () ->
            PrometheusText.scrape(flinkMetrics)
                    .relabel(relabelling)
                    .sum("datalake_records_in_total", "kind", "journey_events")
                >= 51,
        () -> "names: " + PrometheusText.scrape(flinkMetrics).names());
    PrometheusText flink = PrometheusText.scrape(flinkMetrics);
    assertThat(
        "the Flink series the alert rules and the dashboard read",
        flink.names().containsAll(OpsFiles.FLINK_SERIES),
        equalTo(true));
    PrometheusText relabelled = flink.relabel(relabelling);
    assertThat(
        relabelled.sum("datalake_dead_letters_total", "step", "parse"), greaterThanOrEqualTo(1.0));
    assertThat(
        relabelled.sum("datalake_records_accepted_total", "kind", "journey_events"), equalTo(50.0));
    job.await(
        "Flink's reporter to count the inserts, relabelled as the histogram's count",
        120,
        () ->
            PrometheusText.scrape(flinkMetrics)
                    .relabel(relabelling)
                    .sum(histogram + "_count", "table", TABLE)
                >= firstInserts + 1,
        () -> "names: " + PrometheusText.scrape(flinkMetrics).names());
    relabelled = PrometheusText.scrape(flinkMetrics).relabel(relabelling);
    assertThat(
        relabelled.sum(histogram + "_bucket", Map.of("table", TABLE, "le", "+Inf")),
        equalTo(relabelled.sum(histogram + "_count", "table", TABLE)));
    assertThat(
        "the buckets carry the endpoint's le values",
        relabelled.samples().stream()
            .filter(s -> s.name().equals(histogram + "_bucket"))
            .map(s -> s.labels().get("le"))
            .collect(Collectors.toSet()),
        equalTo(
            latency.samples().stream()
                .filter(s -> s.name().equals(histogram + "_bucket"))
                .map(s -> s.labels().get("le"))
                .collect(Collectors.toSet())));

    Path kept = Path.of("target", "metrics-it");
    Files.createDirectories(kept);
    Files.writeString(kept.resolve("datalake.txt"), body(port, "/metrics"), StandardCharsets.UTF_8);
    Files.writeString(
        kept.resolve("flink.txt"), PrometheusText.get(flinkMetrics).body(), StandardCharsets.UTF_8);
    assertThat("liveness", status(port, "/healthz"), equalTo(200));
    assertThat("readiness", status(port, "/readyz"), equalTo(200));
  }

  private static List<String> events(String prefix, int n, Instant now) {
    List<String> events = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      events.add(TestEvents.journeyEvent(prefix + "-" + i, now.minusSeconds(i % 5)));
    }
    return events;
  }

  /** Inserts into {@code table} the endpoint's insert-latency histogram has observed. */
  private static double inserts(String metrics, String table) {
    return PrometheusText.scrape(metrics)
        .sum(PipelineSeries.CLICKHOUSE_INSERT_SECONDS + "_count", "table", table);
  }

  private static double recordsIn(String metrics) {
    return PrometheusText.scrape(metrics).sum("datalake_records_in_total", "kind", KIND);
  }

  private static int status(int port, String path) {
    try {
      return PrometheusText.get("http://127.0.0.1:" + port + path).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static String body(int port, String path) {
    try {
      return PrometheusText.get("http://127.0.0.1:" + port + path).body();
    } catch (IOException e) {
      return e.toString();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return e.toString();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
