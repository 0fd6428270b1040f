package io.datalake.bench;

import io.datalake.testing.LocalServices;
import io.datalake.transforms.warehouse.ClickHouseClient;
import io.datalake.transforms.warehouse.WarehouseTables;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The batch variants, each a child JVM over the same input: the plain-Java baseline (1 thread and
 * one per core), the outside peers ({@link DuckDbPeer}, {@link ClickHouseBulkPeer}: they time their
 * own work) and the pipeline on the DirectRunner, on the embedded FlinkRunner to a local lake, and
 * on the FlinkRunner to S3Proxy plus ClickHouse. Each run's lake is checked against the baseline's
 * (rows, Parquet schemas, partitions, codecs per table); the ClickHouse run's tables against the
 * baseline's row counts.
 */
final class BatchBench {
  enum Variant {
    BASELINE_1T("baseline-1t"),
    BASELINE_NT("baseline-Nt"),
    DUCKDB("duckdb"),
    CLICKHOUSE_BULK("clickhouse-bulk"),
    DIRECT("direct"),
    FLINK("flink"),
    FLINK_ICEBERG("flink-iceberg"),
    FLINK_S3_CH("flink-s3-ch");

    final String label;

    Variant(String label) {
      this.label = label;
    }

    boolean baseline() {
      return this == BASELINE_1T || this == BASELINE_NT;
    }

    /** An outside peer: times its own work and prints it (a {@code PEER} line). */
    boolean peer() {
      return this == DUCKDB || this == CLICKHOUSE_BULK;
    }
  }

  private final Benchmark.Config config;

  /** The baseline lake of the current size: what the others are checked against. */
  private LakeStats reference;

  private long referenceRecords = -1;

  /** The Parquet lake of the last flink run: what the Iceberg run's tables are checked against. */
  private LakeStats parquet;

  private long parquetRecords = -1;

  /** Commit durations (ms) of the last flink-iceberg run, one per table commit. */
  private List<Double> commitMillis = List.of();

  BatchBench(Benchmark.Config config) {
    this.config = config;
  }

  String label(Variant v) {
    return v == Variant.BASELINE_NT ? "baseline-" + config.cores() + "t" : v.label;
  }

  int cores(Variant v) {
    return v == Variant.BASELINE_1T ? 1 : config.cores();
  }

  /**
   * Runs one variant over one input; {@code startup} is the same variant's wall time on the tiny
   * input (0 for the tiny run itself).
   */
  Results.BatchRun run(
      Variant variant, InputFiles.Input input, double startup, List<String> extraJvmArgs)
      throws Exception {
    return run(variant, input, startup, extraJvmArgs, false);
  }

  /**
   * The start-up run of {@code variant}: the same run over the {@code tiny} input, timed, not
   * compared with a baseline (its lake never becomes a size's reference).
   */
  Results.BatchRun startup(Variant variant, InputFiles.Input tiny) throws Exception {
    return run(variant, tiny, 0, List.of(), true);
  }

