package io.datalake.ops;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;
import static org.junit.Assume.assumeTrue;

import io.datalake.testing.OpsFiles;
import io.datalake.testing.PrometheusText;
import io.datalake.transforms.metrics.PipelineSeries;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.Test;

/**
 * The alert rules, the example scrape configuration and the Grafana dashboard in ops/: each metric
 * they read is one the endpoints export, each rule is complete, the relabelling turns Flink's names
 * for Beam's counters into the pipeline's labelled series, and promtool (Debian's prometheus
 * package, which `./datalake test` installs) accepts the files and passes the rules' unit tests.
 */
public class OpsFilesTest {

  @Test
  public void everyAlertRuleIsCompleteAndReadsExportedSeries() throws IOException {
    List<Map<String, Object>> rules = OpsFiles.rules();
    assertThat(rules, not(empty()));
    List<String> unknown = new ArrayList<>();
    for (Map<String, Object> rule : rules) {
      assertThat(rule.toString(), rule, hasKey("alert"));
      assertThat(rule.toString(), rule, hasKey("expr"));
      @SuppressWarnings("unchecked")
      Map<String, Object> labels = (Map<String, Object>) rule.get("labels");
      assertThat(rule.get("alert") + " has a severity", labels, hasKey("severity"));
      @SuppressWarnings("unchecked")
      Map<String, Object> annotations = (Map<String, Object>) rule.get("annotations");
      assertThat(rule.get("alert") + " has a summary", annotations, hasKey("summary"));
      assertThat(rule.get("alert") + " has a description", annotations, hasKey("description"));
      unknown.addAll(unknownSeries((String) rule.get("alert"), (String) rule.get("expr")));
    }
    assertThat("series no endpoint exports", unknown, empty());
  }

  @Test
  public void theAlertsCoverFreshnessDeadLettersInsertLatencyAndRestarts() throws IOException {
    Set<String> read = new TreeSet<>();
    for (Map<String, Object> rule : OpsFiles.rules()) {
      read.addAll(OpsFiles.metricNames((String) rule.get("expr")));
    }
    for (String needed :
        List.of(
            "datalake_kafka_watermark_lag_seconds",
            "datalake_rows_last_timestamp_seconds",
            "datalake_records_dead_lettered_total",
            "datalake_clickhouse_insert_seconds_bucket",
            "flink_jobmanager_job_numRestarts")) {
      assertThat(read + " reads " + needed, read.contains(needed), equalTo(true));
    }
  }

  @Test
  public void everyDashboardQueryReadsExportedSeries() throws IOException {
    List<String> queries = OpsFiles.dashboardQueries();
    assertThat(queries, not(empty()));
    List<String> unknown = new ArrayList<>();
    for (String query : queries) {
      assertThat("a query reads a series: " + query, OpsFiles.metricNames(query), not(empty()));
      unknown.addAll(unknownSeries("dashboard", query));
    }
    assertThat("series no endpoint exports", unknown, empty());
  }

  /**
   * Flink's names for Beam's counters (the Beam metric {@code datalake:records_in_checkout-orders}
   * as Flink 1.19's reporter writes it, seen in MetricsEndpointIT's scrape) become the pipeline's
   * series with the label, and the rules' order keeps rows_late from being read as rows.
   */
  @Test
  public void relabellingTurnsFlinkNamesIntoLabelledSeries() throws IOException {
    String flink =
        String.join(
            "\n",
            "flink_taskmanager_job_task_operator_datalake_records_in_checkout_orders{subtask_index=\"0\"} 7.0",
            "flink_taskmanager_job_task_operator_datalake_rows_late_journey_events{subtask_index=\"0\"} 2.0",
            "flink_taskmanager_job_task_operator_datalake_rows_journey_events{subtask_index=\"0\"} 5.0",
            "flink_taskmanager_job_task_operator_datalake_dead_letters_parse{subtask_index=\"1\"} 1.0",
            "flink_taskmanager_job_task_operator_datalake_lake_files_written_main{subtask_index=\"1\"} 3.0",
            "flink_taskmanager_job_task_operator_datalake_clickhouse_inserted_current_entities{subtask_index=\"0\"} 4.0",
            "flink_taskmanager_job_task_operator_numRecordsIn{subtask_index=\"1\"} 9.0",
            "");
    PrometheusText relabelled = PrometheusText.parse(flink).relabel(OpsFiles.relabelling("flink"));
    assertThat(
        relabelled.sum("datalake_records_in_total", "kind", "checkout_orders"), equalTo(7.0));
    assertThat(relabelled.sum("datalake_rows_late_total", "kind", "journey_events"), equalTo(2.0));
    assertThat(relabelled.sum("datalake_rows_total", "table", "journey_events"), equalTo(5.0));
    assertThat(relabelled.sum("datalake_dead_letters_total", "step", "parse"), equalTo(1.0));
    assertThat(relabelled.sum("datalake_lake_files_written_total", "writer", "main"), equalTo(3.0));
    assertThat(
        relabelled.sum("datalake_clickhouse_inserted_total", "table", "current_entities"),
        equalTo(4.0));
    assertThat(
        "Flink's own series are left alone",
        relabelled.names().contains("flink_taskmanager_job_task_operator_numRecordsIn"),
        equalTo(true));
  }

