package io.datalake.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/** results.md (tables, targets, profile, method) and chart.svg from the results. */
final class Report {
  private Report() {}

  static void write(Path out, Results r) throws IOException {
    Files.writeString(out.resolve("results.md"), markdown(r));
    Files.writeString(out.resolve("chart.svg"), svg(r));
    Files.writeString(out.resolve("readme-section.md"), readme(r));
  }

  /**
   * A compact version for the README: the machine, the tables without the long checks, the targets.
   */
  static String readme(Results r) {
    StringBuilder md = new StringBuilder();
    Map<String, String> m = r.machine;
    md.append(
        String.format(
            "Latest results: %s, on %s, %s cores, %s RAM, %s, %s (load average at the start %s; the machine"
                + " was shared with other jobs, so timings are noisy). Settings: %s, `-Xmx%s`, %s.%n%n",
            r.started,
            m.get("cpu"),
            m.get("cores"),
            m.get("memory"),
            m.get("os"),
            m.get("java"),
            m.get("load"),
            "sizes "
                + r.settings.get("sizes")
                + ", rates "
                + r.settings.get("rates")
                + "/s for "
                + r.settings.get("duration"),
            r.settings.getOrDefault("heap", "1g"),
            "streaming window "
                + r.settings.get("window")
                + ", out-of-orderness "
                + r.settings.get("maxOutOfOrderness")));
    md.append(
        "| variant | records | wall s | start-up s | steady s | records/s | MB/s | × baseline-1t | × baseline-Nt | × duckdb | × clickhouse-bulk | peak RSS MB | heap peak / live MB | |\n");
    md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
    for (Results.BatchRun b : inVariantOrder(r.batch)) {
      boolean rate = b.ok() && b.recordsPerSecond() > 0;
      String status =
          b.ok()
              ? "ok"
              : b.check().contains("OutOfMemoryError") ? "**OutOfMemoryError**" : "**failed**";
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %,d | %.1f | %.1f | %.1f | %s | %s | %s | %s | %s / %s | %s |%n",
              b.variant(),
              b.records(),
              b.wallSeconds(),
              b.startupSeconds(),
              b.steadySeconds(),
              rate ? String.format("%,.0f", b.recordsPerSecond()) : "-",
              rate ? String.format(Locale.ROOT, "%.1f", b.mbPerSecond()) : "-",
              ratioCells(r, b),
              Bench.mb(b.rssBytes()),
              Bench.mb(b.heapPeakBytes()),
              Bench.mb(b.heapLiveBytes()),
              status));
    }
    if (!r.streaming.isEmpty()) {
      md.append(
          "\n| offered rec/s | sustained rec/s | the job's rec/s | ClickHouse freshness p50 / p95 / p99 s | Parquet file p50 / p95 / p99 s | lag | start-up s | peak RSS MB | heap peak / live MB |\n");
      md.append("|---:|---:|---:|---|---|---|---:|---:|---:|\n");
      for (Results.StreamRun s : r.streaming) {
        md.append(
            String.format(
                Locale.ROOT,
                "| %s | %,.0f | %s | %s / %s / %s | %s / %s / %s | %s | %.1f | %s | %s / %s |%n",
                offered(s),
                s.sustainedPerSecond(),
                rate(s.throughputPerSecond()),
                f2(s.clickhouseFreshness()[0]),
                f2(s.clickhouseFreshness()[1]),
                f2(s.clickhouseFreshness()[2]),
                f1(s.parquetFreshness()[0]),
                f1(s.parquetFreshness()[1]),
                f1(s.parquetFreshness()[2]),
                s.lagGrowing() ? "**growing**" : "flat",
                s.startupSeconds(),
                Bench.mb(s.rssBytes()),
                Bench.mb(s.heapPeakBytes()),
                Bench.mb(s.heapLiveBytes())));
      }
    }
    md.append("\nTargets (2 cores):\n\n").append(targets(r));
    return md.toString();
  }

  /** The size shown in the main table: the one most variants ran at (the larger on a tie). */
  static long mainSize(Results r) {
    Map<Long, Integer> variants = new LinkedHashMap<>();
    for (Results.BatchRun b : r.batch) {
      variants.merge(b.records(), 1, Integer::sum);
    }
    return variants.entrySet().stream()
        .max(
            Comparator.<Map.Entry<Long, Integer>>comparingInt(Map.Entry::getValue)
                .thenComparingLong(Map.Entry::getKey))
        .map(Map.Entry::getKey)
        .orElse(0L);
  }

  private static int order(String variant) {
    return switch (variant) {
      case "baseline-1t" -> 0;
      case "duckdb" -> 2;
      case "clickhouse-bulk" -> 3;
      case "direct" -> 4;
      case "flink" -> 5;
      case "flink-s3-ch" -> 6;
      default -> variant.startsWith("baseline-") ? 1 : 9;
    };
  }

  /** records/s of the baseline with the given cores at the given size, or NaN. */
  private static double baselineRps(Results r, long records, int cores) {
    return r.batch.stream()
        .filter(
            b ->
                b.records() == records
                    && b.variant().startsWith("baseline-")
                    && b.cores() == cores
                    && b.ok()
                    && b.recordsPerSecond() > 0)
        .mapToDouble(Results.BatchRun::recordsPerSecond)
        .findFirst()
        .orElse(Double.NaN);
  }

  /** records/s of a yardstick variant at a size (the N-thread baseline: "baseline-Nt"), or NaN. */
  private static double yardstickRps(Results r, long records, String variant) {
    return r.batch.stream()
        .filter(
            b ->
                b.records() == records
                    && (variant.equals("baseline-Nt")
                        ? Figures.isBaselineNt(b.variant())
                        : b.variant().equals(variant))
                    && b.ok()
                    && b.recordsPerSecond() > 0)
        .mapToDouble(Results.BatchRun::recordsPerSecond)
        .findFirst()
        .orElse(Double.NaN);
  }

  /** Every rated batch run against the four yardsticks of its size. */
  static List<Results.Ratios> ratios(Results r) {
    List<Results.Ratios> out = new ArrayList<>();
    for (Results.BatchRun b : inVariantOrder(r.batch)) {
      double v = b.ok() && b.recordsPerSecond() > 0 ? b.recordsPerSecond() : Double.NaN;
      out.add(
          new Results.Ratios(
              b.variant(),
              b.records(),
              v,
              v / yardstickRps(r, b.records(), "baseline-1t"),
              v / yardstickRps(r, b.records(), "baseline-Nt"),
              v / yardstickRps(r, b.records(), "duckdb"),
              v / yardstickRps(r, b.records(), "clickhouse-bulk")));
    }
    return out;
  }

  /** The four ratio cells of a run: × baseline-1t, × baseline-Nt, × duckdb, × clickhouse-bulk. */
  private static String ratioCells(Results r, Results.BatchRun b) {
    boolean rate = b.ok() && b.recordsPerSecond() > 0;
    StringBuilder cells = new StringBuilder();
    for (String y : YARDSTICKS) {
      double base = yardstickRps(r, b.records(), y);
      cells
          .append(cells.length() == 0 ? "" : " | ")
          .append(
              rate && base > 0
                  ? String.format(Locale.ROOT, "%.2f", b.recordsPerSecond() / base)
                  : "-");
    }
    return cells.toString();
  }

  /**
   * The regressions against the recorded figures in two lists: the ratios to the same run's
   * N-thread baseline, which measure the code, and the absolute figures, which measure the code and
   * the machine; first how fast the machine ran against the recorded one.
   */
  static String againstRecorded(Results r) {
    if (r.recordedFrom == null) {
      return "No recorded figures to compare with (`./datalake bench --record` keeps them).\n";
    }
    StringBuilder md = new StringBuilder();
    if (!r.machineSpeed.isEmpty()) {
      double slowest = r.machineSpeed.values().stream().mapToDouble(x -> x).min().orElse(1);
      double fastest = r.machineSpeed.values().stream().mapToDouble(x -> x).max().orElse(1);
      StringBuilder each = new StringBuilder();
      r.machineSpeed.forEach(
          (records, x) ->
              each.append(each.length() == 0 ? "" : ", ")
                  .append(String.format(Locale.ROOT, "%.2f × at %,d records", x, records)));
      md.append(
          String.format("The 1-thread baseline's records/s over its recorded ones: %s. ", each));
      md.append(
          slowest < 1 - Figures.THRESHOLD
              ? "This machine ran slower than the recorded run's, so the absolute figures below"
                  + " compare the machines as much as the code; the ratios to this run's own"
                  + " baseline compare the code.\n\n"
              : fastest > 1 + Figures.THRESHOLD
                  ? "This machine ran faster than the recorded run's, which hides a regression in"
                      + " the absolute figures; the ratios to this run's own baseline compare the"
                      + " code.\n\n"
                  : "The machine ran about as fast as the recorded run's.\n\n");
    }
    List<Results.Regression> ratios =
        r.regressions.stream().filter(g -> Figures.isRatio(g.figure())).toList();
    List<Results.Regression> absolute =
        r.regressions.stream().filter(g -> !Figures.isRatio(g.figure())).toList();
    long ratiosCompared = r.figures.keySet().stream().filter(Figures::isRatio).count();
    md.append(
        regressionList(
            "Ratios to the same run's N-thread baseline (the code)",
            ratios,
            ratiosCompared,
            r.recordedFrom));
    md.append(
        regressionList(
            "Absolute figures (the code and the machine)",
            absolute,
            r.figures.size() - ratiosCompared,
            r.recordedFrom));
    return md.toString();
  }

  private static String regressionList(
      String title, List<Results.Regression> worse, long compared, String recordedFrom) {
    StringBuilder md = new StringBuilder("**").append(title).append("**: ");
    if (worse.isEmpty()) {
      md.append(
          String.format(
              Locale.ROOT,
              "none more than %.0f%% worse than recorded in %s (%d figures of this run).%n%n",
              100 * Figures.THRESHOLD,
              recordedFrom,
              compared));
      return md.toString();
    }
    md.append(
        String.format(
            Locale.ROOT,
            "%d more than %.0f%% worse than recorded in %s:%n%n",
            worse.size(),
            100 * Figures.THRESHOLD,
            recordedFrom));
    for (Results.Regression g : worse) {
      md.append("- ").append(Figures.describe(g)).append('\n');
    }
    return md.append('\n').toString();
  }

  private static final List<String> YARDSTICKS =
      List.of("baseline-1t", "baseline-Nt", "duckdb", "clickhouse-bulk");

  static String markdown(Results r) {
    StringBuilder md = new StringBuilder();
    Map<String, String> m = r.machine;
    md.append("# datalake benchmark\n\n");
    md.append(
        String.format(
            "Run %s to %s on %s, %s cores, %s RAM, %s, %s; load average at the start %s.%n%n",
            r.started,
            r.finished == null ? "(running)" : r.finished,
            m.get("cpu"),
            m.get("cores"),
            m.get("memory"),
            m.get("os"),
            m.get("java"),
            m.get("load")));
    md.append("Settings: ");
    List<String> settings = new ArrayList<>();
    r.settings.forEach((k, v) -> settings.add("`" + k + "=" + v + "`"));
    md.append(String.join(", ", settings)).append(".\n\n");

    long main = mainSize(r);
    if (!r.batch.isEmpty()) {
      md.append(String.format("## Batch, %,d records%n%n", main));
      batchTable(md, r, r.batch.stream().filter(b -> b.records() == main).toList());
      TreeSet<Long> sizes = new TreeSet<>();
      r.batch.forEach(b -> sizes.add(b.records()));
      if (sizes.size() > 1) {
        md.append("\n## Scaling\n\n");
        batchTable(md, r, r.batch); // in variant order, then by size
      }
      if (!r.startup.isEmpty()) {
        md.append("\nStart-up (the same run over ")
            .append(r.startup.get(0).records())
            .append(
                " records, right before each sized run; the median of a variant's: JVM, graph,"
                    + " runner, reading back the summary, shutdown): ");
        List<String> parts = new ArrayList<>();
        for (Results.BatchRun s : r.startup) {
          parts.add(
              String.format(
                  "%s %.1f s%s", s.variant(), s.wallSeconds(), s.ok() ? "" : " (FAILED)"));
        }
        md.append(String.join(", ", parts)).append(".\n");
      }
      cpuTable(md, r.batch);
    }
    if (!r.streaming.isEmpty()) {
      md.append("\n## Streaming (Kafka to lake and ClickHouse, FlinkRunner embedded)\n\n");
      md.append(
          "| offered rec/s | sent rec/s | sustained rec/s | the job's rec/s | MB/s | ClickHouse p50 / p95 / p99 / max s | Parquet finished p50 / p95 / p99 s | max lag | lag | not seen (CH / files) | start-up s | catch-up after the warm-up | peak RSS MB | peak heap MB | live heap MB | check |\n");
      md.append("|---:|---:|---:|---:|---:|---|---|---:|---|---|---:|---|---:|---:|---:|---|\n");
      for (Results.StreamRun s : r.streaming) {
        double seconds = s.produced() / Math.max(1e-9, s.sentPerSecond());
        md.append(
            String.format(
                Locale.ROOT,
                "| %s | %,.0f | %,.0f | %s | %.1f | %s / %s / %s / %s | %s / %s / %s | %,d | %s (%+.1f/s) | %,d / %,d | %.1f | %s | %s | %s | %s | %s |%n",
                offered(s),
                s.sentPerSecond(),
                s.sustainedPerSecond(),
                rate(s.throughputPerSecond()),
                s.producedBytes() / 1e6 / seconds,
                f2(s.clickhouseFreshness()[0]),
                f2(s.clickhouseFreshness()[1]),
                f2(s.clickhouseFreshness()[2]),
                f2(s.clickhouseFreshness()[3]),
                f1(s.parquetFreshness()[0]),
                f1(s.parquetFreshness()[1]),
                f1(s.parquetFreshness()[2]),
                s.maxLag(),
                s.lagGrowing() ? "**growing**" : "flat",
                s.lagSlopePerSecond(),
                s.lost(),
                s.lostParquet(),
                s.startupSeconds(),
                s.catchUp() == null ? "–" : s.catchUp().describe(),
                Bench.mb(s.rssBytes()),
                Bench.mb(s.heapPeakBytes()),
                Bench.mb(s.heapLiveBytes()),
                s.check()));
      }
      streamingCpuTable(md, r.streaming);
    }
    SnapshotBench.markdown(md, r);
    md.append("\n## Against the recorded figures\n\n");
    md.append(againstRecorded(r));
    md.append("\n## Targets (issues #6 and #16, 2 cores)\n\n");
    md.append(targets(r));
    if (r.profile != null) {
      md.append("\n## Profile (JFR) of ").append(r.profile.run()).append("\n\n");
      md.append(
          String.format(
              "%,d execution samples (Java threads running Java code, every 10-20 ms), from `%s`.%n%n",
              r.profile.samples(), r.profile.file()));
      md.append(
          "Self time by library (the top frame's package):\n\n| library | samples | % |\n|---|---:|---:|\n");
      for (Results.Frame f : r.profile.packages()) {
        md.append(
            String.format(
                Locale.ROOT, "| %s | %,d | %.1f |%n", f.frame(), f.samples(), f.percent()));
      }
      frameTable(md, "Top frames by self samples", r.profile.self());
      frameTable(
          md,
          "Our methods (`io.datalake`) by inclusive samples (anywhere on the stack)",
          r.profile.inclusiveOurs());
      frameTable(
          md,
          "Other methods by inclusive samples (the runner's and the threads' plumbing left out)",
          r.profile.inclusive());
    }
    if (!r.notes.isEmpty()) {
      md.append("\n## Notes\n\n");
      for (String n : r.notes) {
        md.append("- ").append(n).append('\n');
      }
    }
    md.append("\n## Method\n\n").append(METHOD);
    return md.toString();
  }

  /** A numbered table of profile frames under a heading. */
  private static void frameTable(StringBuilder md, String heading, List<Results.Frame> frames) {
    md.append("\n")
        .append(heading)
        .append(":\n\n| # | frame | samples | % |\n|---:|---|---:|---:|\n");
    int i = 1;
    for (Results.Frame f : frames) {
      md.append(
          String.format(
              Locale.ROOT,
              "| %d | `%s` | %,d | %.1f |%n",
              i++,
              f.frame(),
              f.samples(),
              f.percent()));
    }
  }

  private static void batchTable(StringBuilder md, Results r, List<Results.BatchRun> runs) {
    md.append(
        "| variant | cores | records | input MB | wall s | start-up s | steady s | Flink job s | records/s | MB/s | × baseline-1t | × baseline-Nt | × duckdb | × clickhouse-bulk | peak RSS MB | peak heap MB | live heap MB | GCs | check |\n");
    md.append(
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
    for (Results.BatchRun b : inVariantOrder(runs)) {
      boolean rate = b.ok() && b.recordsPerSecond() > 0;
      String ratio = ratioCells(r, b);
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %,d | %.1f | %.1f | %.1f | %.1f | %s | %s | %s | %s | %s | %s | %s | %d | %s |%n",
              b.variant(),
              b.cores(),
              b.records(),
              b.inputBytes() / 1e6,
              b.wallSeconds(),
              b.startupSeconds(),
              b.steadySeconds(),
              f1(b.jobSeconds()),
              rate ? String.format("%,.0f", b.recordsPerSecond()) : "-",
              rate ? String.format(Locale.ROOT, "%.2f", b.mbPerSecond()) : "-",
              ratio,
              Bench.mb(b.rssBytes()),
              Bench.mb(b.heapPeakBytes()),
              Bench.mb(b.heapLiveBytes()),
              b.gcCount(),
              b.check().replace("|", "/")));
    }
  }

  /**
   * Where the cores went in each batch run: the run's JVM and every local service, in CPU seconds
   * over the run's wall time (a run whose variant writes to ClickHouse and S3 shares the two cores
   * with their servers). Left out for results without CPU figures (recorded before they existed).
   */
  private static void cpuTable(StringBuilder md, List<Results.BatchRun> runs) {
    List<Results.BatchRun> measured =
        runs.stream().filter(b -> b.cpuSeconds() > 0 && b.serviceCpuSeconds() != null).toList();
    if (measured.isEmpty()) {
      return;
    }
    md.append(
            "\n## Where the cores went\n\nCPU seconds of the run's JVM and of each local service"
                + " during the run (from `/proc/<pid>/stat`), and all of them over the run's wall"
                + " time: the cores the run kept busy, of the machine's ")
        .append(Runtime.getRuntime().availableProcessors())
        .append(
            ". The JVM's CPU split by its threads (`/proc/<pid>/task/*/stat`, each thread's last"
                + " reading, every second): work = every application thread (the workers,"
                + " the runner, the start-up), JIT = the C1 and C2 compiler threads, GC = the"
                + " collector's threads; the last second of a thread that ended is missed.\n\n");
    md.append(
        "| variant | records | wall s | JVM CPU s | of it: work s | JIT s | GC s | ClickHouse CPU s | S3Proxy CPU s | Kafka CPU s | PostgreSQL CPU s | cores busy |\n");
    md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Results.BatchRun b : inVariantOrder(measured)) {
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %,d | %.1f | %.1f | %s | %s | %s | %s | %s | %s | %s | %.2f |%n",
              b.variant(),
              b.records(),
              b.wallSeconds(),
              b.cpuSeconds(),
              f1(threadCpu(b, "app")),
              f1(threadCpu(b, "jit")),
              f1(threadCpu(b, "gc")),
              f1(b.serviceCpuSeconds().getOrDefault("clickhouse", Double.NaN)),
              f1(b.serviceCpuSeconds().getOrDefault("s3proxy", Double.NaN)),
              f1(b.serviceCpuSeconds().getOrDefault("kafka", Double.NaN)),
              f1(b.serviceCpuSeconds().getOrDefault("postgres", Double.NaN)),
              b.coresBusy()));
    }
  }

  /**
   * Where each stream's cores went in the second half of its measured period, the half whose rows
   * the job's rate counts: the pipeline JVM by its threads, its CPU per row of that rate (a
   * stream's cost per row, apart from the cores it got), and the processes beside it. Left out for
   * results from before it.
   */
  private static void streamingCpuTable(StringBuilder md, List<Results.StreamRun> runs) {
    List<Results.StreamRun> measured =
        runs.stream().filter(s -> s.coresInSecondHalf() != null).toList();
    if (measured.isEmpty()) {
      return;
    }
    md.append(
        "\nWhere a stream's cores went in the second half of the measured period (from"
            + " `/proc/<pid>/stat` and the pipeline JVM's `/proc/<pid>/task/*/stat` at its start"
            + " and end), in cores (CPU seconds over the half's seconds); the pipeline's CPU per"
            + " row is its CPU over the rows the job's rate counts in the same half; the load's"
            + " cores are over the whole measured period, as in the targets:\n\n");
    md.append(
        "| offered rec/s | seconds | the job's rec/s | pipeline cores | of it: work | JIT | GC | pipeline CPU ms per row | ClickHouse cores | Kafka cores | benchmark cores | load cores |\n");
    md.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Results.StreamRun s : measured) {
      Results.CoresUsed c = s.coresInSecondHalf();
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %.0f | %s | %.2f | %.2f | %.2f | %.2f | %s | %s | %s | %.2f | %.2f |%n",
              offered(s),
              c.seconds(),
              rate(s.throughputPerSecond()),
              c.cores(c.pipelineTotal()),
              c.pipelineCores("app"),
              c.pipelineCores("jit"),
              c.pipelineCores("gc"),
              f2(c.pipelineMsPerRow(s.throughputPerSecond())),
              f2(c.serviceCores("clickhouse")),
              f2(c.serviceCores("kafka")),
              c.cores(c.benchmarkCpuSeconds()),
              s.loadCores()));
    }
  }

  /** CPU seconds of the run JVM's threads of one kind (app, jit, gc); NaN when not measured. */
  private static double threadCpu(Results.BatchRun b, String kind) {
    Map<String, Double> threads = b.jvmThreadCpuSeconds();
    return threads == null || threads.isEmpty() ? Double.NaN : threads.getOrDefault(kind, 0.0);
  }

  /**
   * The run's round-by-round ratios to the N-thread baseline; null without repeats (also for a
   * results.json from before them, which loads with the field's empty list).
   */
  private static Results.PairedRatio paired(Results r, Results.BatchRun b) {
    return r.pairedRatios.stream()
        .filter(p -> p.variant().equals(b.variant()) && p.records() == b.records())
        .findFirst()
        .orElse(null);
  }

  private static String roundRatios(Results.PairedRatio paired) {
    List<String> each = new ArrayList<>();
    paired.rounds().forEach(x -> each.add(f2(x)));
    return String.join(", ", each);
  }

  static String targets(Results r) {
    StringBuilder t = new StringBuilder();
    Results.BatchRun flink =
        r.batch.stream()
            .filter(b -> b.variant().equals("flink") && b.records() == 100_000)
            .findFirst()
            .orElse(
                r.batch.stream()
                    .filter(b -> b.variant().equals("flink") && b.records() == mainSize(r))
                    .findFirst()
                    .orElse(null));
    if (flink != null) {
      double base = baselineRps(r, flink.records(), flink.cores());
      double pct = 100 * flink.recordsPerSecond() / base;
      if (Double.isNaN(pct)) {
        t.append(
            String.format(
                Locale.ROOT,
                "- Batch on FlinkRunner at %,d records: no rate (run failed or too short).%n",
                flink.records()));
        flink = null;
      }
    }
    if (flink != null) {
      double base = baselineRps(r, flink.records(), flink.cores());
      double pct = 100 * flink.recordsPerSecond() / base;
      t.append(
          String.format(
              Locale.ROOT,
              "- Batch on FlinkRunner at %,d records ≥ 50%% of the %d-thread baseline (steady, start-up %.1f s excluded): **%.0f%%** (%,.0f vs %,.0f records/s): %s.%n",
              flink.records(),
              flink.cores(),
              flink.startupSeconds(),
              pct,
              flink.recordsPerSecond(),
              base,
              !flink.ok() ? "run FAILED" : pct >= 50 ? "met" : "**not met**"));
    } else if (r.batch.stream().noneMatch(b -> b.variant().equals("flink"))) {
      t.append("- Batch on FlinkRunner: not run.\n");
    }
    // Issue 16: against the scaling N-thread baseline, at every size run.
    for (Results.BatchRun b : inVariantOrder(r.batch)) {
      double want =
          b.variant().equals("flink") ? 0.7 : b.variant().equals("flink-s3-ch") ? 0.5 : Double.NaN;
      if (Double.isNaN(want)) {
        continue;
      }
      double ratio = b.recordsPerSecond() / yardstickRps(r, b.records(), "baseline-Nt");
      Results.PairedRatio paired = paired(r, b);
      t.append(
          String.format(
              Locale.ROOT,
              "- %s at %,d records ≥ %.1f × the %d-thread baseline: %s%s.%n",
              b.variant(),
              b.records(),
              want,
              b.cores(),
              !b.ok() || Double.isNaN(ratio)
                  ? "no rate (failed, too short, or no baseline)"
                  : String.format(
                      Locale.ROOT, "**%.2f ×**: %s", ratio, ratio >= want ? "met" : "**not met**"),
              paired == null
                  ? ""
                  : String.format(
                      Locale.ROOT,
                      " (round by round %s: median **%.2f ×**, %s)",
                      roundRatios(paired),
                      paired.median(),
                      paired.median() >= want ? "met" : "**not met**")));
    }
    // A size the local-lake batch ran at but the S3 + ClickHouse one did not (--s3-max): its
    // target is unmeasured, which the report says rather than leave the line out.
    if (r.batch.stream().anyMatch(b -> b.variant().equals("flink-s3-ch"))) {
      r.batch.stream()
          .filter(b -> b.variant().equals("flink"))
          .map(Results.BatchRun::records)
          .distinct()
          .sorted()
          .filter(
              size ->
                  r.batch.stream()
                      .noneMatch(b -> b.variant().equals("flink-s3-ch") && b.records() == size))
          .forEach(
              size ->
                  t.append(
                      String.format(
                          Locale.ROOT,
                          "- flink-s3-ch at %,d records ≥ 0.5 × the %s-thread baseline: not"
                              + " measured in this run (%s).%n",
                          size,
                          r.settings.getOrDefault("cores", "2"),
                          r.settings.containsKey("s3Max")
                              ? "--s3-max " + r.settings.get("s3Max")
                              : "above --s3-max")));
    }
    Results.StreamRun s2000 =
        r.streaming.stream()
            .filter(s -> s.offeredRate() == 2000 && !s.loaded())
            .findFirst()
            .orElse(null);
    if (s2000 != null) {
      double p95 = s2000.clickhouseFreshness()[1];
      t.append(
          String.format(
              Locale.ROOT,
              "- Streaming at 2,000 records/s: ClickHouse freshness p95 %.2f s (< 5 s: %s), lag %s (slope %+.1f records/s), %,d not seen: %s.%n",
              p95,
              p95 < 5 ? "met" : "**not met**",
              s2000.lagGrowing() ? "growing" : "flat",
              s2000.lagSlopePerSecond(),
              s2000.lost(),
              p95 < 5 && !s2000.lagGrowing() && s2000.lost() == 0 ? "met" : "**not met**"));
    } else {
      t.append("- Streaming at 2,000 records/s: not run at that rate (rates run: ")
          .append(
              r.streaming.stream()
                  .filter(s -> !s.loaded())
                  .map(s -> Integer.toString(s.offeredRate()))
                  .toList())
          .append(").\n");
    }
    streamingTargets(r, t);
    long maxHeap = 0;
    boolean failed = false;
    for (Results.BatchRun b : r.batch) {
      if (!b.variant().startsWith("baseline")) {
        maxHeap = Math.max(maxHeap, b.heapPeakBytes());
        failed |= !b.ok();
      }
    }
    for (Results.StreamRun s : r.streaming) {
      maxHeap = Math.max(maxHeap, s.heapPeakBytes());
    }
    t.append(
        String.format(
            Locale.ROOT,
            "- Pipeline JVM ≤ 1 GiB heap: every pipeline run had `-Xmx%s`; the largest heap occupancy seen was %s MB%s.%n",
            r.settings.getOrDefault("heap", "1g"),
            Bench.mb(maxHeap),
            failed ? " (some runs FAILED: see their check)" : ""));
    return t.toString();
  }

  /**
   * Issue 16's streaming targets: sustained at least 5,000 records/s (on a quiet machine), and at
   * 4,000/s offered a ClickHouse freshness p95 of at most 2.5 s with a flat lag, quiet and loaded.
   */
  static void streamingTargets(Results r, StringBuilder t) {
    if (r.streaming.isEmpty()) {
      return;
    }
    // Sustained means kept up: a run whose lag grew, that lost rows or failed shows what the
    // machine could not hold, not a rate it sustains.
    Results.StreamRun best =
        r.streaming.stream()
            .filter(s -> !s.loaded() && keptUp(s))
            .max(Comparator.comparingDouble(Results.StreamRun::sustainedPerSecond))
            .orElse(null);
    int highest =
        r.streaming.stream()
            .filter(s -> !s.loaded())
            .mapToInt(Results.StreamRun::offeredRate)
            .max()
            .orElse(0);
    String bestText =
        best == null
            ? "no quiet run kept up"
            : String.format(
                Locale.ROOT,
                "the best run that kept up: **%,.0f/s** at %,d/s offered",
                best.sustainedPerSecond(),
                best.offeredRate());
    t.append(
        String.format(
            Locale.ROOT,
            "- Streaming sustained ≥ 5,000 records/s: %s; %s.%n",
            bestText,
            best != null && best.sustainedPerSecond() >= 5000
                ? "met"
                : highest < 5000
                    ? String.format(
                        Locale.ROOT,
                        "**not met** (not offered: %,d/s the highest rate run)",
                        highest)
                    : "**not met**"));
    for (boolean loaded : new boolean[] {false, true}) {
      Results.StreamRun s4000 =
          r.streaming.stream()
              .filter(s -> s.offeredRate() == 4000 && s.loaded() == loaded)
              .findFirst()
              .orElse(null);
      if (s4000 == null) {
        t.append(
            loaded
                ? "- Streaming at 4,000 records/s, machine loaded: not run (`--load 1`).\n"
                : "- Streaming at 4,000 records/s: not run at that rate.\n");
        continue;
      }
      double p95 = s4000.clickhouseFreshness()[1];
      boolean met = p95 <= 2.5 && keptUp(s4000);
      t.append(
          String.format(
              Locale.ROOT,
              "- Streaming at 4,000 records/s%s: ClickHouse freshness p95 %s s (≤ 2.5 s), lag %s"
                  + " (slope %+.1f records/s), sustained %,.0f/s (the job: %s/s), %,d not seen:"
                  + " %s.%n",
              loaded
                  ? String.format(
                      Locale.ROOT,
                      ", loaded by %s, which used %.2f core",
                      BusyLoad.describe(s4000.loadProcesses()),
                      s4000.loadCores())
                  : "",
              f2(p95),
              s4000.lagGrowing() ? "growing" : "flat",
              s4000.lagSlopePerSecond(),
              s4000.sustainedPerSecond(),
              rate(s4000.throughputPerSecond()),
              s4000.lost(),
              met ? "met" : "**not met**"));
    }
  }

  /** A run that held its offered rate: ran to the end, flat lag, every row seen. */
  private static boolean keptUp(Results.StreamRun s) {
    return s.ok() && !s.lagGrowing() && s.lost() == 0;
  }

  /** The offered rate, and the load beside it when other processes loaded the machine. */
  static String offered(Results.StreamRun s) {
    return s.loaded()
        ? String.format(
            Locale.ROOT, "%,d, loaded (%.2f core used by the load)", s.offeredRate(), s.loadCores())
        : String.format(Locale.ROOT, "%,d", s.offeredRate());
  }

  /** A rate in records/s; "-" where a run has none (NaN, or null in results from before it). */
  private static String rate(Double v) {
    return v == null || v.isNaN() ? "-" : String.format(Locale.ROOT, "%,.0f", v);
  }

  private static String f2(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f", v);
  }

  private static String f1(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.1f", v);
  }

  private static final String METHOD =
      """
      - **Input**: `--events`/`--sizes` records of the 7 kinds in equal numbers (event *n* is of kind *n* mod 7), made by
        `EventGenerator` (the generator of `./datalake produce`) from the bundled samples (themselves from the published
        fixtures): VTEX orders ~14 KB, entity operations 0.4-4 KB, workflow executions ~2 KB, sessions and events ~0.3 KB.
        Fixed seed, fixed clock (event times spread over 2025-03-01), ids that embed *n*: the same size gives the same
        bytes. 4 JSON lines files per kind. Generated once per size and kept.
      - **Variants**, each a separate JVM with `-Xmx` as in the settings and G1: `baseline-1t` / `baseline-Nt` are plain
        Java (no Beam) doing the same per-record work with the project's classes (Jackson parse, dropped fields,
        PiiEncryptor with Tink AES-SIV, RecordMappers, JsonTyper to Avro, LakePaths) and writing the same Parquet files
        with parquet-avro's AvroParquetWriter (same schemas, SNAPPY, 64 MB row groups, one file per partition, temporary
        name then rename), on 1 thread and on one worker per core (`baseline-Nt`: one reader thread hands batches of
        256 lines to the workers through a bounded queue; each worker writes its own file per partition, no shared
        lock). `direct` is the pipeline on the DirectRunner (`--targetParallelism` = cores), `flink` on the embedded
        FlinkRunner (`--flinkMaster=[local] --parallelism` = cores) to a local lake, `flink-s3-ch` the same to S3Proxy
        and ClickHouse (a fresh database per run).
      - **Outside peers**, each its own JVM on the same input, timing its own work (the rest of its wall time is its
        start-up): `duckdb` is DuckDB (JDBC, in-process, threads = cores) writing each kind's records with their
        top-level fields (columns named from the kind's first record, nested values as JSON) to the kind's primary
        table as the same Hive partitions (`COPY ... PARTITION_BY (org_id, year, month, day)`, SNAPPY): no child
        tables, PII, dropped fields, typing rules or dead letters, so a floor for JSON to partitioned Parquet here;
        checked to give each primary table the baseline's rows and partitions. `clickhouse-bulk` is ClickHouse's own
        bulk insert of the pipeline's warehouse rows (made with the project's parser and warehouse column
        definitions, spooled to files, untimed): one `INSERT ... FORMAT JSONEachRow` over HTTP per table into tables
        made by `prepareSchema` in a scratch database; timed from the first request to the last answer; checked
        like `flink-s3-ch`. Its records/s is input records / insert time: the warehouse sink's limit on this server.
      - **Ratios**: every rated run's records/s divided by the 1-thread baseline's, the N-thread baseline's,
        DuckDB's and ClickHouse bulk's, all at the same size in the same run.
      - **No regression**: every figure (rates, steady, wall and start-up seconds, peak memory, streaming
        freshness, lag, records not seen) is compared by name with the recorded ones (`--record` keeps them, in
        it/bench-results/recorded.json by default); a figure worse by more than 10% is listed above, each batch
        variant's ratio to the same run's N-thread baseline (the code) apart from the absolute figures (the code
        and the machine), after the 1-thread baseline's rate over its recorded one (how fast the machine ran). With
        `--repeat N` every batch figure, start-up included, is the median run's and each streaming rate's the run
        of median ClickHouse p95.
      - **Checks**: every pipeline run must exit 0 (the pipeline itself fails when its summary does not balance). Each
        local lake is compared with the baseline lake of the same input: rows, Parquet schema, partitions and codecs per
        table, dead letters. The ClickHouse run's rows per table are compared with the baseline lake's.
      - **Start-up vs steady**: right before each sized run, the same variant runs over a tiny input (10 records per
        kind); that run's wall time is the sized run's start-up (JVM, graph construction, runner start, reading the
        summary back, shutdown), measured in the same minute of a drifting machine; the start-up shown is the median
        of a variant's start-up runs. Steady time = wall time − start-up; records/s = records / steady time; MB/s = input bytes / steady time (no rate when the steady
        time is under 1 s or 10% of the wall time: too short to tell from noise). The ratio compares with the baseline
        with the same number of cores (1 for baseline-1t, all for the others), at the same size. "Flink job s" is the
        Flink job's own time from RUNNING to FINISHED (its log), without the JVM, the graph, the mini-cluster and the
        summary.
      - **Memory**: peak RSS = max of VmRSS sampled every 200 ms and VmHWM from `/proc/<pid>/status`. Heap from the
        child's GC log (`-Xlog:gc`): peak heap = largest occupancy before a collection or at exit (what the heap had to
        hold, garbage included); live heap = largest occupancy after a collection.
      - **Streaming**: fresh topics (one per kind, partitions = cores) and a fresh ClickHouse database per rate. The
        pipeline (`--source=kafka`, FlinkRunner embedded, `--checkpointingInterval=10000`, the window settings above,
        other options at their defaults) starts first; a 20/s warm-up trickle runs until its first row shows in ClickHouse
        (= start-up). Then events are produced at the offered rate, first for the warm-up (`--warmup`, not measured: the
        JVM's first seconds run interpreted code), then on at that rate, still unmeasured, until the job is at most 5 s
        behind the producer (the newest warm-up event of each kind in ClickHouse, asked once a second), gains less than
        1 s on it in 30 s, or for `--catch-up` seconds at most ("catch-up after the warm-up": how long; "still N s
        behind": the measured events wait behind a start-up backlog), then for the duration, each one's send time kept. The producer fills ids and event times into events
        made ahead from the generator of `./datalake produce` (64 per kind), so that it takes little of the machine's
        CPU from the pipeline. A poller queries ClickHouse every 250 ms for the primary rows not seen yet (ids embed the
        event number, so one range query per table; ids missing for over 30 s are looked up every second, by ranges over
        runs of 2,000 of them), a watcher lists the lake's finished Parquet files every 500 ms and reads their ids. Freshness
        = first seen − sent (resolution 250 ms for ClickHouse, 500 ms for files); the lake's freshness is bounded below by
        the event-time window and the allowed out-of-orderness by design. After the offered period the run drains until
        every event is seen (or window + out-of-orderness + 60 s). Sustained = rows that became visible in ClickHouse in
        the second half of the offered period, per second; the job's rate = rows of every record (the warm-up's backlog
        too) that reached ClickHouse in the same half, per second: reading in the order produced, a job with a backlog
        works through older records first, and only this rate says how fast it goes. Lag = sent − visible in ClickHouse, sampled every second;
        "growing" when its least-squares slope over the second half exceeds 2% of the rate (and 5 records/s).
      - The benchmark JVM (producer, poller, watcher) and ClickHouse, Kafka and S3Proxy run on the same machine as the
        measured JVM; timings on a shared machine are noisy.
      """;

  // --------------------------------------------------------------------------------- chart --

  static String svg(Results r) {
    // Left: records/s (steady) of every rated run, by variant then size; right: freshness vs rate.
    List<Results.BatchRun> runs =
        inVariantOrder(r.batch.stream().filter(b -> b.ok() && b.recordsPerSecond() > 0).toList());
    int width = 1120;
    int height = Math.max(430, 90 + runs.size() * 30);
    StringBuilder s = new StringBuilder();
    s.append(
        String.format(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n",
            width, height));
    s.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    int x0 = 170;
    int y0 = 50;
    int barW = 250;
    s.append(
        "<text x=\"20\" y=\"25\" font-size=\"14\" font-weight=\"bold\">Batch: records/s, steady (start-up excluded)</text>\n");
    double max = runs.stream().mapToDouble(Results.BatchRun::recordsPerSecond).max().orElse(1);
    int y = y0;
    for (Results.BatchRun b : runs) {
      int w = (int) Math.round(barW * b.recordsPerSecond() / max);
      String color =
          b.variant().startsWith("baseline")
              ? "#888888"
              : b.variant().startsWith("flink") ? "#2b6cb0" : "#dd6b20";
      s.append(
          String.format(
              "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s, %s</text>%n",
              x0 - 8, y + 15, b.variant(), size(b.records())));
      s.append(
          String.format(
              "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"22\" fill=\"%s\"/>%n",
              x0, y, Math.max(w, 1), color));
      s.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%d\" y=\"%d\">%,.0f/s · %.1f MB/s · RSS %s MB</text>%n",
              x0 + w + 6,
              y + 15,
              b.recordsPerSecond(),
              b.mbPerSecond(),
              Bench.mb(b.rssBytes())));
      y += 30;
    }
    if (runs.isEmpty()) {
      s.append(String.format("<text x=\"%d\" y=\"%d\">no batch runs</text>%n", x0, y0 + 20));
    }
    int px = 740;
    int py = 50;
    int pw = 340;
    int ph = 300;
    s.append(
        String.format(
            "<text x=\"%d\" y=\"25\" font-size=\"14\" font-weight=\"bold\">Streaming: freshness in ClickHouse (s)</text>%n",
            px - 40));
    s.append(
        String.format(
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n",
            px, py + ph, px + pw, py + ph));
    s.append(
        String.format(
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n",
            px, py, px, py + ph));
    // The quiet runs: a loaded run of the same rate would sit on the same point of the axis.
    List<Results.StreamRun> streams =
        new ArrayList<>(r.streaming.stream().filter(run -> !run.loaded()).toList());
    streams.sort(Comparator.comparingInt(Results.StreamRun::offeredRate));
    if (streams.isEmpty()) {
      s.append(
          String.format("<text x=\"%d\" y=\"%d\">no streaming runs</text>%n", px + 10, py + 20));
    } else {
      double maxRate =
          streams.stream().mapToInt(Results.StreamRun::offeredRate).max().orElse(1) * 1.15;
      double maxF = 6;
      for (Results.StreamRun st : streams) {
        for (double v : st.clickhouseFreshness()) {
          if (!Double.isNaN(v)) {
            maxF = Math.max(maxF, v);
          }
        }
      }
      double step = maxF <= 10 ? 2 : maxF <= 25 ? 5 : maxF <= 50 ? 10 : 20;
      maxF = Math.ceil(maxF / step) * step;
      for (double v = 0; v <= maxF + 1e-9; v += step) {
        int yy = (int) (py + ph - ph * v / maxF);
        s.append(
            String.format(
                Locale.ROOT,
                "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.0f</text>%n",
                px - 5,
                yy + 4,
                v));
        s.append(
            String.format(
                "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#dddddd\"/>%n",
                px, yy, px + pw, yy));
      }
      int target = (int) (py + ph - ph * 5 / maxF);
      s.append(
          String.format(
              "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"red\" stroke-dasharray=\"4 3\"/>%n",
              px, target, px + pw, target));
      s.append(
          String.format(
              "<text x=\"%d\" y=\"%d\" fill=\"red\">target: p95 under 5 s</text>%n",
              px + 6, target - 4));
      String[] colors = {"#2f855a", "#2b6cb0", "#9b2c2c"};
      String[] labels = {"p50", "p95", "p99"};
      for (int q = 0; q < 3; q++) {
        StringBuilder points = new StringBuilder();
        for (Results.StreamRun st : streams) {
          double v = st.clickhouseFreshness()[q];
          if (Double.isNaN(v)) {
            continue;
          }
          int xx = (int) (px + pw * st.offeredRate() / maxRate);
          int yy = (int) (py + ph - ph * v / maxF);
          points.append(xx).append(',').append(yy).append(' ');
          s.append(
              String.format(
                  "<circle cx=\"%d\" cy=\"%d\" r=\"3\" fill=\"%s\"/>%n", xx, yy, colors[q]));
        }
        s.append(
            String.format(
                "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>%n",
                points.toString().trim(), colors[q]));
        s.append(
            String.format(
                "<text x=\"%d\" y=\"%d\" fill=\"%s\">%s</text>%n",
                px + 10 + q * 50, py - 8, colors[q], labels[q]));
      }
      for (Results.StreamRun st : streams) {
        int xx = (int) (px + pw * st.offeredRate() / maxRate);
        s.append(
            String.format(
                "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%,d%s</text>%n",
                xx, py + ph + 16, st.offeredRate(), st.lagGrowing() ? "*" : ""));
      }
      s.append(
          String.format(
              "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">offered records/s (* = growing lag)</text>%n",
              px + pw / 2, py + ph + 34));
    }
    s.append(
        String.format(
            "<text x=\"20\" y=\"%d\" fill=\"#555555\">%s, %s cores, -Xmx%s; %s</text>%n",
            height - 12,
            esc(r.machine.getOrDefault("cpu", "?")),
            r.machine.getOrDefault("cores", "?"),
            r.settings.getOrDefault("heap", "1g"),
            esc(r.started == null ? "" : r.started)));
    s.append("</svg>\n");
    return s.toString();
  }

  private static String size(long records) {
    return records % 1000 == 0
        ? String.format("%,dk", records / 1000)
        : String.format("%,d", records);
  }

  private static String esc(String v) {
    return v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  /** Runs in the report's order: by variant, then by size. */
  private static List<Results.BatchRun> inVariantOrder(List<Results.BatchRun> runs) {
    List<Results.BatchRun> sorted = new ArrayList<>(runs);
    sorted.sort(
        Comparator.comparingInt((Results.BatchRun b) -> order(b.variant()))
            .thenComparingLong(Results.BatchRun::records));
    return sorted;
  }
}