  private Results.BatchRun run(
      Variant variant,
      InputFiles.Input input,
      double startup,
      List<String> extraJvmArgs,
      boolean startupRun)
      throws Exception {
    String name =
        label(variant) + "-" + input.records() + (extraJvmArgs.isEmpty() ? "" : "-profiled");
    Path runDir = config.out().resolve("runs").resolve(name);
    InputFiles.deleteTree(runDir);
    Files.createDirectories(runDir);
    Path lake = runDir.resolve("lake");
    String tag = "b" + System.currentTimeMillis() % 100_000_000 + "_" + input.records();
    String database = "bench_" + tag;
    String s3Prefix = "bench/" + tag + "/";
    List<String> args = new ArrayList<>();
    String mainClass;
    String classpath;
    if (variant.baseline()) {
      mainClass = Baseline.class.getName();
      classpath = config.benchClasspath();
      args.add("--input=" + input.dir());
      args.add("--lake=" + lake);
      args.add("--threads=" + cores(variant));
    } else if (variant == Variant.DUCKDB) {
      mainClass = DuckDbPeer.class.getName();
      classpath = config.benchClasspath() + java.io.File.pathSeparator + DuckDbPeer.jar();
      args.add("--input=" + input.dir());
      args.add("--lake=" + lake);
      args.add("--threads=" + cores(variant));
    } else if (variant == Variant.CLICKHOUSE_BULK) {
      mainClass = ClickHouseBulkPeer.class.getName();
      classpath = config.benchClasspath();
      args.add("--input=" + input.dir());
      args.add("--spool=" + runDir.resolve("spool"));
      args.add("--clickhouse=" + config.clickhouseUrl());
      args.add("--credentials=" + Services.clickhouseCredentials());
      args.add("--database=" + database);
    } else {
      mainClass = "io.datalake.pipelines.DatalakePipeline";
      classpath = config.jar().toString();
      args.add("--input=" + input.dir());
      args.add("--piiDevelopmentKeyset=true");
      args.add("--runId=bench");
      switch (variant) {
        case DIRECT -> {
          args.add("--runner=DirectRunner");
          args.add("--targetParallelism=" + config.cores());
          args.add("--lake=" + lake);
        }
        case FLINK -> {
          args.addAll(flink());
          args.add("--lake=" + lake);
        }
        case FLINK_ICEBERG -> {
          // The same run into Iceberg tables (a Hadoop catalog in the run's lake folder).
          args.addAll(flink());
          args.add("--lake=" + lake);
          args.add("--lakeFormat=iceberg");
        }
        default -> {
          args.addAll(flink());
          args.add("--lake=s3://" + config.s3Bucket() + "/" + s3Prefix);
          args.addAll(config.s3Args());
          args.add("--clickhouseUrl=" + config.clickhouseUrl());
          args.add("--clickhouseCredentialsFile=" + Services.clickhouseCredentials());
          args.add("--clickhouseDatabase=" + database);
        }
      }
    }
    Bench.progress("batch %s: %,d records (%.1f MB) ...", name, input.records(), input.megabytes());
    List<String> jvmArgs = new ArrayList<>(extraJvmArgs);
    if (variant == Variant.FLINK_ICEBERG) {
      // Iceberg's commit reports (one per table commit, with its duration) in the log.
      jvmArgs.add(
          "-Dorg.slf4j.simpleLogger.log.org.apache.iceberg.metrics.LoggingMetricsReporter=info");
    }
    if (variant == Variant.FLINK
        || variant == Variant.FLINK_ICEBERG
        || variant == Variant.FLINK_S3_CH) {
      // The job's own start and end (RUNNING, FINISHED), with timestamps, in the log.
      jvmArgs.add(
          "-Dorg.slf4j.simpleLogger.log.org.apache.flink.runtime.executiongraph.ExecutionGraph=info");
    }
    if (variant == Variant.FLINK_S3_CH) {
      for (String a : config.clickhouseJvmArgs().trim().split("\\s+")) {
        if (!a.isEmpty()) {
          jvmArgs.add(a);
        }
      }
    }
    Map<String, ProcessCpu.Reading> servicesBefore = ProcessCpu.services();
    ChildJvm child =
        ChildJvm.start(name, runDir, config.heap(), jvmArgs, classpath, mainClass, args);
    ChildJvm.Result result;
    try (ChildJvm c = child) {
      long next = 30;
      while (c.isAlive() && c.elapsedSeconds() < config.batchTimeout().toSeconds()) {
        Thread.sleep(500);
        if (c.elapsedSeconds() >= next) {
          Bench.progress("batch %s: running %.0f s", name, c.elapsedSeconds());
          next += 30;
        }
      }
      result = c.waitFor(Duration.ofSeconds(1));
    }
    // Read before the checks and clean-up below, which query ClickHouse and S3 themselves.
    Map<String, Double> serviceCpu = ProcessCpu.used(servicesBefore, ProcessCpu.services());
    double wall = result.wallSeconds();
    boolean ok = result.exitCode() == 0 && !result.timedOut();
    double timed = variant.peer() ? peerSeconds(child.log()) : Double.NaN;
    if (variant.peer() && startup > 0 && !Double.isNaN(timed)) {
      // A peer times its own work: the rest of its wall time is its start-up.
      startup = Math.max(0.001, wall - timed);
    }
    String check;
    if (!ok) {
      check =
          (result.timedOut() ? "timed out" : "exit " + result.exitCode()) + ": " + lastError(child);
    } else if (variant.peer() && Double.isNaN(timed)) {
      check = "no PEER line with its timing in " + child.log();
      ok = false;
    } else if (variant == Variant.FLINK_ICEBERG) {
      check = checkIceberg(lake, input.records(), child.log());
      ok = check.startsWith("ok");
    } else if (variant == Variant.FLINK_S3_CH || variant == Variant.CLICKHOUSE_BULK) {
      check = checkClickHouse(variant, database, input.records());
      ok = check.startsWith("ok");
    } else if (startupRun) {
      check = "ok (start-up run)";
    } else {
      LakeStats stats = LakeStats.read(lake);
      if (variant == Variant.FLINK) {
        parquet = stats;
        parquetRecords = input.records();
      }
      if (variant == Variant.DUCKDB) {
        check = checkPrimaryTables(stats, input.records());
        ok = check.startsWith("ok");
      } else if (variant.baseline() && referenceRecords != input.records()) {
        reference = stats;
        referenceRecords = input.records();
        check =
            stats.tables().isEmpty()
                ? "empty lake"
                : "ok (reference: "
                    + String.format("%,d", stats.rows())
                    + " rows, "
                    + stats.tables().size()
                    + " tables)";
        ok = !stats.tables().isEmpty();
      } else if (reference == null || referenceRecords != input.records()) {
        check = "ok (no baseline to compare with)";
      } else {
        List<String> diff = reference.differences(stats, "baseline", label(variant));
        check =
            diff.isEmpty()
                ? "ok (same rows, schemas, partitions, codecs as the baseline)"
                : "DIFFERS: " + String.join("; ", diff);
        ok = diff.isEmpty();
      }
    }
    if (variant == Variant.FLINK_S3_CH && !config.keep()) {
      cleanupS3AndClickHouse(s3Prefix, database);
    }
    if (variant == Variant.CLICKHOUSE_BULK && !config.keep()) {
      cleanupS3AndClickHouse(null, database);
    }
    if (!config.keep()
        && !(variant.baseline() && referenceRecords == input.records() && reference != null)) {
      InputFiles.deleteTree(lake);
    }
    double steady = Math.max(0.001, wall - startup);
    double rps = input.records() / steady;
    // Too short a run to tell its steady part from the start-up's noise: no rate.
    // A peer's steady time is what it timed itself, apart from its start-up: no noise to separate.
    boolean measurable =
        startup > 0 && (variant.peer() ? steady > 0.01 : steady >= Math.max(1.0, 0.1 * wall));
    if (startup > 0 && !measurable) {
      check = check + "; too short to separate from the start-up: no rate";
    }
    if (variant.baseline() && ok) {
      check = check + cpuUse(child.log());
    }
    double job = jobSeconds(child.log());
    Results.BatchRun run =
        new Results.BatchRun(
            label(variant),
            cores(variant),
            input.records(),
            input.bytes(),
            wall,
            startup,
            startup > 0 ? steady : 0,
            job,
            measurable ? rps : Double.NaN,
            measurable ? input.bytes() / 1e6 / steady : Double.NaN,
            result.rss(),
            result.peakHeapBytes(),
            result.peakLiveBytes(),
            result.collections(),
            result.exitCode(),
            ok,
            check,
            config.out().relativize(child.log()).toString(),
            result.cpuSeconds(),
            serviceCpu,
            result.threadCpuSeconds());
    Bench.progress(
        "batch %s: %s in %.1f s (%s), RSS %s MB, heap %s MB peak / %s MB live; %s",
        name,
        ok ? "done" : "FAILED",
        wall,
        startupRun
            ? "start-up run"
            : startup == 0
                ? "no start-up run to subtract: no rate"
                : measurable
                    ? String.format(
                        "start-up %.1f s, steady %.1f s: %,.0f records/s, %.1f MB/s",
                        startup, steady, rps, input.bytes() / 1e6 / steady)
                    : String.format("start-up %.1f s: no steady part to measure", startup),
        Bench.mb(result.rss()),
        Bench.mb(result.peakHeapBytes()),
        Bench.mb(result.peakLiveBytes()),
        check);
    return run;
  }

