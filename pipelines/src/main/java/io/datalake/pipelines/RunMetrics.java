package io.datalake.pipelines;

import io.datalake.options.DatalakeOptions;
import io.datalake.transforms.metrics.MetricsEndpoint;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Prometheus endpoints a run serves when asked (both off by default: a port is a resource the
 * user chooses, and two runs on one machine would clash on any fixed default): the pipeline's
 * labelled series ({@code --metricsPort}) and Flink's own reporter on an embedded run ({@code
 * --flinkMetricsPort}).
 */
final class RunMetrics {
  private static final Logger LOG = LoggerFactory.getLogger(RunMetrics.class);

  static final String REPORTER_FACTORY =
      "org.apache.flink.metrics.prometheus.PrometheusReporterFactory";

  private RunMetrics() {}

  /** Fails on a metrics option that cannot work; only reads the options. */
  static void checkOptions(DatalakeOptions options) {
    checkPort("--metricsPort", options.getMetricsPort());
    checkPort("--flinkMetricsPort", options.getFlinkMetricsPort());
    if (options.getFlinkMetricsPort() > 0 && !FlinkCheckpoints.isEmbeddedFlink(options)) {
      throw new IllegalArgumentException(
          "--flinkMetricsPort is for an embedded Flink run (--runner=FlinkRunner"
              + " --flinkMaster=[local]); a Flink cluster reports through its own configuration:"
              + " on the local one, set DATALAKE_FLINK_PROMETHEUS_PORT before `./datalake flink up`");
    }
  }

  private static void checkPort(String option, Integer port) {
    if (port == null || port < 0 || port > 65535) {
      throw new IllegalArgumentException(option + "=" + port + " is not a port number (0: off)");
    }
  }

  /**
   * Starts the pipeline's metrics endpoint in this JVM, or returns null when --metricsPort is 0.
   * Only the JVM that runs the workers sees their counts: the DirectRunner's and the embedded
   * FlinkRunner's, which are this one.
   */
  static MetricsEndpoint start(DatalakeOptions options, boolean streaming) {
    checkOptions(options);
    if (options.getMetricsPort() == 0) {
      return null;
    }
    if (!FlinkCheckpoints.stepsRunInThisJvm(options)) {
      LOG.warn(
          "datalake: --metricsPort serves this JVM's series, but {} runs the pipeline's steps in"
              + " other JVMs: the endpoint shows no record counts (use the cluster's metrics"
              + " reporter)",
          options.getRunner().getSimpleName());
    }
    return MetricsEndpoint.start(options.getMetricsHost(), options.getMetricsPort())
        .withKafkaSources(streaming);
  }

  /** Flink's Prometheus reporter in the embedded cluster's configuration, when asked. */
  static void configureFlinkReporter(DatalakeOptions options) {
    if (options.getFlinkMetricsPort() == 0) {
      return;
    }
    Map<String, String> keys = new LinkedHashMap<>();
    keys.put("metrics.reporter.prom.factory.class", REPORTER_FACTORY);
    keys.put("metrics.reporter.prom.port", String.valueOf(options.getFlinkMetricsPort()));
    FlinkRunConfiguration.addDefaults(options.as(FlinkPipelineOptions.class), keys);
    LOG.info(
        "datalake: Flink's metrics on http://127.0.0.1:{}/metrics (Flink's Prometheus reporter)",
        options.getFlinkMetricsPort());
  }
}
