package io.datalake.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The no-regression guard: every figure of a run flattened to a name ({@code
 * batch.<variant>.<records>.recordsPerSecond}, {@code streaming.<rate>.clickhouseP95Seconds},
 * {@code streaming.<rate>.loaded<N>.clickhouseP95Seconds} of a run beside N busy processes, ...),
 * recorded to a file with {@code --record} (it/bench-results/recorded.json by default) and compared
 * with the recorded ones on every run: a figure worse by more than {@link #THRESHOLD} is listed.
 * Rates and ratios are better higher; seconds, memory, lag and losses lower.
 *
 * <p>An absolute figure compares the machine as much as the code: on a machine 3 x slower per CPU
 * second (2026-12-04) every rate and every time was listed, the baselines' too. So each batch
 * variant also has its ratio to the N-thread baseline of the same size in the same run ({@code
 * batch.<variant>.<records>.vsBaselineNt}), which a slower machine moves far less, and the recorded
 * side's ratio is derived from its recorded rates the same way (recorded files before these figures
 * compare too). {@link #machineSpeed} says how fast the machine ran against the recorded one, by
 * the 1-thread baseline.
 */
final class Figures {
  private Figures() {}

  /** Worse by more than this fraction of the recorded value counts as a regression. */
  static final double THRESHOLD = 0.10;

  private static final ObjectMapper JSON =
      com.fasterxml.jackson.databind.json.JsonMapper.builder()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .enable(com.fasterxml.jackson.core.json.JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
          .build();

  /** What {@code --record} keeps: when and where the figures were measured, and the figures. */
  public record Recorded(
      String started,
      Map<String, String> machine,
      Map<String, String> settings,
      Map<String, Double> figures) {}

  /** Every figure of the run by name; figures that were not measured (NaN) are left out. */
  static Map<String, Double> of(Results r) {
    Map<String, Double> f = new LinkedHashMap<>();
    for (Results.BatchRun s : r.startup) {
      if (s.ok()) {
        put(f, "startup." + s.variant() + ".wallSeconds", s.wallSeconds());
      }
    }
    for (Results.BatchRun b : r.batch) {
      if (!b.ok()) {
        continue;
      }
      String k = "batch." + b.variant() + "." + b.records() + ".";
      put(f, k + "recordsPerSecond", b.recordsPerSecond());
      put(f, k + "steadySeconds", b.steadySeconds());
      put(f, k + "wallSeconds", b.wallSeconds());
      put(f, k + "peakRssMb", b.rssBytes() / 1e6);
      put(f, k + "peakHeapMb", b.heapPeakBytes() / 1e6);
    }
    for (Results.StreamRun s : r.streaming) {
      // A loaded run's figures are apart, by the number of busy processes: another load is
      // another measurement.
      String k =
          "streaming." + s.offeredRate() + (s.loaded() ? ".loaded" + s.loadProcesses() + "." : ".");
      put(f, k + "sustainedPerSecond", s.sustainedPerSecond());
      if (s.throughputPerSecond() != null) {
        put(f, k + "throughputPerSecond", s.throughputPerSecond());
      }
      put(f, k + "clickhouseP50Seconds", s.clickhouseFreshness()[0]);
      put(f, k + "clickhouseP95Seconds", s.clickhouseFreshness()[1]);
      put(f, k + "clickhouseP99Seconds", s.clickhouseFreshness()[2]);
      put(f, k + "parquetP95Seconds", s.parquetFreshness()[1]);
      put(f, k + "maxLag", s.maxLag());
      put(f, k + "notSeen", s.lost());
      put(f, k + "peakRssMb", s.rssBytes() / 1e6);
    }
    return withRatios(f);
  }

  private static final String RATE = ".recordsPerSecond";
  private static final String RATIO = ".vsBaselineNt";

  /**
   * The figures and each batch variant's ratio to the N-thread baseline ({@code baseline-<N>t}, N
   * &gt; 1) of the same size among them, from the figures' own rates: the same for a run and for a
   * recorded file, whenever it was recorded. The baselines themselves have none; the 1-thread
   * baseline has one (the yardstick's scaling).
   */
  static Map<String, Double> withRatios(Map<String, Double> figures) {
    Map<String, Double> f = new LinkedHashMap<>(figures);
    Map<String, Double> baselineNt = new LinkedHashMap<>();
    for (Map.Entry<String, Double> e : figures.entrySet()) {
      String[] n = batchRate(e.getKey());
      if (n != null && isBaselineNt(n[0])) {
        baselineNt.put(n[1], e.getValue());
      }
    }
    for (Map.Entry<String, Double> e : figures.entrySet()) {
      String[] n = batchRate(e.getKey());
      Double base = n == null ? null : baselineNt.get(n[1]);
      if (base != null && base > 0 && !isBaselineNt(n[0])) {
        put(f, "batch." + n[0] + "." + n[1] + RATIO, e.getValue() / base);
      }
    }
    return f;
  }

  /**
   * Whether a run's variant is the N-thread baseline ({@code baseline-<N>t}, N &gt; 1): the
   * report's yardstick "baseline-Nt" and the base of the ratio figures.
   */
  static boolean isBaselineNt(String variant) {
    return variant.startsWith("baseline-") && !variant.equals("baseline-1t");
  }

  /** {variant, records} of a {@code batch.<variant>.<records>.recordsPerSecond}; null otherwise. */
  private static String[] batchRate(String figure) {
    if (!figure.startsWith("batch.") || !figure.endsWith(RATE)) {
      return null;
    }
    String middle = figure.substring("batch.".length(), figure.length() - RATE.length());
    int dot = middle.lastIndexOf('.');
    return dot <= 0 ? null : new String[] {middle.substring(0, dot), middle.substring(dot + 1)};
  }

  /** Whether a figure is a ratio to the same run's baseline (code) rather than absolute. */
  static boolean isRatio(String figure) {
    return figure.endsWith(RATIO);
  }

  /**
   * The 1-thread baseline's rate now over its recorded rate, per size both have (records to the
   * factor): below 1 the machine ran slower than the recorded one, which every absolute figure
   * shows beside what the code did. Empty when either side has no 1-thread baseline.
   */
  static Map<Long, Double> machineSpeed(Map<String, Double> recorded, Map<String, Double> now) {
    Map<Long, Double> speed = new java.util.TreeMap<>();
    for (Map.Entry<String, Double> e : now.entrySet()) {
      String[] n = batchRate(e.getKey());
      Double was = recorded.get(e.getKey());
      if (n != null && n[0].equals("baseline-1t") && was != null && was > 0) {
        speed.put(Long.parseLong(n[1]), e.getValue() / was);
      }
    }
    return speed;
  }

  private static void put(Map<String, Double> f, String name, double value) {
    if (!Double.isNaN(value) && !Double.isInfinite(value)) {
      f.put(name, value);
    }
  }

  /**
   * Rates and ratios to the baseline are better higher; every other figure (seconds, MB, lag,
   * records not seen) lower.
   */
  static boolean higherIsBetter(String figure) {
    return figure.endsWith("PerSecond") || isRatio(figure);
  }

  /**
   * The figures worse than recorded by more than the threshold. A figure recorded as 0 (no lag,
   * nothing lost) counts as worse when it is now above 0.
   */
  static List<Results.Regression> compare(Map<String, Double> recorded, Map<String, Double> now) {
    List<Results.Regression> out = new ArrayList<>();
    Map<String, Double> wasWithRatios = withRatios(recorded);
    for (Map.Entry<String, Double> e : now.entrySet()) {
      Double was = wasWithRatios.get(e.getKey());
      if (was == null) {
        continue;
      }
      double v = e.getValue();
      boolean higher = higherIsBetter(e.getKey());
      double worse = higher ? was - v : v - was;
      double percent = was == 0 ? (worse > 0 ? Double.POSITIVE_INFINITY : 0) : 100 * worse / was;
      if (worse > 0 && (was == 0 || worse > THRESHOLD * Math.abs(was))) {
        out.add(new Results.Regression(e.getKey(), was, v, percent, higher));
      }
    }
    return out;
  }

  static Recorded load(Path file) throws IOException {
    return JSON.readValue(file.toFile(), Recorded.class);
  }

  static void save(Path file, Results r) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    JSON.writeValue(
        file.toFile(),
        new Recorded(r.started, r.machine, r.settings, new LinkedHashMap<>(r.figures)));
  }

  /** One line per regression, for the console and results.md. */
  static String describe(Results.Regression g) {
    return String.format(
        Locale.ROOT,
        "%s: %s now, %s recorded (%s worse; %s is better)",
        g.figure(),
        number(g.now()),
        number(g.recorded()),
        Double.isInfinite(g.worsePercent())
            ? "was 0"
            : String.format(Locale.ROOT, "%.1f%%", g.worsePercent()),
        g.higherIsBetter() ? "higher" : "lower");
  }

  private static String number(double v) {
    return Math.abs(v) >= 100
        ? String.format(Locale.ROOT, "%,.0f", v)
        : String.format(Locale.ROOT, "%.2f", v);
  }
}
