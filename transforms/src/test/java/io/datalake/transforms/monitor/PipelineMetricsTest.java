package io.datalake.transforms.monitor;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.sameInstance;

import java.io.Closeable;
import java.lang.reflect.Field;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.beam.runners.core.metrics.MetricsContainerImpl;
import org.apache.beam.sdk.metrics.MetricName;
import org.apache.beam.sdk.metrics.MetricsEnvironment;
import org.junit.Test;

public class PipelineMetricsTest {

  /**
   * A resumed Flink job asks the Kafka timestamp policy for its watermark on a thread without the
   * step's metrics container: its gauges must then skip Beam (which drops the value and logs an
   * ERROR with a stack trace for the first such update in a JVM) and still set the series.
   */
  @Test
  public void aKafkaGaugeSetsBeamOnlyWhereAStepsContainerIsInScope() throws Exception {
    // Beam reports the first metric updated without a container once per JVM: reset the flag that
    // says it did (an earlier test of this JVM may have), to see whether the gauge trips it.
    Field reportedField = MetricsEnvironment.class.getDeclaredField("REPORTED_MISSING_CONTAINER");
    reportedField.setAccessible(true);
    AtomicBoolean reported = (AtomicBoolean) reportedField.get(null);
    boolean reportedBefore = reported.getAndSet(false);
    AtomicBoolean inScopeOnAPlainThread = new AtomicBoolean(true);
    Thread plain =
        new Thread(
            () -> {
              inScopeOnAPlainThread.set(PipelineMetrics.beamMetricsInScope());
              PipelineMetrics.kafkaBacklog("gauge-test", 0).set(5);
            });
    plain.start();
    plain.join();
    assertThat(inScopeOnAPlainThread.get(), is(false));
    assertThat(
        "Beam was not asked for a container it would report missing", reported.get(), is(false));
    reported.compareAndSet(false, reportedBefore);

    MetricsContainerImpl step = new MetricsContainerImpl("ReadFromKafka");
    try (Closeable scope = MetricsEnvironment.scopedMetricsContainer(step)) {
      assertThat(PipelineMetrics.beamMetricsInScope(), is(true));
      // Asking leaves the step's container in scope.
      assertThat(MetricsEnvironment.getCurrentContainer(), sameInstance(step));
      PipelineMetrics.kafkaBacklog("gauge-test", 0).set(7);
    }
    MetricName backlog =
        MetricName.named(
            PipelineMetrics.NAMESPACE, PipelineMetrics.KAFKA_BACKLOG_RECORDS + "gauge-test/0");
    assertThat(step.getGauge(backlog).getCumulative().value(), equalTo(7L));
  }
}