  private static final Pattern PEER_SECONDS = Pattern.compile("^PEER .*\\bseconds=([0-9.]+)");

  private static final Pattern BASELINE_CPU =
      Pattern.compile("^BASELINE .*\\bcpu=([0-9.]+) seconds=([0-9.]+)");

  /** The baseline's CPU seconds over its processing seconds (its BASELINE line), as text. */
  static String cpuUse(Path log) {
    try {
      for (String line : Files.readAllLines(log)) {
        Matcher m = BASELINE_CPU.matcher(line);
        if (m.find()) {
          double cpu = Double.parseDouble(m.group(1));
          double seconds = Double.parseDouble(m.group(2));
          return String.format(
              java.util.Locale.ROOT,
              "; CPU %.1f s in %.1f s: %.2f cores busy",
              cpu,
              seconds,
              cpu / Math.max(1e-9, seconds));
        }
      }
    } catch (IOException | RuntimeException e) {
      return "";
    }
    return "";
  }

  /** The seconds a peer timed itself (its {@code PEER} line); NaN when it printed none. */
  static double peerSeconds(Path log) {
    try {
      for (String line : Files.readAllLines(log)) {
        Matcher m = PEER_SECONDS.matcher(line);
        if (m.find()) {
          return Double.parseDouble(m.group(1));
        }
      }
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
    return Double.NaN;
  }

  /**
   * DuckDB's lake against the baseline's: each of its tables (the kinds' primary tables) with the
   * same rows and partitions. Its schemas differ by design (no typing rules).
   */
  private String checkPrimaryTables(LakeStats stats, long records) {
    if (stats.tables().isEmpty()) {
      return "empty lake";
    }
    if (reference == null || referenceRecords != records) {
      return "ok (" + String.format("%,d", stats.rows()) + " rows, no baseline to compare with)";
    }
    List<String> diff = new ArrayList<>();
    for (Map.Entry<String, LakeStats.Table> e : stats.tables().entrySet()) {
      LakeStats.Table base = reference.tables().get(e.getKey());
      if (base == null) {
        diff.add(e.getKey() + ": not in the baseline lake");
      } else if (base.rows() != e.getValue().rows()) {
        diff.add(e.getKey() + ": " + e.getValue().rows() + " rows, baseline " + base.rows());
      } else if (!base.partitions().equals(e.getValue().partitions())) {
        diff.add(e.getKey() + ": partitions differ from the baseline's");
      }
    }
    return diff.isEmpty()
        ? "ok (the "
            + stats.tables().size()
            + " primary tables: same rows and partitions as the baseline's; no child tables, no"
            + " PII, no typing)"
        : "DIFFERS: " + String.join("; ", diff);
  }

  /** The table commits' durations (ms) of the last flink-iceberg run. */
  List<Double> commitMillis() {
    return commitMillis;
  }

  private static final Pattern COMMIT_REPORT =
      Pattern.compile(
          "CommitReport\\{tableName=[^,]*?\\.(\\w+), .*?totalDuration=TimerResult\\{timeUnit=\\w+,"
              + " totalDuration=(PT[0-9.HMS]+)");

  /**
   * The durations of the table commits of a run, from Iceberg's own commit reports in its log
   * (LoggingMetricsReporter: one per commit, timed from the start of the commit to its end, retries
   * included).
   */
  static List<Double> commitMillis(Path log) throws IOException {
    List<Double> out = new ArrayList<>();
    for (String line : Files.readAllLines(log)) {
      Matcher m = COMMIT_REPORT.matcher(line);
      if (m.find()) {
        out.add(Duration.parse(m.group(2)).toNanos() / 1e6);
      }
    }
    return out;
  }

  /**
   * The Iceberg run's tables against the Parquet lake of the flink run of the same size (else the
   * baseline's): the same rows per table, read from each table's current snapshot; and its commit
   * latencies.
   */
  private String checkIceberg(Path lake, long records, Path log) throws IOException {
    commitMillis = commitMillis(log);
    io.datalake.transforms.lake.iceberg.IcebergCatalogConfig catalog =
        io.datalake.transforms.lake.iceberg.IcebergCatalogConfig.hadoop(lake.toString());
    Map<String, Long> rows = new TreeMap<>();
    for (io.datalake.transforms.lake.iceberg.IcebergLakeAdmin.TableState t :
        io.datalake.transforms.lake.iceberg.IcebergLakeAdmin.tables(catalog)) {
      if (t.rows() > 0) {
        rows.put(t.name(), t.rows());
      }
    }
    String latency = latency(commitMillis);
    LakeStats against =
        parquet != null && parquetRecords == records
            ? parquet
            : reference != null && referenceRecords == records ? reference : null;
    if (rows.isEmpty()) {
      return "empty Iceberg lake";
    }
    long total = rows.values().stream().mapToLong(Long::longValue).sum();
    if (against == null) {
      return String.format(
          "ok (%,d rows in %d tables, no Parquet lake to compare with); %s",
          total, rows.size(), latency);
    }
    List<String> diff = new ArrayList<>();
    for (Map.Entry<String, LakeStats.Table> e : against.tables().entrySet()) {
      long got = rows.getOrDefault(e.getKey(), 0L);
      if (got != e.getValue().rows()) {
        diff.add(e.getKey() + ": " + got + " rows, Parquet " + e.getValue().rows());
      }
    }
    return diff.isEmpty()
        ? String.format(
            "ok (same rows per table as the Parquet lake: %,d in %d tables); %s",
            total, rows.size(), latency)
        : "DIFFERS: " + String.join("; ", diff);
  }

  /** "N table commits, median X ms, max Y ms". */
  static String latency(List<Double> millis) {
    if (millis.isEmpty()) {
      return "no commit report in the log";
    }
    List<Double> sorted = new ArrayList<>(millis);
    sorted.sort(null);
    return String.format(
        java.util.Locale.ROOT,
        "%d table commits, median %.0f ms, max %.0f ms per commit",
        sorted.size(),
        sorted.get(sorted.size() / 2),
        sorted.get(sorted.size() - 1));
  }

  /** Drops the current size's baseline lake (after all its variants ran). */
  void forgetReference() throws IOException {
    if (reference != null && !config.keep()) {
      for (Variant v : List.of(Variant.BASELINE_1T, Variant.BASELINE_NT)) {
        InputFiles.deleteTree(
            config
                .out()
                .resolve("runs")
                .resolve(label(v) + "-" + referenceRecords)
                .resolve("lake"));
      }
    }
    reference = null;
    referenceRecords = -1;
  }

  private static final Pattern JOB_STATE =
      Pattern.compile(
          "^(\\d\\d):(\\d\\d):(\\d\\d)\\.(\\d{3}) .*switched from state (\\w+) to (\\w+)");

  /** Seconds from the Flink job's RUNNING to its FINISHED, from the log; NaN when not there. */
  static double jobSeconds(Path log) {
    double running = Double.NaN;
    double finished = Double.NaN;
    try {
      for (String line : Files.readAllLines(log)) {
        Matcher m = JOB_STATE.matcher(line);
        if (m.find()) {
          double t =
              Integer.parseInt(m.group(1)) * 3600
                  + Integer.parseInt(m.group(2)) * 60
                  + Integer.parseInt(m.group(3))
                  + Integer.parseInt(m.group(4)) / 1000.0;
          if (m.group(6).equals("RUNNING") && Double.isNaN(running)) {
            running = t;
          } else if (m.group(6).equals("FINISHED")) {
            finished = t;
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
    double d = finished - running;
    return d < 0 ? d + 86400 : d;
  }

  private List<String> flink() {
    return List.of(
        "--runner=FlinkRunner", "--flinkMaster=[local]", "--parallelism=" + config.cores());
  }

  private static String lastError(ChildJvm child) {
    String line = errorLine(child.log());
    return line != null ? line : "see " + child.log();
  }

  /** The most telling error line of a failed run's log: out of memory, else the root cause. */
  static String errorLine(Path log) {
    List<String> all;
    try {
      all = Files.readAllLines(log);
    } catch (IOException | RuntimeException e) {
      return null;
    }
    List<String> lines = all.subList(Math.max(0, all.size() - 400), all.size());
    for (String wanted :
        new String[] {
          "OutOfMemoryError", "Exception in thread", "Caused by", "Exception", "ERROR"
        }) {
      String found = null;
      for (String line : lines) {
        if (line.contains(wanted)) {
          found = line.trim();
          if (!wanted.equals("Caused by")) {
            break; // the first; for causes, the last (the root)
          }
        }
      }
      if (found != null) {
        return found.length() > 300 ? found.substring(0, 300) : found;
      }
    }
    return null;
  }

  /** Rows per ClickHouse table of this run's database against the baseline's lake rows. */
  private String checkClickHouse(Variant variant, String database, long records) {
    try {
      ClickHouseClient ch = Services.clickhouse(config);
      Map<String, Long> counts = new TreeMap<>();
      for (String line :
          ch.execute(
                  "SELECT table, sum(rows) FROM system.parts WHERE database = '"
                      + database
                      + "' AND active GROUP BY table FORMAT TabSeparated")
              .split("\n")) {
        if (!line.isBlank()) {
          String[] kv = line.split("\t");
          counts.put(kv[0], Long.parseLong(kv[1]));
        }
      }
      if (reference == null || referenceRecords != records) {
        return "ok (ClickHouse rows: " + counts + ", no baseline to compare with)";
      }
      List<String> diff = new ArrayList<>();
      for (Map.Entry<String, LakeStats.Table> e : reference.tables().entrySet()) {
        long got = counts.getOrDefault(e.getKey(), 0L);
        if (got != e.getValue().rows()) {
          diff.add(
              e.getKey()
                  + ": "
                  + got
                  + " in ClickHouse, "
                  + e.getValue().rows()
                  + " in the baseline lake");
        }
      }
      if (WarehouseTables.byName("current_entities") != null
          && !counts.containsKey("current_entities")) {
        diff.add("current_entities: missing");
      }
      return diff.isEmpty()
          ? "ok (ClickHouse rows per table = the baseline lake's"
              + (variant == Variant.CLICKHOUSE_BULK
                  ? ")"
                  : "; lake on S3 checked by the run's own summary)")
          : "DIFFERS: " + String.join("; ", diff);
    } catch (RuntimeException e) {
      return "ClickHouse check failed: " + e.getMessage();
    }
  }

  private void cleanupS3AndClickHouse(String prefix, String database) {
    try {
      LocalServices.dropWarehouse(Services.clickhouse(config), database);
    } catch (RuntimeException e) {
      Bench.progress("cleanup: could not drop %s: %s", database, e.getMessage());
    }
    if (prefix == null) {
      return;
    }
    try {
      Services.deleteS3Prefix(config, prefix);
    } catch (RuntimeException e) {
      Bench.progress(
          "cleanup: could not delete s3://%s/%s: %s", config.s3Bucket(), prefix, e.getMessage());
    }
  }
}
