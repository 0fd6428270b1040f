package io.datalake.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A scrape in Prometheus' text format, read the way Prometheus reads it (samples with labels), and
 * Prometheus' {@code metric_relabel_configs} (action {@code replace}, the default) applied to it:
 * what the tests compare alert rules, dashboards and relabelling against.
 */
public final class PrometheusText {
  private static final Pattern SAMPLE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})?\\s+(\\S+)(\\s+\\S+)?$");
  // Possessive quantifiers: a plain (a|b)* recurses once per character, and Flink's task_name
  // labels (thousands of characters) overflow the stack.
  private static final Pattern LABEL =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]++|\\\\.)*+)\"");
  private static final Pattern GROUP_REF = Pattern.compile("\\$\\{(\\d+)\\}|\\$(\\d+)");
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** One sample: a series (name and labels) and its value. */
  public record Sample(String name, Map<String, String> labels, double value) {}

  private final List<Sample> samples;

  private PrometheusText(List<Sample> samples) {
    this.samples = samples;
  }

  /** Parses a scrape's body. */
  public static PrometheusText parse(String body) {
    List<Sample> samples = new ArrayList<>();
    for (String line : body.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      Matcher m = SAMPLE.matcher(line.trim());
      if (!m.matches()) {
        throw new IllegalArgumentException("Not a Prometheus sample line: " + line);
      }
      Map<String, String> labels = new LinkedHashMap<>();
      if (m.group(3) != null) {
        Matcher l = LABEL.matcher(m.group(3));
        while (l.find()) {
          labels.put(l.group(1), l.group(2).replace("\\\"", "\"").replace("\\\\", "\\"));
        }
      }
      samples.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(4))));
    }
    return new PrometheusText(samples);
  }

  /** GETs {@code url}; the status and body. */
  public static HttpResponse<String> get(String url) throws IOException, InterruptedException {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Scrapes {@code url} (an endpoint's /metrics); empty when it does not answer 200. */
  public static PrometheusText scrape(String url) {
    try {
      HttpResponse<String> response = get(url);
      return response.statusCode() == 200 ? parse(response.body()) : new PrometheusText(List.of());
    } catch (IOException e) {
      return new PrometheusText(List.of());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public List<Sample> samples() {
    return samples;
  }

  /** The names of the series present. */
  public Set<String> names() {
    Set<String> names = new TreeSet<>();
    samples.forEach(s -> names.add(s.name()));
    return names;
  }

  /** The sum of the samples of {@code name} whose label {@code label} is {@code value}. */
  public double sum(String name, String label, String value) {
    return sum(name, Map.of(label, value));
  }

  /** The sum of the samples of {@code name} that have every label of {@code labels}. */
  public double sum(String name, Map<String, String> labels) {
    return samples.stream()
        .filter(
            s ->
                s.name().equals(name)
                    && labels.entrySet().stream()
                        .allMatch(l -> l.getValue().equals(s.labels().get(l.getKey()))))
        .mapToDouble(Sample::value)
        .sum();
  }

  /**
   * Applies relabelling rules (each a map of a {@code metric_relabel_configs} entry) to every
   * sample, as Prometheus does after a scrape: {@code source_labels} joined by {@code separator},
   * fully matched by {@code regex}, and on a match {@code target_label} set to {@code replacement}
   * with {@code $1}... expanded. Only the {@code replace} action.
   */
  public PrometheusText relabel(List<Map<String, Object>> rules) {
    List<Sample> out = new ArrayList<>();
    for (Sample sample : samples) {
      Map<String, String> labels = new LinkedHashMap<>(sample.labels());
      labels.put("__name__", sample.name());
      for (Map<String, Object> rule : rules) {
        Object action = rule.getOrDefault("action", "replace");
        if (!"replace".equals(action)) {
          throw new IllegalArgumentException("Only action replace is supported here: " + rule);
        }
        @SuppressWarnings("unchecked")
        List<String> sources = (List<String>) rule.get("source_labels");
        String separator = (String) rule.getOrDefault("separator", ";");
        List<String> values = new ArrayList<>();
        for (String source : sources) {
          values.add(labels.getOrDefault(source, ""));
        }
        Matcher m =
            Pattern.compile((String) rule.getOrDefault("regex", "(.*)"))
                .matcher(String.join(separator, values));
        if (m.matches()) {
          String replacement = (String) rule.getOrDefault("replacement", "$1");
          labels.put((String) rule.get("target_label"), expand(replacement, m));
        }
      }
      String name = labels.remove("__name__");
      out.add(new Sample(name, labels, sample.value()));
    }
    return new PrometheusText(out);
  }

  /** A replacement with {@code $N} and {@code ${N}} replaced by the match's groups. */
  private static String expand(String replacement, Matcher match) {
    Matcher ref = GROUP_REF.matcher(replacement);
    StringBuilder out = new StringBuilder();
    while (ref.find()) {
      int group = Integer.parseInt(ref.group(1) != null ? ref.group(1) : ref.group(2));
      String value = group <= match.groupCount() ? match.group(group) : "";
      ref.appendReplacement(out, Matcher.quoteReplacement(value == null ? "" : value));
    }
    ref.appendTail(out);
    return out.toString();
  }
}
