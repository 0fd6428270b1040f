package org.apache.beam.runners.flink.metrics;

import java.io.Closeable;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.io.Source;
import org.apache.beam.sdk.metrics.MetricsEnvironment;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * Calls a Beam source reader's {@code start} and {@code advance} with the step's metrics container
 * in scope (the reader's own counters, KafkaIO's among them, count into it), and copies the step's
 * Beam metrics to Flink's.
 *
 * <p><b>datalake's version of Beam 2.70.0's class</b>: same name, constructor and public methods;
 * the bundled jars leave Beam's out (pipelines/pom.xml). Beam's copies the metrics after every
 * {@code advance}, that is for every record a source emits: a query of all the step's metrics and
 * an update of each Flink counter, gauge and distribution, about 4% of a streaming job's CPU in the
 * benchmark's profiles. This one copies them after {@code start}, then at most every {@link
 * #ADVANCES_PER_UPDATE} advances or {@link #UPDATE_INTERVAL_NANOS}, whichever comes first, and
 * after every advance that finds nothing (an idle or exhausted source shows its values at once). A
 * copy sets each Flink metric to the Beam value (Beam's values are cumulative), so a copy left out
 * is made good by the next: Flink's figures lag by at most a second or that many records.
 *
 * <p>Where Beam's own class comes first on the class path (a test class path that lists Beam's
 * runner before this module), the job copies after every record as before; nothing else differs.
 */
public class ReaderInvocationUtil<OutputT, ReaderT extends Source.Reader<OutputT>> {
  /** Advances after which the metrics are copied even within the interval. */
  static final int ADVANCES_PER_UPDATE = 1000;

  /** Longest time between two copies while records keep coming. */
  static final long UPDATE_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final String stepName;
  private final FlinkMetricContainerBase container;
  private final boolean enableMetrics;
  private final LongSupplier nanoClock;
  private int advancesSinceUpdate;
  private long lastUpdateNanos;

  public ReaderInvocationUtil(
      String stepName, PipelineOptions options, FlinkMetricContainerBase container) {
    this(stepName, options, container, System::nanoTime);
  }

  ReaderInvocationUtil(
      String stepName,
      PipelineOptions options,
      FlinkMetricContainerBase container,
      LongSupplier nanoClock) {
    this.stepName = stepName;
    this.container = container;
    this.enableMetrics = !options.as(FlinkPipelineOptions.class).getDisableMetrics();
    this.nanoClock = nanoClock;
  }

  public boolean invokeStart(ReaderT reader) throws IOException {
    if (!enableMetrics) {
      return reader.start();
    }
    try (Closeable inScope = scope()) {
      boolean available = reader.start();
      copyMetrics();
      return available;
    }
  }

  public boolean invokeAdvance(ReaderT reader) throws IOException {
    if (!enableMetrics) {
      return reader.advance();
    }
    try (Closeable inScope = scope()) {
      boolean available = reader.advance();
      if (!available
          || ++advancesSinceUpdate >= ADVANCES_PER_UPDATE
          || nanoClock.getAsLong() - lastUpdateNanos >= UPDATE_INTERVAL_NANOS) {
        copyMetrics();
      }
      return available;
    }
  }

  private Closeable scope() {
    return MetricsEnvironment.scopedMetricsContainer(container.getMetricsContainer(stepName));
  }

  private void copyMetrics() {
    container.updateMetrics(stepName);
    advancesSinceUpdate = 0;
    lastUpdateNanos = nanoClock.getAsLong();
  }
}
