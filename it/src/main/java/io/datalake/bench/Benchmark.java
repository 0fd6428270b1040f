package io.datalake.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code ./datalake bench}: throughput, freshness and memory of the pipeline against a plain-Java
 * baseline, on the same generated input. Batch: the baseline on 1 thread and on one per core, two
 * outside peers (DuckDB writing the same partitioned Parquet, ClickHouse's own bulk insert of the
 * warehouse rows), the pipeline on the DirectRunner and the embedded FlinkRunner to a local lake,
 * and on Flink to S3Proxy plus ClickHouse, at each size; every run against all four yardsticks.
 * Streaming: Kafka to lake and ClickHouse on Flink at each offered rate. Every run is its own JVM.
 * Writes results.json, results.md and chart.svg into {@code --out}, lists every figure more than
 * 10% worse than the recorded ones ({@code --record}). Not a test: nothing here asserts a timing.
 */
public final class Benchmark {
  private Benchmark() {}

  /** The settings of one benchmark run. */
  record Config(
      Path project,
      Path out,
      Path data,
      Path samples,
      Path jar,
      String benchClasspath,
      int cores,
      String heap,
      List<Long> sizes,
      List<Integer> rates,
      int durationSeconds,
      int warmupSeconds,
      int catchUpSeconds,
      long directMax,
      long s3Max,
      Set<String> parts,
      boolean keep,
      long jfrSize,
      int windowSeconds,
      int maxOutOfOrdernessSeconds,
      String streamArgs,
      String clickhouseJvmArgs,
      String kafka,
      String clickhouseUrl,
      String s3Endpoint,
      String s3AccessKey,
      String s3SecretKey,
      String s3Bucket,
      String s3Region,
      int repeat,
      Duration batchTimeout,
      Duration startupTimeout,
      int loadProcesses) {

    List<String> s3Args() {
      // The keys reach the children as AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (ChildJvm): an
      // option would be shown by Flink and is refused by the pipeline.
      return List.of("--awsRegion=" + s3Region, "--endpoint=" + s3Endpoint);
    }

    boolean wants(String part) {
      return parts.contains(part);
    }
  }

  static final List<String> PARTS =
      List.of(
          "baseline",
          "duckdb",
          "clickhouse-bulk",
          "direct",
          "flink",
          "iceberg",
          "flink-s3-ch",
          "streaming",
          "snapshots");
  static final long TINY = 70;

  /**
   * Checkpoints every 10 s, as the README's Flink example, to files: with Flink's default storage
   * (the JobManager's memory, 5 MB at most) the windows' and batches' state soon exceeds it, every
   * checkpoint fails and the job restarts (measured: see the report's notes).
   */
  /**
   * ClickHouseIO (clickhouse-jdbc 0.6.4, Apache HTTP client) does not give its pooled connections
   * back: each writer holds 10 after 10 inserts and then waits for an 11th forever, with no error
   * (measured: 130 connections open, 13 writers parked in LaxConnPool). The JDK's HTTP connection
   * provider, chosen by the driver's system property, does not leak.
   */
  static final String DEFAULT_CLICKHOUSE_JVM_ARGS = "";

  static final String DEFAULT_STREAM_ARGS =
      "--checkpointingInterval=10000 --checkpointDir={run}/checkpoints";

