package io.datalake.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/** Prometheus endpoints of a run: the pipeline's labelled series and Flink's own metrics. */
public interface MetricsOptions extends PipelineOptions {
  @Description(
      "Port of the run's metrics endpoint (0: off): /metrics serves the pipeline's series with"
          + " labels (datalake_records_in_total{kind=...}, dead letters by step, late rows, lake"
          + " files, ClickHouse rejections, Kafka watermark lag), /healthz answers 200 while the JVM"
          + " is up, /readyz 200 while the job runs and its Kafka sources are connected. Served by"
          + " the JVM that runs the pipeline: the launcher's with the DirectRunner or the embedded"
          + " FlinkRunner.")
  @Default.Integer(0)
  Integer getMetricsPort();

  void setMetricsPort(Integer value);

  @Description(
      "Address the metrics endpoint binds to: 127.0.0.1 keeps it on this machine; 0.0.0.0 lets a"
          + " deployment's Prometheus and probes reach it.")
  @Default.String("127.0.0.1")
  String getMetricsHost();

  void setMetricsHost(String value);

  @Description(
      "Port of Flink's own Prometheus reporter on an embedded run (--flinkMaster=[local]; 0: off):"
          + " Flink's job, task and checkpoint metrics (numRestarts, uptime, checkpoint durations)"
          + " and Beam's counters under Flink's names. On the local cluster, set"
          + " DATALAKE_FLINK_PROMETHEUS_PORT before `./datalake flink up` instead.")
  @Default.Integer(0)
  Integer getFlinkMetricsPort();

  void setFlinkMetricsPort(Integer value);
}
