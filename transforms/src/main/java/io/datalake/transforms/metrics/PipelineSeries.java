package io.datalake.transforms.metrics;

import io.datalake.transforms.monitor.PipelineMetrics;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The pipeline's metrics as labelled Prometheus series, one registry per JVM (per class loader on a
 * Flink cluster): each {@link PipelineMetrics.Family} is one counter {@code
 * datalake_<family>_total} with one label ({@link PipelineMetrics.Family#labelName}: kind, table,
 * step or writer; never the tenant, whose values are unbounded), fed where the Beam counter of the
 * same family is incremented. Beam counters reach Flink as one metric name per label value; these
 * carry the label instead.
 *
 * <p>The counts are this JVM's since it started (attempted, not committed: a bundle retried after a
 * failure counts twice, as Prometheus counters do): a scrape of every worker, summed by label, is
 * the job's total, and {@code rate()} rides over a worker's restart. The batch summary keeps
 * reading the Beam counters, which are exact.
 */
public final class PipelineSeries {
  /** Every series of the pipeline; {@link MetricsEndpoint} serves it. */
  static final PrometheusRegistry REGISTRY = new PrometheusRegistry();

  /** Seconds a Kafka partition may go without a watermark update and still count as read. */
  static final long SOURCE_SILENCE_MILLIS = 60_000;

  private static final Map<PipelineMetrics.Family, Counter> COUNTERS =
      new EnumMap<>(PipelineMetrics.Family.class);

  /** Kafka partitions ("topic/partition") this JVM reads: their latest watermark and check. */
  private static final Map<String, Partition> PARTITIONS = new ConcurrentHashMap<>();

  /** Per table, when this JVM last produced a row for it (epoch millis; 0: none yet). */
  private static final Map<String, AtomicLong> LAST_ROW_MILLIS = new ConcurrentHashMap<>();

  /** The names of the series, as a scrape shows them once they have a sample. */
  private static final Set<String> NAMES = new TreeSet<>();

  private static LongSupplier clock = System::currentTimeMillis;

  /** The series of {@link #CLICKHOUSE_INSERT_SECONDS}, without the suffixes a scrape adds. */
  public static final String CLICKHOUSE_INSERT_SECONDS = "datalake_clickhouse_insert_seconds";

  /**
   * Wall time of each ClickHouse insert (one flush of rows into one table, retries included), per
   * table. Classic buckets only: the text format has no native histograms.
   */
  private static final Histogram INSERT_SECONDS =
      Histogram.builder()
          .name(CLICKHOUSE_INSERT_SECONDS)
          .help(
              "Wall time of one ClickHouse insert (one flush of rows into one table), retries"
                  + " included")
          .labelNames("table")
          .classicOnly()
          .classicUpperBounds(
              PipelineMetrics.CLICKHOUSE_INSERT_BUCKETS.stream()
                  .mapToDouble(Double::doubleValue)
                  .toArray())
          .withoutExemplars()
          .register(REGISTRY);

  static {
    for (PipelineMetrics.Family family : PipelineMetrics.Family.values()) {
      COUNTERS.put(
          family,
          Counter.builder()
              .name(name(family))
              .help(family.help())
              .labelNames(family.labelName())
              // No tracing here to link to: an exemplar sampler would only cost every increment.
              .withoutExemplars()
              .register(REGISTRY));
      NAMES.add(name(family) + "_total");
    }
    for (String suffix : List.of("_bucket", "_count", "_sum")) {
      NAMES.add(CLICKHOUSE_INSERT_SECONDS + suffix);
    }
    gauge(
        "datalake_rows_last_timestamp_seconds",
        "When this JVM last produced a row for the table (epoch seconds): a table whose rows stop"
            + " while records arrive is going stale",
        List.of("table"),
        callback ->
            LAST_ROW_MILLIS.forEach(
                (table, millis) -> {
                  long last = millis.get();
                  if (last != 0) {
                    callback.call(last / 1000.0, table);
                  }
                }));
    gauge(
        "datalake_kafka_watermark_lag_seconds",
        "Seconds between now and a Kafka partition's event-time watermark (how far behind the"
            + " newest complete event time is)",
        List.of("topic", "partition"),
        callback ->
            PARTITIONS.forEach(
                (key, p) -> {
                  if (p.watermarkMillis != Long.MIN_VALUE) {
                    callback.call(
                        (clock.getAsLong() - p.watermarkMillis) / 1000.0, p.topic, p.partition);
                  }
                }));
    gauge(
        "datalake_kafka_backlog_records",
        "Records between a Kafka partition's read position and its end (-1: unknown)",
        List.of("topic", "partition"),
        callback -> PARTITIONS.forEach((key, p) -> callback.call(p.backlog, p.topic, p.partition)));
  }

