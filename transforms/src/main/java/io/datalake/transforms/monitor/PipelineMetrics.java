package io.datalake.transforms.monitor;

import io.datalake.transforms.metrics.PipelineSeries;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Gauge;
import org.apache.beam.sdk.metrics.MetricName;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricResults;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.metrics.MetricsContainer;
import org.apache.beam.sdk.metrics.MetricsEnvironment;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Every metric the pipeline reports, in one place: Beam metrics in namespace {@value #NAMESPACE}.
 * They are the only count the pipeline keeps. The runner shows them (Flink's web UI, per task), the
 * batch summary reads them back from {@code PipelineResult.metrics()} ({@link #byLabel}), and each
 * counting DoFn's progress line ({@link ProgressReporter}) shows the increments of its own
 * instance.
 *
 * <p>Beam's Java metrics carry no labels, so a metric of a family is named {@code <family><label>}:
 * {@code records_read_checkout-orders}, {@code dead_letters_parse}. A family is declared here once
 * and incremented only through {@link Counters#inc}.
 *
 * <p>Each increment and gauge also feeds this JVM's labelled Prometheus series ({@link
 * PipelineSeries}): {@code datalake_records_in_total{kind="checkout-orders"}}, one series name per
 * family with its label ({@link Family#labelName}) instead of one metric name per label.
 */
public final class PipelineMetrics {
  public static final String NAMESPACE = "datalake";

  /**
   * Gauge: a Kafka partition's event-time watermark, epoch millis; label {@code topic/partition}.
   */
  public static final String KAFKA_WATERMARK_MILLIS = "kafka_watermark_millis_";

  /** Gauge: records between a Kafka partition's read position and its end (-1: unknown). */
  public static final String KAFKA_BACKLOG_RECORDS = "kafka_backlog_records_";

  /**
   * Counters of the ClickHouse insert-latency histogram: {@code <prefix><table>} counts a table's
   * inserts, {@code <prefix><table>_le_<bound>} those that took at most {@code bound} seconds (one
   * counter per bucket, cumulative as Prometheus buckets are; {@code inf} for every insert).
   */
  public static final String CLICKHOUSE_INSERTS = "clickhouse_inserts_";

  /**
   * Upper bounds, in seconds, of the insert-latency buckets: a healthy insert takes milliseconds to
   * a second; one that retries waits up to the retry budget (--clickhouseRetrySeconds, 120 s by
   * default); the alert's 10 s threshold is a bound.
   */
  public static final List<Double> CLICKHOUSE_INSERT_BUCKETS =
      List.of(
          0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0);

  private PipelineMetrics() {}

  /** The counter families: one Beam counter per label, named {@code <prefix><label>}. */
  public enum Family {
    /** Input records read from files, per kind: the batch summary's input count. */
    RECORDS_READ("records_read_", "kind", "Input records read from files"),
    /** Records that reached the parse step, per kind (files and Kafka). */
    RECORDS_IN("records_in_", "kind", "Records that reached the parse step (files and Kafka)"),
    /** Records parsed into rows, per kind. */
    RECORDS_ACCEPTED("records_accepted_", "kind", "Records parsed into rows"),
    /** Records that became one dead letter at the parse step (read, parse, pii...), per kind. */
    RECORDS_DEAD_LETTERED(
        "records_dead_lettered_", "kind", "Records that became a dead letter at the parse step"),
    /** Dead letters per step that made them: read, parse, pii, unexpected, lake, clickhouse. */
    DEAD_LETTERS("dead_letters_", "step", "Dead letters, by the step that made them"),
    /** Rows produced for the lake, per table. */
    ROWS("rows_", "table", "Rows produced for the lake"),
    /** Streaming rows later than their window's allowed lateness, per kind. */
    ROWS_LATE("rows_late_", "kind", "Streaming rows later than their window's allowed lateness"),
    /** Rows the lake writer could not convert (dead letters of step lake), per table. */
    LAKE_REJECTED("lake_rejected_", "table", "Rows the lake writer could not convert"),
    /** Rows the ClickHouse branch rejected, per warehouse table. */
    CLICKHOUSE_REJECTED(
        "clickhouse_rejected_", "table", "Rows the ClickHouse branch rejected (dead letters)"),
    /**
     * Lake rows a current-state table leaves out because they change no state (relation operations
     * for current_entities), per warehouse table: the batch summary expects them missing there.
     */
    CLICKHOUSE_UNCHANGING(
        "clickhouse_unchanging_",
        "table",
        "Lake rows a current-state table leaves out because they change no state"),
    /**
     * Rows ClickHouse acknowledged, per warehouse table (and {@code dead_letters}): counted when an
     * insert succeeds, so the batch summary's proof that every row arrived does not depend on a
     * count read back, which a ReplacingMergeTree lowers whenever it merges versions of one key.
     */
    CLICKHOUSE_INSERTED(
        "clickhouse_inserted_", "table", "Rows ClickHouse acknowledged (successful inserts)"),
    /** Parquet files written, per writer: {@code main} or its branch, e.g. {@code late}. */
    LAKE_FILES_WRITTEN("lake_files_written_", "writer", "Parquet files finished");

    private final String prefix;
    private final String labelName;
    private final String help;

    Family(String prefix, String labelName, String help) {
      this.prefix = prefix;
      this.labelName = labelName;
      this.help = help;
    }

    /** The label a Prometheus series of the family carries: kind, table, step or writer. */
    public String labelName() {
      return labelName;
    }

    /** What a Prometheus series of the family counts (its HELP line). */
    public String help() {
      return help;
    }

    /** The family's name prefix, e.g. {@code records_read_}. */
    public String prefix() {
      return prefix;
    }

    /** The family's counters, for one DoFn instance (a field of the DoFn). */
    public Counters counters() {
      return new Counters(this);
    }
  }

  /** The watermark gauge of one Kafka partition. */
  public static Gauge kafkaWatermark(String topic, int partition) {
    return new KafkaGauge(
        Metrics.gauge(NAMESPACE, KAFKA_WATERMARK_MILLIS + topic + "/" + partition),
        topic,
        partition,
        true);
  }

  /** The backlog gauge of one Kafka partition. */
  public static Gauge kafkaBacklog(String topic, int partition) {
    return new KafkaGauge(
        Metrics.gauge(NAMESPACE, KAFKA_BACKLOG_RECORDS + topic + "/" + partition),
        topic,
        partition,
        false);
  }

  /**
   * Whether this thread has a Beam metrics container in scope, asked without Beam's {@code
   * MetricsEnvironment.getCurrentContainer()}, which logs an ERROR when there is none.
   */
  static boolean beamMetricsInScope() {
    MetricsEnvironment.MetricsEnvironmentState state =
        MetricsEnvironment.getMetricsEnvironmentStateForCurrentThread();
    MetricsContainer current = state.activate(null);
    state.activate(current);
    return current != null;
  }

  /** A Beam gauge of one Kafka partition that also feeds the partition's Prometheus series. */
  private static final class KafkaGauge implements Gauge {
    private static final long serialVersionUID = 1L;
    private final Gauge beam;
    private final String topic;
    private final int partition;
    private final boolean watermark;

    KafkaGauge(Gauge beam, String topic, int partition, boolean watermark) {
      this.beam = beam;
      this.topic = topic;
      this.partition = partition;
      this.watermark = watermark;
    }

    @Override
    public void set(long value) {
      // The timestamp policy is also asked for its watermark outside the reader's calls that have
      // the step's metrics container in scope (a resumed job restoring its readers): Beam drops
      // such an update, and the first in a JVM logs an ERROR with a stack trace. The Prometheus
      // series below is this JVM's own and holds the value either way.
      if (beamMetricsInScope()) {
        beam.set(value);
      }
      if (watermark) {
        PipelineSeries.watermark(topic, partition, value);
      } else {
        PipelineSeries.backlog(topic, partition, value);
      }
    }

    @Override
    public MetricName getName() {
      return beam.getName();
    }
  }

  /**
   * The insert-latency histogram of one ClickHouse table, for the DoFn that inserts into it: Beam
   * counters per bucket ({@link #CLICKHOUSE_INSERTS}; Flink's reporter exports them, and the
   * relabelling in ops/prometheus/prometheus.yml makes them the labelled histogram) and this JVM's
   * {@code datalake_clickhouse_insert_seconds{table}} ({@link PipelineSeries}).
   */
  public static InsertLatency clickhouseInsertLatency(String table) {
    return new InsertLatency(table);
  }

  /** The insert latency of one table; serializable, its counters made on the worker. */
  public static final class InsertLatency implements Serializable {
    private static final long serialVersionUID = 1L;
    private final String table;
    private transient Counter inserts;
    private transient List<Counter> buckets;
    private transient Counter all;

    private InsertLatency(String table) {
      this.table = table;
    }

    /** One insert took {@code nanos}, retries included. */
    public void observe(long nanos) {
      if (inserts == null) {
        String prefix = CLICKHOUSE_INSERTS + table;
        inserts = Metrics.counter(NAMESPACE, prefix);
        buckets = new ArrayList<>();
        for (double bound : CLICKHOUSE_INSERT_BUCKETS) {
          buckets.add(Metrics.counter(NAMESPACE, prefix + "_le_" + boundName(bound)));
        }
        all = Metrics.counter(NAMESPACE, prefix + "_le_inf");
      }
      double seconds = nanos / 1e9;
      inserts.inc();
      for (int i = 0; i < buckets.size(); i++) {
        // Every bucket, 0 when above it: a Beam counter reaches a runner's metrics (Flink's
        // reporter) only once updated, and a histogram needs all its buckets.
        buckets.get(i).inc(seconds <= CLICKHOUSE_INSERT_BUCKETS.get(i) ? 1 : 0);
      }
      all.inc();
      PipelineSeries.clickhouseInsert(table, seconds);
    }
  }

  /** A bucket's bound as its counter's name holds it: {@code 0.005}, {@code 2.5}, {@code 10}. */
  public static String boundName(double bound) {
    return java.math.BigDecimal.valueOf(bound).stripTrailingZeros().toPlainString();
  }

  /**
   * A finished run's counters of one family, by label, for the labels given: exact names, not a
   * prefix match. Labels without a counter (nothing counted) are left out.
   */
  public static Map<String, Long> byLabel(
      MetricResults results, Family family, Collection<String> labels) {
    Map<String, Long> values = new TreeMap<>();
    for (String label : labels) {
      MetricsFilter filter =
          MetricsFilter.builder()
              .addNameFilter(MetricNameFilter.named(NAMESPACE, family.prefix() + label))
              .build();
      for (MetricResult<Long> counter : results.queryMetrics(filter).getCounters()) {
        values.merge(label, committed(counter), Long::sum);
      }
    }
    return values;
  }

  /**
   * A counter's committed value: only bundles that succeeded, so a failed and retried attempt is
   * not added twice. Runners that do not commit metrics report attempted values; the Flink runner's
   * are Flink accumulators, which a job result aggregates from each task's last (successful)
   * execution attempt only, so a restarted task's counts replace the failed attempt's instead of
   * adding up.
   */
  static long committed(MetricResult<Long> counter) {
    try {
      return counter.getCommitted();
    } catch (UnsupportedOperationException e) {
      return counter.getAttempted();
    }
  }

  /**
   * The counters of one family, one per label, made on first use in each DoFn instance. Increments
   * also go to the instance's progress line when one is attached ({@link #reportingTo}): the line
   * shows the same increments as the Beam counters, seen from this instance.
   */
  public static final class Counters implements Serializable {
    private final Family family;
    private final String prefix;

    /**
     * What an increment of each label updates, made on the label's first increment: a Beam counter
     * of a fixed name (resolved to the current step's container on each increment, as Beam wants),
     * the label's Prometheus series and its progress count, so that an increment does no lookup by
     * label (several per record: the rows of each table, the records of each kind).
     */
    private transient Map<String, Labelled> labelled;

    private transient ProgressReporter.Series progress;

    private Counters(Family family) {
      this.family = family;
      this.prefix = family.prefix();
    }

    /** Also shows this family's increments on {@code series} of a progress line; null: none. */
    public void reportingTo(ProgressReporter.Series series) {
      this.progress = series;
      this.labelled = null;
    }

    public void inc(String label) {
      inc(label, 1);
    }

    public void inc(String label, long n) {
      if (labelled == null) {
        labelled = new HashMap<>();
      }
      Labelled counters = labelled.get(label);
      if (counters == null) {
        counters =
            new Labelled(
                Metrics.counter(NAMESPACE, prefix + label),
                PipelineSeries.series(family, label),
                progress == null ? null : progress.count(label));
        labelled.put(label, counters);
      }
      counters.beam.inc(n);
      counters.series.inc(n);
      if (counters.progress != null) {
        counters.progress.add(n);
      }
    }

    private record Labelled(
        Counter beam, PipelineSeries.Series series, @Nullable LongAdder progress) {}
  }
}
