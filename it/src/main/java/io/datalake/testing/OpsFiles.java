package io.datalake.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.Yaml;

/**
 * The operations files in the repository's ops/ folder (Prometheus alert rules and scrape
 * configuration, the Grafana dashboard), read for the tests that check them against what the
 * metrics endpoints export.
 */
public final class OpsFiles {
  /**
   * The series of Flink's Prometheus reporter that ops/ uses; MetricsEndpointIT finds each in a
   * real scrape of Flink 1.19's reporter.
   */
  public static final Set<String> FLINK_SERIES = Set.of("flink_jobmanager_job_numRestarts");

  /** Prometheus' own series of a scrape target. */
  public static final Set<String> PROMETHEUS_SERIES = Set.of("up");

  private static final Pattern METRIC =
      Pattern.compile("\\b((?:datalake|flink)_[a-zA-Z0-9_]+|up)\\b");

  private OpsFiles() {}

  /** The repository's ops/ folder. */
  public static Path dir() {
    return Path.of(System.getProperty("datalake.project.dir", ".."), "ops").toAbsolutePath();
  }

  public static Path alerts() {
    return dir().resolve("prometheus/alerts.yml");
  }

  public static Path prometheusConfig() {
    return dir().resolve("prometheus/prometheus.yml");
  }

  public static Path dashboard() {
    return dir().resolve("grafana/datalake.json");
  }

  /** Each rule of the alert rules file, as YAML maps. */
  @SuppressWarnings("unchecked")
  public static List<Map<String, Object>> rules() throws IOException {
    Map<String, Object> file = yaml(alerts());
    List<Map<String, Object>> rules = new ArrayList<>();
    for (Map<String, Object> group : (List<Map<String, Object>>) file.get("groups")) {
      rules.addAll((List<Map<String, Object>>) group.get("rules"));
    }
    return rules;
  }

  /** The {@code metric_relabel_configs} of scrape job {@code job} in the example configuration. */
  @SuppressWarnings("unchecked")
  public static List<Map<String, Object>> relabelling(String job) throws IOException {
    for (Map<String, Object> scrape :
        (List<Map<String, Object>>) yaml(prometheusConfig()).get("scrape_configs")) {
      if (job.equals(scrape.get("job_name"))) {
        return (List<Map<String, Object>>) scrape.getOrDefault("metric_relabel_configs", List.of());
      }
    }
    throw new IllegalArgumentException("No scrape job " + job + " in " + prometheusConfig());
  }

  /** Every query of the dashboard's panels. */
  public static List<String> dashboardQueries() throws IOException {
    JsonNode dashboard = new ObjectMapper().readTree(dashboard().toFile());
    List<String> queries = new ArrayList<>();
    for (JsonNode panel : dashboard.path("panels")) {
      for (JsonNode target : panel.path("targets")) {
        queries.add(target.path("expr").asText());
      }
    }
    return queries;
  }

  /** The metric names a PromQL expression reads (datalake_*, flink_* and up). */
  public static Set<String> metricNames(String expr) {
    Set<String> names = new TreeSet<>();
    Matcher m = METRIC.matcher(expr);
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> yaml(Path file) throws IOException {
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return (Map<String, Object>) new Yaml().load(reader);
    }
  }
}