  private static final String USAGE =
      """
      usage: ./datalake bench [OPTIONS]

      Throughput, freshness and memory of the pipeline against a plain-Java baseline doing the same
      per-record work, on the same generated input; each run in its own JVM. Writes results.md,
      chart.svg and results.json into --out, with one folder per run (logs, GC logs) under runs/.

        --events N          one batch size (shorthand for --sizes N)
        --sizes A,B,C       batch sizes in records (default 10000,100000,500000)
        --rate R            one streaming rate (shorthand for --rates R)
        --rates A,B,C       offered streaming rates in records/s (default 500,2000,4000)
        --duration S        seconds of production per rate (default 60)
        --warmup S          streaming: seconds at the offered rate before the measured period, not
                            counted, so the figures are the pipeline's steady state and not its JIT
                            warm-up (default 60; 0: measure from the first second)
        --catch-up S        streaming: after the warm-up, seconds more at the offered rate at most
                            until the job is at most 5 s behind the producer, so that the measured
                            events do not wait behind a start-up's backlog; it stops sooner when the
                            job gains less than 1 s in 30 s (default 120; 0: measure right after
                            the warm-up, backlog and all)
        --out DIR           results folder (default it/target/bench)
        --data DIR          generated inputs, kept between runs (default <out>/input)
        --only P,P          parts to run, of baseline,duckdb,clickhouse-bulk,direct,flink,iceberg,flink-s3-ch,
                            streaming,snapshots (default all); duckdb and clickhouse-bulk are the
                            outside peers (DuckDB JSON to partitioned Parquet; ClickHouse's
                            JSONEachRow bulk insert); iceberg runs flink and flink-iceberg
                            (--lakeFormat=iceberg) and notes Iceberg's throughput beside Parquet's
                            and its commit latency
        --entities A,B      snapshots: entity counts (default 100000,1000000), each state backend at
                            each
        --backends B,B      snapshots: of heap,rocksdb,rocksdb-heap-timers (default all)
        --ops-per-entity K  snapshots: operations per entity, a create first (default 3)
        --cores N           baseline threads and runner parallelism (default: the machine's, %d)
        --heap SIZE         -Xmx of every measured JVM (default 1g)
        --direct-max N      largest size run on the DirectRunner (default 100000)
        --s3-max N          largest size run on Flink to S3Proxy + ClickHouse (default 500000)
        --repeat N          run each batch variant N times and keep the median (a shared machine is noisy;
                            default 1), the variants in turn (first run of each, then the second, ...) so
                            that a drift of the machine's speed meets each alike, each sized run right
                            after its own start-up run; peak memory is the
                            largest of the N; each streaming rate N times,
                            keeping the run of median ClickHouse p95
        --record            also write every figure of this run to --recorded, the new reference
        --recorded FILE     the recorded figures every run is compared with; figures more than 10%%
                            worse are printed and listed in results.md (default
                            it/bench-results/recorded.json)
        --duckdb-jar JAR    DuckDB's JDBC jar for the duckdb peer (default: from the local Maven
                            repository)
        --jfr N             also profile the Flink batch at N records with JFR (0: no profile; default 0)
        --jfr-all           every measured JVM records a JFR profile, runs/<run>/<run>.jfr (read it with
                            `jfr print --events jdk.ExecutionSample` or `jfr summary`); both JFR
                            options run the JVM with -XX:+DebugNonSafepoints, so that samples
                            name the inlined method they fell in
        --load N            streaming: also run each rate with N other processes keeping cores
                            busy (a shell arithmetic loop each, same priority), in turn with the
                            quiet run, and report both (default 0: quiet runs only)
        --window S          streaming: --windowSeconds of the pipeline (default 10)
        --max-ooo S         streaming: --maxOutOfOrdernessSeconds (default 20; events are up to 20 s out of order)
        --stream-args "..." streaming: more pipeline options, {run} = the run's folder (default
                            "%s")
        --clickhouse-jvm-args "..."  more JVM options of the runs that write to ClickHouse
                            (flink-s3-ch, streaming); default "%s"
        --keep              keep lakes, S3 objects and ClickHouse databases of the runs
        --render            only rewrite results.md and chart.svg from <out>/results.json
        --kafka H:P, --clickhouse URL, --s3-endpoint URL, --s3-bucket B, --s3-region R,
        --s3-access-key K, --s3-secret-key S   the S3 keys (default: DATALAKE_S3_ACCESS_KEY and
                            DATALAKE_S3_SECRET_KEY, which the launcher exports: as flags they show in ps)
        --help              this text
      """;

  /** The options that take a value; {@link #SWITCHES} take none. */
  static final Set<String> VALUED =
      Set.of(
          "events",
          "sizes",
          "rate",
          "rates",
          "duration",
          "warmup",
          "catch-up",
          "out",
          "data",
          "only",
          "cores",
          "heap",
          "direct-max",
          "s3-max",
          "jfr",
          "window",
          "max-ooo",
          "stream-args",
          "clickhouse-jvm-args",
          "kafka",
          "clickhouse",
          "s3-endpoint",
          "s3-bucket",
          "s3-region",
          "s3-access-key",
          "s3-secret-key",
          "jar",
          "batch-timeout",
          "repeat",
          "recorded",
          "duckdb-jar",
          "entities",
          "backends",
          "ops-per-entity",
          "load");

  static final Set<String> SWITCHES = Set.of("keep", "render", "help", "h", "record", "jfr-all");

