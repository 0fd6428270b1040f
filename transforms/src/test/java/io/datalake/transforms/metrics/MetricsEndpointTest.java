package io.datalake.transforms.metrics;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import io.datalake.transforms.monitor.PipelineMetrics;
import java.io.Closeable;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.beam.runners.core.metrics.MetricsContainerImpl;
import org.apache.beam.sdk.metrics.MetricName;
import org.apache.beam.sdk.metrics.MetricsEnvironment;
import org.junit.After;
import org.junit.Test;

public class MetricsEndpointTest {
  private final AtomicLong clock = new AtomicLong(1_000_000_000L);
  private final HttpClient http = HttpClient.newHttpClient();

  @After
  public void realClock() {
    PipelineSeries.resetForTest(System::currentTimeMillis);
  }

  @Test
  public void aFamilyIsOneSeriesWithItsLabelNotOneNamePerLabel() throws Exception {
    PipelineMetrics.Counters in = PipelineMetrics.Family.RECORDS_IN.counters();
    in.inc("checkout-orders", 3);
    in.inc("journey-events");
    PipelineMetrics.Family.DEAD_LETTERS.counters().inc("parse-test", 2);
    try (MetricsEndpoint endpoint = MetricsEndpoint.start("127.0.0.1", 0)) {
      HttpResponse<String> scrape = get(endpoint, "/metrics");
      assertThat(scrape.statusCode(), equalTo(200));
      assertThat(scrape.headers().firstValue("Content-Type").orElse(""), startsWith("text/plain"));
      String body = scrape.body();
      // Counts are per JVM and other tests of this JVM may add to them: each label's line exists.
      assertThat(body, containsString("# TYPE datalake_records_in_total counter"));
      assertThat(body, containsString("datalake_records_in_total{kind=\"checkout-orders\"}"));
      assertThat(body, containsString("datalake_records_in_total{kind=\"journey-events\"}"));
      assertThat(body, containsString("datalake_dead_letters_total{step=\"parse-test\"} 2.0"));
    }
  }

  @Test
  public void theSeriesNamesAreThoseTheFamiliesDeclare() {
    assertThat(
        PipelineSeries.seriesNames(),
        equalTo(
            java.util.Set.of(
                "datalake_records_read_total",
                "datalake_records_in_total",
                "datalake_records_accepted_total",
                "datalake_records_dead_lettered_total",
                "datalake_dead_letters_total",
                "datalake_rows_total",
                "datalake_rows_late_total",
                "datalake_lake_rejected_total",
                "datalake_clickhouse_rejected_total",
                "datalake_clickhouse_unchanging_total",
                "datalake_clickhouse_inserted_total",
                "datalake_lake_files_written_total",
                "datalake_clickhouse_insert_seconds_bucket",
                "datalake_clickhouse_insert_seconds_count",
                "datalake_clickhouse_insert_seconds_sum",
                "datalake_rows_last_timestamp_seconds",
                "datalake_kafka_watermark_lag_seconds",
                "datalake_kafka_backlog_records")));
  }

  /**
   * An insert's wall time is one observation of the table's histogram (classic buckets, label table
   * only), and the same observation in the Beam counters that reach a Flink cluster's reporter: the
   * count, and each bucket at or above it.
   */
  @Test
  public void anInsertIsOneObservationOfItsTablesHistogramAndOfTheBeamBucketCounters()
      throws Exception {
    MetricsContainerImpl beam = new MetricsContainerImpl("Insert_orders_test");
    try (Closeable scope = MetricsEnvironment.scopedMetricsContainer(beam)) {
      PipelineMetrics.clickhouseInsertLatency("orders_test").observe(30_000_000L); // 30 ms
      PipelineMetrics.clickhouseInsertLatency("orders_test").observe(12_000_000_000L); // 12 s
    }
    try (MetricsEndpoint endpoint = MetricsEndpoint.start("127.0.0.1", 0)) {
      String body = get(endpoint, "/metrics").body();
      assertThat(body, containsString("# TYPE datalake_clickhouse_insert_seconds histogram"));
      String series = "datalake_clickhouse_insert_seconds_bucket{table=\"orders_test\",le=";
      assertThat(body, containsString(series + "\"0.025\"} 0\n"));
      assertThat(body, containsString(series + "\"0.05\"} 1\n"));
      assertThat(body, containsString(series + "\"10.0\"} 1\n"));
      assertThat(body, containsString(series + "\"30.0\"} 2\n"));
      assertThat(body, containsString(series + "\"+Inf\"} 2\n"));
      assertThat(
          body,
          containsString("datalake_clickhouse_insert_seconds_count{table=\"orders_test\"} 2\n"));
      assertThat(
          body,
          containsString("datalake_clickhouse_insert_seconds_sum{table=\"orders_test\"} 12.03\n"));
    }
    String prefix = PipelineMetrics.CLICKHOUSE_INSERTS + "orders_test";
    assertThat(beamCount(beam, prefix), equalTo(2L));
    assertThat(beamCount(beam, prefix + "_le_0.025"), equalTo(0L));
    assertThat(beamCount(beam, prefix + "_le_0.05"), equalTo(1L));
    assertThat(beamCount(beam, prefix + "_le_10"), equalTo(1L));
    assertThat(beamCount(beam, prefix + "_le_30"), equalTo(2L));
    assertThat(beamCount(beam, prefix + "_le_inf"), equalTo(2L));
  }