  private static void gauge(
      String name,
      String help,
      List<String> labels,
      Consumer<GaugeWithCallback.Callback> callback) {
    GaugeWithCallback.builder()
        .name(name)
        .help(help)
        .labelNames(labels.toArray(new String[0]))
        .callback(callback)
        .register(REGISTRY);
    NAMES.add(name);
  }

  /** Every series name this JVM can export (a series shows in a scrape from its first sample). */
  public static Set<String> seriesNames() {
    return Collections.unmodifiableSet(NAMES);
  }

  private PipelineSeries() {}

  /** The Prometheus name of a family's counter, without the {@code _total} the format adds. */
  public static String name(PipelineMetrics.Family family) {
    String prefix = family.prefix();
    return PipelineMetrics.NAMESPACE + "_" + prefix.substring(0, prefix.length() - 1);
  }

  /**
   * The family's series of {@code label}, looked up once: a counting DoFn keeps it per label, so
   * that an increment (several per record) is an add, not a lookup of the label's data point.
   */
  public static Series series(PipelineMetrics.Family family, String label) {
    return new Series(
        COUNTERS.get(family).labelValues(label),
        family == PipelineMetrics.Family.ROWS
            ? LAST_ROW_MILLIS.computeIfAbsent(label, l -> new AtomicLong())
            : null);
  }

  /** One labelled series of a counter family. */
  public static final class Series {
    private final CounterDataPoint count;

    /** For the rows of a table: when this JVM last produced one. */
    private final AtomicLong lastRowMillis;

    private Series(CounterDataPoint count, AtomicLong lastRowMillis) {
      this.count = count;
      this.lastRowMillis = lastRowMillis;
    }

    /** Adds {@code n}. */
    public void inc(long n) {
      count.inc(n);
      if (lastRowMillis != null) {
        lastRowMillis.set(clock.getAsLong());
      }
    }
  }

  /** One ClickHouse insert into {@code table} took {@code seconds}, retries included. */
  public static void clickhouseInsert(String table, double seconds) {
    INSERT_SECONDS.labelValues(table).observe(seconds);
  }

  /** A Kafka partition's watermark, epoch millis, as its reader computed it just now. */
  public static void watermark(String topic, int partition, long watermarkMillis) {
    partition(topic, partition).watermarkMillis = watermarkMillis;
  }

  /** A Kafka partition's backlog, as its reader checked it just now (-1: unknown). */
  public static void backlog(String topic, int partition, long records) {
    Partition p = partition(topic, partition);
    p.backlog = records;
    p.checkedMillis = clock.getAsLong();
  }

  private static Partition partition(String topic, int partition) {
    return PARTITIONS.computeIfAbsent(
        topic + "/" + partition, k -> new Partition(topic, String.valueOf(partition)));
  }

  /**
   * Why this JVM's Kafka sources are not connected, or null when they are: at least one partition
   * read here, and each one's reader reported a known backlog (its consumer reached the broker)
   * within {@link #SOURCE_SILENCE_MILLIS}.
   */
  static String sourcesNotConnected() {
    if (PARTITIONS.isEmpty()) {
      return "no Kafka partition is read in this JVM yet";
    }
    long now = clock.getAsLong();
    List<String> silent = new ArrayList<>();
    PARTITIONS.forEach(
        (key, p) -> {
          if (p.backlog < 0 || now - p.checkedMillis > SOURCE_SILENCE_MILLIS) {
            silent.add(key);
          }
        });
    if (silent.isEmpty()) {
      return null;
    }
    silent.sort(null);
    return "Kafka partitions without a known backlog in the last "
        + SOURCE_SILENCE_MILLIS / 1000
        + " s: "
        + String.join(", ", silent);
  }

  /** What a scrape returns now. */
  static MetricSnapshots scrape() {
    return REGISTRY.scrape();
  }

  /** For tests: another clock, and no partitions. */
  static void resetForTest(LongSupplier testClock) {
    clock = testClock;
    PARTITIONS.clear();
  }

  private static final class Partition {
    final String topic;
    final String partition;
    volatile long watermarkMillis = Long.MIN_VALUE;
    volatile long backlog = -1;
    volatile long checkedMillis;

    Partition(String topic, String partition) {
      this.topic = topic;
      this.partition = partition;
    }
  }
}