  public static void main(String[] args) throws Exception {
    Map<String, String> flags =
        Bench.parseOrExit("./datalake bench", () -> Bench.flags(args, VALUED, SWITCHES));
    if (flags.containsKey("help") || flags.containsKey("h")) {
      System.out.print(
          String.format(
              USAGE,
              Runtime.getRuntime().availableProcessors(),
              DEFAULT_STREAM_ARGS,
              DEFAULT_CLICKHOUSE_JVM_ARGS));
      return;
    }
    Path project =
        Path.of(System.getProperty("datalake.project.dir", ".")).toAbsolutePath().normalize();
    Path out =
        Path.of(flags.getOrDefault("out", project.resolve("it/target/bench").toString()))
            .toAbsolutePath()
            .normalize();
    // Every value is checked (numbers, parts) before anything is written or started.
    Config config =
        flags.containsKey("render")
            ? null
            : Bench.parseOrExit("./datalake bench", () -> config(flags, project, out));
    Files.createDirectories(out);
    Path recorded =
        Path.of(
                flags.getOrDefault(
                    "recorded", project.resolve("it/bench-results/recorded.json").toString()))
            .toAbsolutePath()
            .normalize();
    if (flags.containsKey("duckdb-jar")) {
      System.setProperty("datalake.duckdb.jar", flags.get("duckdb-jar"));
    }
    if (flags.containsKey("render")) {
      Results r = Results.load(out.resolve("results.json"));
      // Failed runs: their error line as read from their logs now.
      for (List<Results.BatchRun> list : List.of(r.startup, r.batch)) {
        for (int i = 0; i < list.size(); i++) {
          Results.BatchRun b = list.get(i);
          String error = b.ok() ? null : BatchBench.errorLine(out.resolve(b.log()));
          if (error != null && b.check().startsWith("exit ")) {
            String check = b.check().substring(0, b.check().indexOf(':') + 1) + " " + error;
            list.set(i, b.withCheck(check));
          }
        }
      }
      compare(r, recorded);
      Report.write(out, r);
      System.out.println(
          "bench: wrote " + out.resolve("results.md") + " and " + out.resolve("chart.svg"));
      return;
    }
    ChildJvm.awsCredentials(config.s3AccessKey(), config.s3SecretKey());
    ChildJvm.profileAll(flags.containsKey("jfr-all"));
    Results r = new Results();
    r.machine = Bench.machine();
    r.started = now();
    r.settings.put("cores", Integer.toString(config.cores()));
    r.settings.put("heap", config.heap());
    r.settings.put("sizes", config.sizes().toString());
    r.settings.put("s3Max", Long.toString(config.s3Max()));
    r.settings.put("rates", config.rates().toString());
    r.settings.put("duration", config.durationSeconds() + " s");
    r.settings.put("warmup", config.warmupSeconds() + " s");
    r.settings.put("catchUp", config.catchUpSeconds() + " s at most");
    r.settings.put("window", config.windowSeconds() + " s");
    r.settings.put("maxOutOfOrderness", config.maxOutOfOrdernessSeconds() + " s");
    r.settings.put("streamArgs", config.streamArgs());
    if (config.wants("streaming")) {
      r.settings.put("load", BusyLoad.describe(config.loadProcesses()));
    }
    r.settings.put(
        "clickhouseJvmArgs",
        config.clickhouseJvmArgs().isBlank() ? "(none: as shipped)" : config.clickhouseJvmArgs());
    r.settings.put("parts", String.join(",", config.parts()));
    r.settings.put("repeat", Integer.toString(config.repeat()));
    r.settings.put("command", command(args));
    Bench.progress(
        "plan: %s; sizes %s, rates %s/s for %d s each, %d cores, -Xmx%s; results in %s",
        String.join(",", config.parts()),
        config.sizes(),
        config.rates(),
        config.durationSeconds(),
        config.cores(),
        config.heap(),
        out);
    Bench.progress("machine: %s", r.machine);
    Set<String> parts = new LinkedHashSet<>(config.parts());
    checkServices(config, parts, r);
    config = withParts(config, parts);

    Path json = out.resolve("results.json");
    try {
      runBatch(config, r, json, out);
      runStreaming(config, r, json, out);
      if (config.wants("snapshots")) {
        new SnapshotBench(config, flags).run(r, () -> saveQuietly(r, json, out));
      }
    } finally {
      r.finished = now();
      r.machine.put("load at the end", Bench.loadAverage());
      compare(r, recorded);
      r.save(json);
      Report.write(out, r);
    }
    for (Results.Regression g : r.regressions) {
      Bench.progress("WORSE than recorded: %s", Figures.describe(g));
    }
    if (flags.containsKey("record")) {
      Figures.save(recorded, r);
      Bench.progress("recorded %d figures in %s", r.figures.size(), recorded);
    }
    Bench.progress("done: %s, %s, %s", out.resolve("results.md"), out.resolve("chart.svg"), json);
    System.out.println();
    System.out.println(Report.markdown(r).split("\n## Method")[0]);
  }