  /**
   * A counting DoFn looks each label up once and keeps what its increments update: still every
   * increment reaches the Beam container of the step running it then, the label's series and, for
   * rows, the table's last-row time.
   */
  @Test
  public void aLabelsCountersLookedUpOnceStillCountInTheCurrentStepAndSeries() throws Exception {
    PipelineSeries.resetForTest(clock::get);
    PipelineMetrics.Counters rows = PipelineMetrics.Family.ROWS.counters();
    MetricsContainerImpl first = new MetricsContainerImpl("ParseFirst");
    MetricsContainerImpl second = new MetricsContainerImpl("ParseSecond");
    try (Closeable scope = MetricsEnvironment.scopedMetricsContainer(first)) {
      rows.inc("orders_cached_test", 2);
    }
    clock.addAndGet(5_000);
    try (Closeable scope = MetricsEnvironment.scopedMetricsContainer(second)) {
      rows.inc("orders_cached_test", 3);
    }
    String name = PipelineMetrics.Family.ROWS.prefix() + "orders_cached_test";
    assertThat(beamCount(first, name), equalTo(2L));
    assertThat(beamCount(second, name), equalTo(3L));
    try (MetricsEndpoint endpoint = MetricsEndpoint.start("127.0.0.1", 0)) {
      String body = get(endpoint, "/metrics").body();
      assertThat(body, containsString("datalake_rows_total{table=\"orders_cached_test\"} 5.0"));
      assertThat(
          body,
          containsString(
              "datalake_rows_last_timestamp_seconds{table=\"orders_cached_test\"} "
                  + (clock.get() / 1000.0)));
    }
  }

  private static long beamCount(MetricsContainerImpl container, String name) {
    return container.getCounter(MetricName.named(PipelineMetrics.NAMESPACE, name)).getCumulative();
  }

  @Test
  public void theFamiliesNamesAndLabels() {
    assertThat(
        PipelineSeries.name(PipelineMetrics.Family.RECORDS_DEAD_LETTERED),
        equalTo("datalake_records_dead_lettered"));
    assertThat(PipelineMetrics.Family.CLICKHOUSE_REJECTED.labelName(), equalTo("table"));
    assertThat(PipelineMetrics.Family.DEAD_LETTERS.labelName(), equalTo("step"));
    assertThat(PipelineMetrics.Family.ROWS_LATE.labelName(), equalTo("kind"));
  }

  @Test
  public void watermarkLagIsTheClockLessTheWatermark() throws Exception {
    PipelineSeries.resetForTest(clock::get);
    PipelineSeries.watermark("orders-test", 1, clock.get() - 42_000);
    PipelineSeries.backlog("orders-test", 1, 7);
    try (MetricsEndpoint endpoint = MetricsEndpoint.start("127.0.0.1", 0)) {
      String body = get(endpoint, "/metrics").body();
      assertThat(
          body,
          containsString(
              "datalake_kafka_watermark_lag_seconds{partition=\"1\",topic=\"orders-test\"} 42.0"));
      assertThat(
          body,
          containsString(
              "datalake_kafka_backlog_records{partition=\"1\",topic=\"orders-test\"} 7.0"));
    }
  }

  @Test
  public void livenessAnswersWhileReadinessWaitsForTheJobAndItsSources() throws Exception {
    PipelineSeries.resetForTest(clock::get);
    AtomicBoolean running = new AtomicBoolean(true);
    try (MetricsEndpoint endpoint =
        MetricsEndpoint.start("127.0.0.1", 0).withKafkaSources(true).watchingJob(running::get)) {
      assertThat(get(endpoint, "/healthz").statusCode(), equalTo(200));
      HttpResponse<String> notYet = get(endpoint, "/readyz");
      assertThat(notYet.statusCode(), equalTo(503));
      assertThat(notYet.body(), containsString("no Kafka partition is read"));

      PipelineSeries.backlog("orders-test", 0, -1);
      assertThat(endpoint.notReady(), containsString("orders-test/0"));
      PipelineSeries.backlog("orders-test", 0, 0);
      assertThat(endpoint.notReady(), nullValue());
      assertThat(get(endpoint, "/readyz").statusCode(), equalTo(200));

      // A reader silent for longer than the limit: its consumer no longer reaches the broker.
      clock.addAndGet(PipelineSeries.SOURCE_SILENCE_MILLIS + 1);
      assertThat(endpoint.notReady(), containsString("orders-test/0"));
      PipelineSeries.backlog("orders-test", 0, 3);
      assertThat(endpoint.notReady(), nullValue());

      running.set(false);
      HttpResponse<String> ended = get(endpoint, "/readyz");
      assertThat(ended.statusCode(), equalTo(503));
      assertThat(ended.body(), containsString("the job is not running"));
      assertThat(get(endpoint, "/healthz").statusCode(), equalTo(200));
    }
  }

  @Test
  public void aBatchRunIsReadyWithoutKafka() {
    PipelineSeries.resetForTest(clock::get);
    try (MetricsEndpoint endpoint = MetricsEndpoint.start("127.0.0.1", 0)) {
      assertThat(endpoint.notReady(), nullValue());
    }
  }

  @Test
  public void aTakenPortFailsWithTheOptionToChange() {
    try (MetricsEndpoint first = MetricsEndpoint.start("127.0.0.1", 0)) {
      try {
        MetricsEndpoint.start("127.0.0.1", first.port()).close();
        throw new AssertionError("a second endpoint on a taken port started");
      } catch (java.io.UncheckedIOException e) {
        assertThat(e.getMessage(), containsString("--metricsPort"));
      }
    }
  }

  private HttpResponse<String> get(MetricsEndpoint endpoint, String path)
      throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.port() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
