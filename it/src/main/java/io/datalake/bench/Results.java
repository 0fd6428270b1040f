package io.datalake.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Everything one benchmark run measured, kept as results.json next to the report. */
final class Results {
  private static final ObjectMapper JSON =
      com.fasterxml.jackson.databind.json.JsonMapper.builder()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .enable(com.fasterxml.jackson.core.json.JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
          .build();

  public Map<String, String> machine = new LinkedHashMap<>();
  public Map<String, String> settings = new LinkedHashMap<>();
  public String started;
  public String finished;

  /** Start-up runs (tiny input), by variant. */
  public List<BatchRun> startup = new ArrayList<>();

  public List<BatchRun> batch = new ArrayList<>();
  public List<StreamRun> streaming = new ArrayList<>();

  /** The monthly roll-up's runs ({@link SnapshotBench}): per entity count and state backend. */
  public List<SnapshotRun> snapshots = new ArrayList<>();

  public Profile profile;
  public List<String> notes = new ArrayList<>();

  /** Each batch run's records/s against the yardsticks of the same size (see {@link Ratios}). */
  public List<Ratios> ratios = new ArrayList<>();

  /** Every figure of this run by name, as {@code --record} keeps them (see {@link Figures}). */
  public Map<String, Double> figures = new LinkedHashMap<>();

  /** The recorded figures compared with: file and when they were measured; null when none. */
  public String recordedFrom;

  /** The figures more than 10% worse than the recorded ones. */
  public List<Regression> regressions = new ArrayList<>();

  /**
   * The 1-thread baseline's records/s over its recorded rate, by records: how fast the machine ran
   * against the recorded one (see {@link Figures#machineSpeed}); empty without either.
   */
  public Map<Long, Double> machineSpeed = new LinkedHashMap<>();

  /**
   * One batch run's rate against the yardsticks measured in the same benchmark run at the same
   * size: the 1-thread baseline, the N-thread baseline, DuckDB, ClickHouse's bulk insert (ratios of
   * records/s; NaN where that yardstick did not run or had no rate).
   */
  public record Ratios(
      String variant,
      long records,
      double recordsPerSecond,
      double vsBaseline1t,
      double vsBaselineNt,
      double vsDuckdb,
      double vsClickhouseBulk) {}

  /**
   * With {@code --repeat}, each variant's rate against the N-thread baseline's round by round: the
   * variants run in turn, so a round's runs met the same machine, and the median of the rounds' own
   * ratios is steadier than the ratio of two medians taken from different rounds.
   */
  public List<PairedRatio> pairedRatios = new ArrayList<>();

  /**
   * A variant's rate over the N-thread baseline's in each round at one size ({@code rounds}, NaN
   * where either had no rate), and their median.
   */
  public record PairedRatio(String variant, long records, List<Double> rounds, double median) {}

  /** A figure worse than its recorded value by more than the threshold. */
  public record Regression(
      String figure, double recorded, double now, double worsePercent, boolean higherIsBetter) {}

  /** One batch run of one variant over one input. */
  public record BatchRun(
      String variant,
      int cores,
      long records,
      long inputBytes,
      double wallSeconds,
      double startupSeconds,
      double steadySeconds,
      double jobSeconds,
      double recordsPerSecond,
      double mbPerSecond,
      long rssBytes,
      long heapPeakBytes,
      long heapLiveBytes,
      int gcCount,
      int exitCode,
      boolean ok,
      String check,
      String log,
      double cpuSeconds,
      Map<String, Double> serviceCpuSeconds,
      Map<String, Double> jvmThreadCpuSeconds) {

    /** The same run with another check (its verdict text). */
    BatchRun withCheck(String check) {
      return withSummary(rssBytes, heapPeakBytes, heapLiveBytes, ok, check);
    }

    /** The same run with other memory peaks, verdict and check: a median standing for its runs. */
    BatchRun withSummary(
        long rssBytes, long heapPeakBytes, long heapLiveBytes, boolean ok, String check) {
      return new BatchRun(
          variant,
          cores,
          records,
          inputBytes,
          wallSeconds,
          startupSeconds,
          steadySeconds,
          jobSeconds,
          recordsPerSecond,
          mbPerSecond,
          rssBytes,
          heapPeakBytes,
          heapLiveBytes,
          gcCount,
          exitCode,
          ok,
          check,
          log,
          cpuSeconds,
          serviceCpuSeconds,
          jvmThreadCpuSeconds);
    }

    /**
     * CPU seconds of the run's JVM and of every local service during it, over its wall time: how
     * many of the machine's cores the run kept busy. NaN when the JVM's CPU was not read.
     */
    double coresBusy() {
      double services =
          serviceCpuSeconds == null
              ? 0
              : serviceCpuSeconds.values().stream().mapToDouble(Double::doubleValue).sum();
      return (cpuSeconds + services) / Math.max(1e-9, wallSeconds);
    }
  }

  /** One run of the streaming snapshot roll-up over N reused entities with one state backend. */
  public record SnapshotRun(
      long entities,
      int opsPerEntity,
      String backend,
      String heap,
      int cores,
      double wallSeconds,
      long operations,
      long snapshotRows,
      double opsPerSecondBefore,
      double opsPerSecondAtBoundary,
      double snapshotRowsPerSecond,
      int boundarySeconds,
      int checkpoints,
      long lastCheckpointBytes,
      long maxCheckpointBytes,
      long lastCheckpointMillis,
      long maxCheckpointMillis,
      long checkpointFolderBytes,
      long rssBytes,
      long heapPeakBytes,
      long heapLiveBytes,
      int exitCode,
      boolean oom,
      boolean ok,
      String check,
      String loadAtStart,
      String log) {}

  /** One streaming run at one offered rate. */
  public record StreamRun(
      int offeredRate,
      int cores,
      int durationSeconds,
      long produced,
      long producedBytes,
      double startupSeconds,
      double sentPerSecond,
      double sustainedPerSecond,
      Double throughputPerSecond,
      long clickhouseSeen,
      double[] clickhouseFreshness,
      long parquetSeen,
      double[] parquetFreshness,
      long lost,
      long lostParquet,
      long maxLag,
      double lagSlopePerSecond,
      boolean lagGrowing,
      double drainSeconds,
      List<long[]> lag,
      long rssBytes,
      long heapPeakBytes,
      long heapLiveBytes,
      int exitCode,
      boolean ok,
      String check,
      String log,
      int loadProcesses,
      double loadCores,
      CoresUsed coresInSecondHalf,
      CatchUp catchUp) {

    /**
     * Whether other processes loaded the machine during the run ({@code loadProcesses}: how many
     * {@link BusyLoad} processes; {@code loadCores}: the cores they used during the measured
     * period). Runs recorded before there was a load have none.
     */
    boolean loaded() {
      return loadProcesses > 0;
    }

    /** This run with {@code check} and {@code ok} instead of its own. */
    StreamRun withCheck(String check, boolean ok) {
      return new StreamRun(
          offeredRate,
          cores,
          durationSeconds,
          produced,
          producedBytes,
          startupSeconds,
          sentPerSecond,
          sustainedPerSecond,
          throughputPerSecond,
          clickhouseSeen,
          clickhouseFreshness,
          parquetSeen,
          parquetFreshness,
          lost,
          lostParquet,
          maxLag,
          lagSlopePerSecond,
          lagGrowing,
          drainSeconds,
          lag,
          rssBytes,
          heapPeakBytes,
          heapLiveBytes,
          exitCode,
          ok,
          check,
          log,
          loadProcesses,
          loadCores,
          coresInSecondHalf,
          catchUp);
    }
  }

  /**
   * How a stream's warm-up ended: after {@code --warmup} seconds at the offered rate, the producer
   * goes on at that rate, still unmeasured, until the job has caught up with it (is at most {@link
   * StreamingBench#CAUGHT_UP_MS} behind: the newest warm-up event of each kind in ClickHouse was
   * sent no longer ago), stops gaining on it, or for {@code --catch-up} seconds at most. {@code
   * extraSeconds}: how long it went on; {@code caughtUp}: whether the job caught up (false: the
   * measured period started behind a start-up backlog, which its freshness then includes); {@code
   * behindSeconds}: how far behind the producer the job was then. Null in results from before it
   * and with {@code --catch-up 0}.
   */
  public record CatchUp(double extraSeconds, boolean caughtUp, double behindSeconds) {

    /** "34 s" or "31 s, still 52.0 s behind". */
    String describe() {
      return caughtUp
          ? String.format(Locale.ROOT, "%.0f s", extraSeconds)
          : String.format(Locale.ROOT, "%.0f s, still %.1f s behind", extraSeconds, behindSeconds);
    }
  }

  /**
   * Where a stream's cores went over the second half of its measured period (the half its job's
   * rate counts rows in): CPU seconds of the pipeline JVM by its threads ({@code app}, {@code jit},
   * {@code gc}, as in a batch run), of the benchmark's own JVM (the producer and the polls), of
   * each local service, and the half's length. Null in results from before it.
   */
  public record CoresUsed(
      double seconds,
      Map<String, Double> pipelineCpuSeconds,
      double benchmarkCpuSeconds,
      Map<String, Double> serviceCpuSeconds) {

    /** The pipeline JVM's CPU seconds, all its threads. */
    double pipelineTotal() {
      return pipelineCpuSeconds.values().stream().mapToDouble(Double::doubleValue).sum();
    }

    /** CPU seconds over the half's wall time: the cores kept busy. */
    double cores(double cpuSeconds) {
      return cpuSeconds / Math.max(1e-9, seconds);
    }

    /** The cores the pipeline JVM's threads of one kind (app, jit, gc) kept busy. */
    double pipelineCores(String kind) {
      return cores(pipelineCpuSeconds.getOrDefault(kind, 0.0));
    }

    /** The cores a local service kept busy; NaN when it was not measured. */
    double serviceCores(String service) {
      return cores(serviceCpuSeconds.getOrDefault(service, Double.NaN));
    }

    /**
     * The pipeline JVM's CPU milliseconds per row of the job's rate ({@code rowsPerSecond}, rows
     * that reached ClickHouse in the same half): what a row costs it, apart from how many cores it
     * got; NaN without a rate.
     */
    double pipelineMsPerRow(Double rowsPerSecond) {
      return rowsPerSecond == null || !(rowsPerSecond > 0)
          ? Double.NaN
          : 1000 * pipelineTotal() / (rowsPerSecond * seconds);
    }

    /** One line: the pipeline's cores by thread kind, its cost per row, the other processes'. */
    String describe(Double rowsPerSecond) {
      return String.format(
          Locale.ROOT,
          "over %.0f s: the pipeline %.2f cores (work %.2f, JIT %.2f, GC %.2f), %.2f ms of its CPU"
              + " per row of the job's rate; ClickHouse %.2f, Kafka %.2f, the benchmark (producer,"
              + " polls) %.2f cores",
          seconds,
          cores(pipelineTotal()),
          pipelineCores("app"),
          pipelineCores("jit"),
          pipelineCores("gc"),
          pipelineMsPerRow(rowsPerSecond),
          serviceCores("clickhouse"),
          serviceCores("kafka"),
          cores(benchmarkCpuSeconds));
    }
  }

  /** A JFR profile: samples, and the top frames by self and by inclusive samples. */
  public record Profile(
      String run,
      String file,
      long samples,
      List<Frame> self,
      List<Frame> inclusive,
      List<Frame> inclusiveOurs,
      List<Frame> packages) {}

  public record Frame(String frame, long samples, double percent) {}

  void save(Path file) throws IOException {
    JSON.writeValue(file.toFile(), this);
  }

  static Results load(Path file) throws IOException {
    return JSON.readValue(file.toFile(), Results.class);
  }
}