  /**
   * The insert-latency histogram's Beam counters under Flink's names (one per table and bucket, the
   * bound's "." written "_", and the count) become the pipeline's histogram series, with {@code le}
   * as the pipeline's endpoint writes it, so that histogram_quantile reads either.
   */
  @Test
  public void relabellingTurnsFlinkInsertCountersIntoTheLatencyHistogram() throws IOException {
    String prefix = "flink_taskmanager_job_task_operator_datalake__clickhouse_inserts_";
    String flink =
        String.join(
            "\n",
            prefix + "checkout_orders_le_0_005{subtask_index=\"0\"} 1.0",
            prefix + "checkout_orders_le_2_5{subtask_index=\"0\"} 3.0",
            prefix + "checkout_orders_le_10{subtask_index=\"0\"} 4.0",
            prefix + "checkout_orders_le_inf{subtask_index=\"0\"} 5.0",
            prefix + "checkout_orders{subtask_index=\"0\"} 5.0",
            prefix + "checkout_orders{subtask_index=\"1\"} 2.0",
            "flink_taskmanager_job_task_operator_datalake__rows_checkout_orders{subtask_index=\"0\"} 9.0",
            "");
    PrometheusText relabelled = PrometheusText.parse(flink).relabel(OpsFiles.relabelling("flink"));
    String bucket = PipelineSeries.CLICKHOUSE_INSERT_SECONDS + "_bucket";
    for (Map.Entry<String, Double> le :
        Map.of("0.005", 1.0, "2.5", 3.0, "10.0", 4.0, "+Inf", 5.0).entrySet()) {
      assertThat(
          le.getKey(),
          relabelled.sum(bucket, Map.of("table", "checkout_orders", "le", le.getKey())),
          equalTo(le.getValue()));
    }
    assertThat(
        relabelled.sum(
            PipelineSeries.CLICKHOUSE_INSERT_SECONDS + "_count", "table", "checkout_orders"),
        equalTo(7.0));
    assertThat(
        "a bucket is no count",
        relabelled.samples().stream()
            .filter(s -> s.name().endsWith("_count"))
            .anyMatch(s -> s.labels().containsKey("le")),
        equalTo(false));
    assertThat(relabelled.sum("datalake_rows_total", "table", "checkout_orders"), equalTo(9.0));
  }

  /** Flink's task_name labels run to thousands of characters. */
  @Test
  public void aScrapeWithLongLabelsParses() {
    String task = "Datalake_WriteWarehouse_Batch_".repeat(2000);
    PrometheusText text =
        PrometheusText.parse(
            "flink_taskmanager_job_task_x{task_name=\"" + task + "\",q=\"a\\\"b\"} 2.0\n");
    assertThat(text.samples().get(0).labels().get("task_name"), equalTo(task));
    assertThat(text.samples().get(0).labels().get("q"), equalTo("a\"b"));
  }

  @Test
  public void promtoolAcceptsTheConfigurationAndTheRulesPassTheirTests() throws Exception {
    String promtool = promtool();
    assumeTrue(
        "no promtool (./datalake test unpacks it from Debian's prometheus package)",
        promtool != null);
    promtool(promtool, "check", "config", "prometheus.yml");
    promtool(promtool, "test", "rules", "alerts.test.yml");
  }

  private static List<String> unknownSeries(String where, String expr) {
    List<String> unknown = new ArrayList<>();
    for (String name : OpsFiles.metricNames(expr)) {
      boolean known =
          PipelineSeries.seriesNames().contains(name)
              || OpsFiles.FLINK_SERIES.contains(name)
              || OpsFiles.PROMETHEUS_SERIES.contains(name);
      if (!known) {
        unknown.add(where + ": " + name);
      }
    }
    return unknown;
  }

  private static void promtool(String promtool, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(promtool));
    command.addAll(List.of(args));
    Process process =
        new ProcessBuilder(command)
            .directory(OpsFiles.dir().resolve("prometheus").toFile())
            .redirectErrorStream(true)
            .start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " did not end within 60 s");
    }
    assertThat(String.join(" ", command) + ":\n" + output, process.exitValue(), equalTo(0));
  }

  /** The promtool ./datalake test passes (-Ddatalake.promtool), else one on the PATH, else null. */
  private static String promtool() {
    String given = System.getProperty("datalake.promtool", "");
    if (!given.isBlank() && new File(given).canExecute()) {
      return given;
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (new File(dir, "promtool").canExecute()) {
        return new File(dir, "promtool").getPath();
      }
    }
    return null;
  }
}