  /** The command line as run, without the values of secret options. */
  private static String command(String[] args) {
    List<String> shown = new ArrayList<>();
    for (String a : args) {
      shown.add(a.startsWith("--s3-access-key") || a.startsWith("--s3-secret-key") ? "" : a);
    }
    shown.removeIf(String::isEmpty);
    return ("./datalake bench " + String.join(" ", shown)).trim();
  }

  /** The ratios, the figures, and the figures worse than the recorded ones (when recorded). */
  private static void compare(Results r, Path recorded) {
    r.ratios = Report.ratios(r);
    r.figures = Figures.of(r);
    r.regressions = new ArrayList<>();
    r.machineSpeed = new java.util.LinkedHashMap<>();
    r.recordedFrom = null;
    if (Files.isRegularFile(recorded)) {
      try {
        Figures.Recorded was = Figures.load(recorded);
        r.recordedFrom = recorded.getFileName() + " (run of " + was.started() + ")";
        r.regressions = Figures.compare(was.figures(), r.figures);
        r.machineSpeed = Figures.machineSpeed(was.figures(), r.figures);
      } catch (java.io.IOException | RuntimeException e) {
        r.notes.add("Could not read the recorded figures " + recorded + ": " + e.getMessage());
      }
    }
  }

  private static void runBatch(Config config, Results r, Path json, Path out) throws Exception {
    List<BatchBench.Variant> variants = new ArrayList<>();
    if (config.wants("baseline")) {
      variants.add(BatchBench.Variant.BASELINE_1T);
      variants.add(BatchBench.Variant.BASELINE_NT);
    }
    if (config.wants("duckdb")) {
      variants.add(BatchBench.Variant.DUCKDB);
    }
    if (config.wants("clickhouse-bulk")) {
      variants.add(BatchBench.Variant.CLICKHOUSE_BULK);
    }
    if (config.wants("direct")) {
      variants.add(BatchBench.Variant.DIRECT);
    }
    if (config.wants("flink") || config.wants("iceberg")) {
      variants.add(BatchBench.Variant.FLINK);
    }
    if (config.wants("iceberg")) {
      // Beside the Parquet lake of the same runner and input: the ratio is Iceberg's cost.
      variants.add(BatchBench.Variant.FLINK_ICEBERG);
    }
    if (config.wants("flink-s3-ch")) {
      variants.add(BatchBench.Variant.FLINK_S3_CH);
    }
    if (variants.isEmpty() && config.jfrSize() <= 0) {
      return;
    }
    BatchBench bench = new BatchBench(config);
    Map<BatchBench.Variant, List<Results.BatchRun>> startupRuns =
        new EnumMap<>(BatchBench.Variant.class);
    InputFiles.Input tiny =
        variants.isEmpty() ? null : InputFiles.ensure(config.data(), config.samples(), TINY);
    for (long size : new TreeSet<>(config.sizes())) {
      if (variants.isEmpty()) {
        break;
      }
      InputFiles.Input input = InputFiles.ensure(config.data(), config.samples(), size);
      List<BatchBench.Variant> sized = new ArrayList<>();
      for (BatchBench.Variant v : variants) {
        if (v == BatchBench.Variant.DIRECT && size > config.directMax()) {
          Bench.progress("batch direct-%d: skipped (--direct-max %d)", size, config.directMax());
        } else if (v == BatchBench.Variant.FLINK_S3_CH && size > config.s3Max()) {
          Bench.progress("batch flink-s3-ch-%d: skipped (--s3-max %d)", size, config.s3Max());
        } else {
          sized.add(v);
        }
      }
      Map<BatchBench.Variant, List<Results.BatchRun>> rounds =
          interleaved(
              sized,
              config.repeat(),
              new Rounds() {
                @Override
                public Results.BatchRun startup(BatchBench.Variant v) throws Exception {
                  return bench.startup(v, tiny);
                }

                @Override
                public Results.BatchRun run(BatchBench.Variant v, double startupSeconds)
                    throws Exception {
                  return bench.run(v, input, startupSeconds, List.of());
                }
              },
              startupRuns);
      r.pairedRatios.addAll(pairedRatios(rounds, size));
      for (Map.Entry<BatchBench.Variant, List<Results.BatchRun>> e : rounds.entrySet()) {
        r.batch.add(median(e.getValue()));
        if (e.getKey() == BatchBench.Variant.FLINK_ICEBERG) {
          r.notes.add(icebergBesideParquet(r, size, bench.commitMillis()));
        }
      }
      save(r, json, out);
      bench.forgetReference();
    }
    // Each variant's start-up in the report (and the recorded figures): the median of its runs.
    Map<BatchBench.Variant, Double> startup = new EnumMap<>(BatchBench.Variant.class);
    for (Map.Entry<BatchBench.Variant, List<Results.BatchRun>> e : startupRuns.entrySet()) {
      Results.BatchRun run = median(e.getValue());
      r.startup.add(run);
      startup.put(e.getKey(), run.wallSeconds());
    }
    if (!startupRuns.isEmpty()) {
      save(r, json, out);
    }
    if (config.jfrSize() > 0) {
      InputFiles.Input input = InputFiles.ensure(config.data(), config.samples(), config.jfrSize());
      Path jfr = out.resolve("runs").resolve("flink-" + config.jfrSize() + ".jfr");
      Files.createDirectories(jfr.getParent());
      Files.deleteIfExists(jfr);
      Results.BatchRun run =
          bench.run(
              BatchBench.Variant.FLINK,
              input,
              startup.getOrDefault(BatchBench.Variant.FLINK, 0.0),
              Profile.jvmArgs(jfr));
      if (Files.exists(jfr)) {
        Results.Profile p =
            Profile.analyse(
                String.format(
                    "flink at %,d records (profiled run: wall %.1f s, %s)",
                    config.jfrSize(), run.wallSeconds(), run.ok() ? "ok" : "FAILED"),
                jfr,
                15);
        r.profile =
            new Results.Profile(
                p.run(),
                out.relativize(jfr).toString(),
                p.samples(),
                p.self(),
                p.inclusive(),
                p.inclusiveOurs(),
                p.packages());
        Bench.progress(
            "profile: %,d samples; top self frames: %s",
            p.samples(),
            p.self().stream()
                .limit(5)
                .map(f -> f.frame() + String.format(" %.1f%%", f.percent()))
                .toList());
      } else {
        r.notes.add("The JFR run left no recording: " + run.check());
      }
      save(r, json, out);
    }
  }

