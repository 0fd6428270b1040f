package io.datalake.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.Assert.assertThrows;

import io.datalake.options.DatalakeOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Test;

/** The metrics options: off by default, Flink's reporter only where this JVM runs Flink. */
public class RunMetricsTest {
  private static DatalakeOptions options(String... args) {
    return PipelineOptionsFactory.fromArgs(args).as(DatalakeOptions.class);
  }

  @Test
  public void bothEndpointsAreOffByDefault() {
    DatalakeOptions options = options("--runner=FlinkRunner");
    assertThat(RunMetrics.start(options, true), nullValue());
    RunMetrics.configureFlinkReporter(options);
    assertThat(options.as(FlinkPipelineOptions.class).getFlinkConfDir(), nullValue());
  }

  @Test
  public void anEmbeddedRunGetsFlinksPrometheusReporter() throws Exception {
    DatalakeOptions options =
        options("--runner=FlinkRunner", "--flinkMaster=[local]", "--flinkMetricsPort=9311");
    RunMetrics.checkOptions(options);
    RunMetrics.configureFlinkReporter(options);
    String config =
        Files.readString(
            Path.of(options.as(FlinkPipelineOptions.class).getFlinkConfDir(), "config.yaml"));
    assertThat(
        config,
        containsString(
            "metrics.reporter.prom.factory.class:"
                + " org.apache.flink.metrics.prometheus.PrometheusReporterFactory"));
    assertThat(config, containsString("metrics.reporter.prom.port: 9311"));
  }

  @Test
  public void aClusterRunIsToldWhereItsReporterIsConfigured() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                RunMetrics.checkOptions(
                    options(
                        "--runner=FlinkRunner",
                        "--flinkMaster=127.0.0.1:8081",
                        "--flinkMetricsPort=9311")));
    assertThat(e.getMessage(), containsString("DATALAKE_FLINK_PROMETHEUS_PORT"));
    assertThrows(
        IllegalArgumentException.class,
        () -> RunMetrics.checkOptions(options("--flinkMetricsPort=9311")));
  }

  @Test
  public void aPortOutOfRangeFails() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> RunMetrics.checkOptions(options("--metricsPort=70000")));
    assertThat(e.getMessage(), containsString("--metricsPort=70000 is not a port number"));
  }
}
