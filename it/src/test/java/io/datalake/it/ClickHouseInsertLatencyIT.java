package io.datalake.it;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.junit.Assert.assertThrows;

import io.datalake.testing.LocalServices;
import io.datalake.testing.PrometheusText;
import io.datalake.transforms.metrics.MetricsEndpoint;
import io.datalake.transforms.metrics.PipelineSeries;
import io.datalake.transforms.monitor.PipelineMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.clickhouse.ClickHouseIO;
import org.apache.beam.sdk.io.clickhouse.TableSchema;
import org.apache.beam.sdk.io.clickhouse.TimedClickHouseWrite;
import org.apache.beam.sdk.metrics.DistributionResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Duration;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * The insert-latency histogram against a real ClickHouse, on the DirectRunner in this JVM: each
 * insert ClickHouseIO makes (every --clickhouseBatchRows rows of a bundle, and the rest at the
 * bundle's end) is one observation of {@code datalake_clickhouse_insert_seconds{table}}, as many as
 * ClickHouseIO's own {@code batch_size} distribution counts (it updates it once per insert), and
 * every row arrives (ClickHouseIO's committed metrics: the DirectRunner's attempted ones can miss
 * the last bundle); an insert ClickHouse refuses is observed too and fails the run, as before.
 */
public class ClickHouseInsertLatencyIT {
  private static final Schema ROW =
      Schema.builder().addStringField("id").addInt64Field("n").build();
  private static final TableSchema TABLE =
      TableSchema.of(
          TableSchema.Column.of("id", TableSchema.ColumnType.STRING),
          TableSchema.Column.of("n", TableSchema.ColumnType.INT64));

  /** Rows each table's timer was told about, summed (the DirectRunner runs in this JVM). */
  private static final Map<String, AtomicLong> TIMED_ROWS = new ConcurrentHashMap<>();

  private static final Map<String, AtomicLong> ACKNOWLEDGED_ROWS = new ConcurrentHashMap<>();

  private static MetricsEndpoint endpoint;

  @BeforeClass
  public static void serveTheSeries() {
    endpoint = MetricsEndpoint.start("127.0.0.1", 0);
  }

  @AfterClass
  public static void stopServing() {
    endpoint.close();
  }

  private static TimedClickHouseWrite timedInsert(String table, int blockSize) {
    PipelineMetrics.InsertLatency latency = PipelineMetrics.clickhouseInsertLatency(table);
    return TimedClickHouseWrite.of(
        ClickHouseIO.<Row>write(
                LocalServices.clickhouseClient().jdbcUrl("default", "18.16.1"), table)
            .withTableSchema(TABLE)
            .withInsertDeduplicate(false)
            .withMaxRetries(2)
            .withInitialBackoff(Duration.millis(100))
            .withMaxInsertBlockSize(blockSize),
        (rows, nanos, acknowledged) -> {
          TIMED_ROWS.computeIfAbsent(table, t -> new AtomicLong()).addAndGet(rows);
          if (acknowledged) {
            ACKNOWLEDGED_ROWS.computeIfAbsent(table, t -> new AtomicLong()).addAndGet(rows);
          }
          latency.observe(nanos);
        });
  }

  private static Pipeline pipeline(String table, int rows, int blockSize) {
    Pipeline pipeline =
        Pipeline.create(PipelineOptionsFactory.fromArgs("--runner=DirectRunner").create());
    pipeline
        .apply(
            Create.of(
                    IntStream.range(0, rows)
                        .mapToObj(i -> Row.withSchema(ROW).addValues("r-" + i, (long) i).build())
                        .toList())
                .withRowSchema(ROW))
        .apply("Insert_" + table, timedInsert(table, blockSize));
    return pipeline;
  }

  private static PrometheusText scrape() {
    return PrometheusText.scrape("http://127.0.0.1:" + endpoint.port() + "/metrics");
  }

  @Test
  public void eachInsertIsOneObservationOfItsTable() {
    String table = "latency_" + UUID.randomUUID().toString().replace("-", "");
    LocalServices.clickhouse(
        "CREATE TABLE default." + table + " (id String, n Int64) ENGINE = MergeTree ORDER BY id");
    try {
      PipelineResult result = pipeline(table, 23, 5).run();
      assertThat(result.waitUntilFinish(), equalTo(PipelineResult.State.DONE));

      assertThat(
          "rows in ClickHouse",
          LocalServices.clickhouseCount("SELECT count() FROM default." + table),
          equalTo(23L));
      List<MetricResult<DistributionResult>> batches = new ArrayList<>();
      result
          .metrics()
          .queryMetrics(
              MetricsFilter.builder()
                  .addNameFilter(MetricNameFilter.named(ClickHouseIO.Write.class, "batch_size"))
                  .build())
          .getDistributions()
          .forEach(batches::add);
      assertThat(batches.size(), equalTo(1));
      // Committed: the DirectRunner's attempted values can miss the last bundle's update.
      DistributionResult batchSizes = batches.get(0).getCommitted();
      assertThat("ClickHouseIO's rows inserted", batchSizes.getSum(), equalTo(23L));
      assertThat("inserts of at most 5 rows", batchSizes.getCount(), greaterThanOrEqualTo(5L));

      PrometheusText series = scrape();
      String name = PipelineSeries.CLICKHOUSE_INSERT_SECONDS;
      assertThat(
          "one observation per insert ClickHouseIO made",
          series.sum(name + "_count", "table", table),
          equalTo((double) batchSizes.getCount()));
      assertThat(
          series.sum(name + "_bucket", Map.of("table", table, "le", "+Inf")),
          equalTo((double) batchSizes.getCount()));
      assertThat("wall time observed", series.sum(name + "_sum", "table", table), greaterThan(0.0));
      assertThat("the rows the inserts carried", TIMED_ROWS.get(table).get(), equalTo(23L));
      assertThat("each acknowledged", ACKNOWLEDGED_ROWS.get(table).get(), equalTo(23L));
      // The Beam counters a Flink cluster's reporter exports count the same inserts.
      assertThat(
          counter(result, PipelineMetrics.CLICKHOUSE_INSERTS + table),
          equalTo(batchSizes.getCount()));
      assertThat(
          counter(result, PipelineMetrics.CLICKHOUSE_INSERTS + table + "_le_inf"),
          equalTo(batchSizes.getCount()));
    } finally {
      LocalServices.clickhouse("DROP TABLE IF EXISTS default." + table);
    }
  }

  @Test
  public void anInsertClickHouseRefusesIsObservedAndFailsTheRun() {
    String table = "latency_missing_" + UUID.randomUUID().toString().replace("-", "");
    Pipeline pipeline = pipeline(table, 3, 5);
    assertThrows(RuntimeException.class, () -> pipeline.run().waitUntilFinish());
    // The DirectRunner splits the three rows into bundles, each of which inserts at its end; the
    // first refused insert fails the run, and bundles still running see their connection closed
    // (retried, then refused): each of those inserts is observed once.
    double observed =
        scrape().sum(PipelineSeries.CLICKHOUSE_INSERT_SECONDS + "_count", "table", table);
    assertThat("the failed inserts' time is observed", observed, greaterThanOrEqualTo(1.0));
    assertThat("at most one insert per bundle of rows", observed, lessThanOrEqualTo(3.0));
    assertThat("no row in two inserts", TIMED_ROWS.get(table).get(), lessThanOrEqualTo(3L));
  }

  private static long counter(PipelineResult result, String name) {
    long sum = 0;
    for (MetricResult<Long> c :
        result
            .metrics()
            .queryMetrics(
                MetricsFilter.builder()
                    .addNameFilter(MetricNameFilter.named(PipelineMetrics.NAMESPACE, name))
                    .build())
            .getCounters()) {
      sum += c.getCommitted();
    }
    return sum;
  }
}