  /** The Iceberg run of a size beside the Parquet one: throughput, ratio, commit latency. */
  static String icebergBesideParquet(Results r, long size, List<Double> commitMillis) {
    double parquet = Double.NaN;
    double iceberg = Double.NaN;
    double parquetWall = Double.NaN;
    double icebergWall = Double.NaN;
    for (Results.BatchRun b : r.batch) {
      if (b.records() == size && b.ok()) {
        if (b.variant().equals("flink")) {
          parquet = b.recordsPerSecond();
          parquetWall = b.wallSeconds();
        } else if (b.variant().equals("flink-iceberg")) {
          iceberg = b.recordsPerSecond();
          icebergWall = b.wallSeconds();
        }
      }
    }
    // The wall times too: the steady rates subtract each variant's own start-up run, which a
    // loaded machine makes noisy.
    return String.format(
        java.util.Locale.ROOT,
        "Iceberg beside Parquet at %,d records (FlinkRunner, embedded, same input): flink-iceberg"
            + " %,.0f records/s, flink (Parquet) %,.0f records/s: %.2f × Parquet (wall %.1f s"
            + " against %.1f s); commit latency: %s (Iceberg's commit reports).",
        size,
        iceberg,
        parquet,
        iceberg / parquet,
        icebergWall,
        parquetWall,
        BatchBench.latency(commitMillis));
  }

  /** What one round runs of a variant: its start-up run, then its sized run. */
  interface Rounds {
    Results.BatchRun startup(BatchBench.Variant v) throws Exception;

    Results.BatchRun run(BatchBench.Variant v, double startupSeconds) throws Exception;
  }

  /**
   * Runs every variant n times, in turn: the first run of each, then the second of each, and so on.
   * The machine's speed drifts (this one's baseline ran 30% slower within ten minutes), and runs of
   * one variant after another put that drift between the variants; in turn, each variant meets it
   * alike, so their medians stay comparable.
   *
   * <p>Each sized run follows its own start-up run (the same variant over the tiny input), and only
   * that start-up is subtracted from it: the two meet the same minute of the machine. A start-up
   * measured once, minutes before every sized run, was subtracted from runs in faster or slower
   * minutes (2026-12-03 08:14: every start-up 17-22% slower than recorded, the S3 + ClickHouse
   * batch's steady part too short and its ratio 0.59 × instead of about 0.4). The start-up runs are
   * added to {@code startupRuns}.
   */
  static Map<BatchBench.Variant, List<Results.BatchRun>> interleaved(
      List<BatchBench.Variant> variants,
      int n,
      Rounds rounds,
      Map<BatchBench.Variant, List<Results.BatchRun>> startupRuns)
      throws Exception {
    Map<BatchBench.Variant, List<Results.BatchRun>> runs = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      if (n > 1) {
        Bench.progress("repeat %d of %d (every variant in turn)", i + 1, n);
      }
      for (BatchBench.Variant v : variants) {
        Results.BatchRun startup = rounds.startup(v);
        startupRuns.computeIfAbsent(v, k -> new ArrayList<>()).add(startup);
        runs.computeIfAbsent(v, k -> new ArrayList<>()).add(rounds.run(v, startup.wallSeconds()));
      }
    }
    return runs;
  }

  /**
   * Every variant's rate over the N-thread baseline's in the same round, and their median; none
   * without repeats or without the baseline.
   */
  static List<Results.PairedRatio> pairedRatios(
      Map<BatchBench.Variant, List<Results.BatchRun>> rounds, long records) {
    List<Results.BatchRun> baseline = rounds.get(BatchBench.Variant.BASELINE_NT);
    List<Results.PairedRatio> paired = new ArrayList<>();
    if (baseline == null || baseline.size() < 2) {
      return paired;
    }
    for (Map.Entry<BatchBench.Variant, List<Results.BatchRun>> e : rounds.entrySet()) {
      if (e.getKey() == BatchBench.Variant.BASELINE_NT) {
        continue;
      }
      List<Double> ratios = new ArrayList<>();
      for (int i = 0; i < Math.min(baseline.size(), e.getValue().size()); i++) {
        ratios.add(rate(e.getValue().get(i)) / rate(baseline.get(i)));
      }
      paired.add(
          new Results.PairedRatio(
              e.getValue().get(0).variant(),
              records,
              ratios,
              // A failed round has no ratio; the median of the others.
              Bench.percentile(
                  Bench.sorted(ratios.stream().filter(x -> !Double.isNaN(x)).toList()), 0.5)));
    }
    return paired;
  }

  /** A run's records/s; NaN when it failed or had no rate. */
  private static double rate(Results.BatchRun run) {
    return run.ok() && run.recordsPerSecond() > 0 ? run.recordsPerSecond() : Double.NaN;
  }

  /** The run of median steady (or wall) time of a variant's runs, noting the spread. */
  private static Results.BatchRun median(List<Results.BatchRun> runs) {
    int n = runs.size();
    if (n == 1) {
      return runs.get(0);
    }
    List<Results.BatchRun> sorted = new ArrayList<>(runs);
    // By steady time where there is one (a peer's wall time includes untimed preparation).
    sorted.sort(
        java.util.Comparator.comparingDouble(
            (Results.BatchRun b) -> b.steadySeconds() > 0 ? b.steadySeconds() : b.wallSeconds()));
    Results.BatchRun m = sorted.get(n / 2);
    boolean allOk = runs.stream().allMatch(Results.BatchRun::ok);
    String note =
        String.format(
            java.util.Locale.ROOT,
            "median of %d runs (wall %.1f-%.1f s)",
            n,
            sorted.get(0).wallSeconds(),
            sorted.get(n - 1).wallSeconds());
    return m.withSummary(
        runs.stream().mapToLong(Results.BatchRun::rssBytes).max().orElse(0),
        runs.stream().mapToLong(Results.BatchRun::heapPeakBytes).max().orElse(0),
        runs.stream().mapToLong(Results.BatchRun::heapLiveBytes).max().orElse(0),
        allOk && m.ok(),
        note
            + "; "
            + (allOk
                ? m.check()
                : "some runs FAILED: "
                    + runs.stream()
                        .filter(b -> !b.ok())
                        .map(Results.BatchRun::check)
                        .findFirst()
                        .orElse("")));
  }

  private static void runStreaming(Config config, Results r, Path json, Path out) throws Exception {
    if (!config.wants("streaming")) {
      return;
    }
    StreamingBench bench = new StreamingBench(config);
    List<Integer> loads =
        config.loadProcesses() > 0 ? List.of(0, config.loadProcesses()) : List.of(0);
    for (int rate : config.rates()) {
      // With --load, the quiet and the loaded run of a rate alternate, which first by round, so
      // that both meet the machine of the same minutes and neither always follows the other.
      Map<Integer, List<Results.StreamRun>> runs = new LinkedHashMap<>();
      Map<Integer, Integer> failures = new LinkedHashMap<>();
      for (int i = 0; i < config.repeat(); i++) {
        List<Integer> order = new ArrayList<>(loads);
        if (i % 2 == 1) {
          java.util.Collections.reverse(order);
        }
        for (int load : order) {
          String which = load == 0 ? "" : " loaded";
          if (config.repeat() > 1) {
            Bench.progress(
                "streaming %d/s%s: repeat %d of %d", rate, which, i + 1, config.repeat());
          }
          try {
            runs.computeIfAbsent(load, k -> new ArrayList<>())
                .add(bench.run(rate, load, config.repeat() > 1 ? i + 1 : 0));
          } catch (Exception e) {
            failures.merge(load, 1, Integer::sum);
            Bench.progress("streaming %d/s%s: FAILED: %s", rate, which, e.getMessage());
            r.notes.add("Streaming at " + rate + "/s" + which + " failed: " + e.getMessage());
          }
        }
      }
      for (Map.Entry<Integer, List<Results.StreamRun>> entry : runs.entrySet()) {
        List<Results.StreamRun> ofLoad = entry.getValue();
        // The run of median ClickHouse p95 (a run with no p95 sorts last).
        ofLoad.sort(
            java.util.Comparator.comparingDouble(
                (Results.StreamRun s) ->
                    Double.isNaN(s.clickhouseFreshness()[1])
                        ? Double.MAX_VALUE
                        : s.clickhouseFreshness()[1]));
        Results.StreamRun median = ofLoad.get(ofLoad.size() / 2);
        int failed = failures.getOrDefault(entry.getKey(), 0);
        if (failed > 0) {
          // A run that failed has no figures; the median of the others is no median of N.
          median =
              median.withCheck(
                  String.format(
                      "%d of %d runs FAILED (see the notes); this one: %s",
                      failed, config.repeat(), median.check()),
                  false);
        }
        r.streaming.add(median);
      }
      save(r, json, out);
    }
  }

  private static void saveQuietly(Results r, Path json, Path out) {
    try {
      save(r, json, out);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void save(Results r, Path json, Path out) throws java.io.IOException {
    r.save(json);
    Report.write(out, r);
  }

  private static void checkServices(Config config, Set<String> parts, Results r) {
    if (parts.contains("clickhouse-bulk")) {
      String problem = Services.clickhouseProblem(config);
      if (problem != null) {
        Bench.progress("skipping clickhouse-bulk: %s (./datalake up)", problem);
        r.notes.add("clickhouse-bulk skipped: " + problem);
        parts.remove("clickhouse-bulk");
      }
    }
    if (parts.contains("duckdb") && DuckDbPeer.jar() == null) {
      String problem = "no DuckDB JDBC jar in the local Maven repository (--duckdb-jar JAR)";
      Bench.progress("skipping duckdb: %s", problem);
      r.notes.add("duckdb skipped: " + problem);
      parts.remove("duckdb");
    }
    if (parts.contains("flink-s3-ch")) {
      String problem = Services.s3Problem(config);
      if (problem == null) {
        problem = Services.clickhouseProblem(config);
      }
      if (problem != null) {
        Bench.progress("skipping flink-s3-ch: %s (./datalake up)", problem);
        r.notes.add("flink-s3-ch skipped: " + problem);
        parts.remove("flink-s3-ch");
      }
    }
    if (parts.contains("streaming")) {
      String problem = Services.kafkaProblem(config);
      if (problem == null) {
        problem = Services.clickhouseProblem(config);
      }
      if (problem != null) {
        Bench.progress("skipping streaming: %s (./datalake up)", problem);
        r.notes.add("streaming skipped: " + problem);
        parts.remove("streaming");
      }
    }
  }

  private static Config withParts(Config c, Set<String> parts) {
    return new Config(
        c.project(),
        c.out(),
        c.data(),
        c.samples(),
        c.jar(),
        c.benchClasspath(),
        c.cores(),
        c.heap(),
        c.sizes(),
        c.rates(),
        c.durationSeconds(),
        c.warmupSeconds(),
        c.catchUpSeconds(),
        c.directMax(),
        c.s3Max(),
        parts,
        c.keep(),
        c.jfrSize(),
        c.windowSeconds(),
        c.maxOutOfOrdernessSeconds(),
        c.streamArgs(),
        c.clickhouseJvmArgs(),
        c.kafka(),
        c.clickhouseUrl(),
        c.s3Endpoint(),
        c.s3AccessKey(),
        c.s3SecretKey(),
        c.s3Bucket(),
        c.s3Region(),
        c.repeat(),
        c.batchTimeout(),
        c.startupTimeout(),
        c.loadProcesses());
  }

  private static Config config(Map<String, String> flags, Path project, Path out) {
    String classpath = System.getProperty("java.class.path");
    Path jar =
        flags.containsKey("jar")
            ? Path.of(flags.get("jar"))
            : Arrays.stream(classpath.split(":"))
                .filter(p -> p.endsWith("-bundled.jar"))
                .map(Path::of)
                .findFirst()
                .orElse(project.resolve("pipelines/target/datalake-pipelines-bundled.jar"));
    List<Long> sizes =
        flags.containsKey("events")
            ? List.of(Long.parseLong(flags.get("events").replace("_", "")))
            : Arrays.stream(flags.getOrDefault("sizes", "10000,100000,500000").split(","))
                .map(s -> Long.parseLong(s.trim().replace("_", "")))
                .toList();
    List<Integer> rates =
        flags.containsKey("rate")
            ? List.of(Integer.parseInt(flags.get("rate")))
            : Arrays.stream(flags.getOrDefault("rates", "500,2000,4000").split(","))
                .map(s -> Integer.parseInt(s.trim()))
                .toList();
    Set<String> parts = new LinkedHashSet<>();
    for (String p : flags.getOrDefault("only", String.join(",", PARTS)).split(",")) {
      if (!PARTS.contains(p.trim())) {
        throw new IllegalArgumentException("--only: unknown part " + p + " (of " + PARTS + ")");
      }
      parts.add(p.trim());
    }
    return new Config(
        project,
        out,
        Path.of(flags.getOrDefault("data", out.resolve("input").toString())).toAbsolutePath(),
        project.resolve("pipelines/samples/input"),
        jar.toAbsolutePath(),
        classpath,
        Integer.parseInt(
            flags.getOrDefault(
                "cores", Integer.toString(Runtime.getRuntime().availableProcessors()))),
        flags.getOrDefault("heap", "1g"),
        sizes,
        rates,
        Integer.parseInt(flags.getOrDefault("duration", "60")),
        Integer.parseInt(flags.getOrDefault("warmup", "60")),
        nonNegative("catch-up", Integer.parseInt(flags.getOrDefault("catch-up", "120"))),
        Long.parseLong(flags.getOrDefault("direct-max", "100000")),
        Long.parseLong(flags.getOrDefault("s3-max", "500000")),
        parts,
        flags.containsKey("keep"),
        Long.parseLong(flags.getOrDefault("jfr", "0")),
        Integer.parseInt(flags.getOrDefault("window", "10")),
        Integer.parseInt(flags.getOrDefault("max-ooo", "20")),
        flags.getOrDefault("stream-args", DEFAULT_STREAM_ARGS),
        flags.getOrDefault("clickhouse-jvm-args", DEFAULT_CLICKHOUSE_JVM_ARGS),
        flags.getOrDefault("kafka", env("DATALAKE_KAFKA_BOOTSTRAP", "127.0.0.1:9092")),
        flags.getOrDefault("clickhouse", env("DATALAKE_CLICKHOUSE_URL", "http://127.0.0.1:8123")),
        flags.getOrDefault("s3-endpoint", env("DATALAKE_S3_ENDPOINT", "http://127.0.0.1:9090")),
        flags.getOrDefault("s3-access-key", env("DATALAKE_S3_ACCESS_KEY", "datalake")),
        flags.getOrDefault("s3-secret-key", env("DATALAKE_S3_SECRET_KEY", "datalake-secret")),
        flags.getOrDefault("s3-bucket", env("DATALAKE_S3_BUCKET", "datalake")),
        flags.getOrDefault("s3-region", env("DATALAKE_S3_REGION", "us-east-1")),
        Integer.parseInt(flags.getOrDefault("repeat", "1")),
        Duration.ofSeconds(Long.parseLong(flags.getOrDefault("batch-timeout", "3600"))),
        Duration.ofSeconds(300),
        nonNegative("load", Integer.parseInt(flags.getOrDefault("load", "0"))));
  }

  private static int nonNegative(String flag, int value) {
    if (value < 0) {
      throw new IllegalArgumentException("--" + flag + ": 0 or more, got " + value);
    }
    return value;
  }

  private static String env(String name, String fallback) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? fallback : v;
  }

  private static String now() {
    return ZonedDateTime.now(ZoneOffset.UTC)
        .format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'"));
  }
}
