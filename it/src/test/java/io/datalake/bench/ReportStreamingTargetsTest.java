package io.datalake.bench;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasEntry;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;

import java.util.List;
import java.util.Map;
import org.junit.Test;

/** Issue 16's streaming targets in the report: quiet and loaded runs apart, kept up or not. */
public class ReportStreamingTargetsTest {
  @Test
  public void theQuietAndTheLoadedRunAreReportedApart() {
    Results r = new Results();
    r.streaming.add(run(4000, 3900, 1.8, false, true, 0, 0));
    r.streaming.add(run(4000, 2500, 40.0, true, true, 1, 0.97));
    String text = targets(r);
    assertThat(
        text,
        containsString(
            "the best run that kept up: **3,900/s** at 4,000/s offered; **not met** (not offered:"
                + " 4,000/s the highest rate run)"));
    assertThat(
        text,
        containsString(
            "- Streaming at 4,000 records/s: ClickHouse freshness p95 1.80 s (≤ 2.5 s), lag flat"));
    assertThat(
        text, containsString("loaded by 1 busy process (a shell loop of integer arithmetic each"));
    assertThat(text, containsString("which used 0.97 core: ClickHouse freshness p95 40.00 s"));
    assertThat(text, containsString("sustained 2,500/s (the job: 2,500/s)"));
    assertThat(text, not(containsString("not run")));
    assertThat(Report.offered(r.streaming.get(1)), containsString("4,000, loaded (0.97 core"));
  }

  @Test
  public void whereAStreamsCoresWentIsGivenPerRowOfTheJobsRate() throws Exception {
    // 30 s in which the pipeline used 45 CPU-s (1.5 cores) while the job put 2,000 rows/s into
    // ClickHouse: 60,000 rows, 0.75 ms of the pipeline's CPU each.
    Results.CoresUsed cores =
        new Results.CoresUsed(
            30,
            Map.of("app", 30.0, "jit", 6.0, "gc", 9.0),
            3.0,
            Map.of("clickhouse", 15.0, "kafka", 6.0));
    Results r = new Results();
    r.streaming.add(run(4000, 1900, 2000.0, 40, true, true, 0, 0, cores, null));
    assertThat(
        cores.describe(2000.0),
        containsString(
            "over 30 s: the pipeline 1.50 cores (work 1.00, JIT 0.20, GC 0.30), 0.75 ms of its CPU"
                + " per row of the job's rate; ClickHouse 0.50, Kafka 0.20, the benchmark"));
    assertThat(
        Report.markdown(r),
        containsString("| 4,000 | 30 | 2,000 | 1.50 | 1.00 | 0.20 | 0.30 | 0.75 | 0.50 | 0.20 |"));
    // A results.json keeps it, and one from before it loads without it.
    java.nio.file.Path json = java.nio.file.Files.createTempFile("results", ".json");
    try {
      r.streaming.add(run(2000, 2000, 2000.0, 2, false, true, 0, 0, null, null));
      r.save(json);
      Results loaded = Results.load(json);
      assertThat(loaded.streaming.get(0).coresInSecondHalf(), org.hamcrest.Matchers.is(cores));
      assertThat(loaded.streaming.get(1).coresInSecondHalf(), org.hamcrest.Matchers.nullValue());
    } finally {
      java.nio.file.Files.delete(json);
    }
  }

  @Test
  public void aRunThatFellBehindSustainsNothing() {
    Results r = new Results();
    r.streaming.add(run(6000, 5100, 30, true, true, 0, 0));
    r.streaming.add(run(5000, 4990, 2.0, false, true, 0, 0));
    assertThat(targets(r), containsString("**4,990/s** at 5,000/s offered; **not met**."));
    r.streaming.add(run(5500, 5400, 2.0, false, true, 0, 0));
    assertThat(targets(r), containsString("**5,400/s** at 5,500/s offered; met."));
    assertThat(
        targets(r), containsString("- Streaming at 4,000 records/s, machine loaded: not run"));
  }

  @Test
  public void aFailedRunIsSaidToHaveFailed() {
    Results r = new Results();
    r.streaming.add(run(4000, 4000, 1.0, false, false, 0, 0));
    String text = targets(r);
    assertThat(text, containsString("no quiet run kept up"));
    assertThat(text, containsString("**not met**."));
  }

  @Test
  public void loadedFiguresAreRecordedApartByTheLoad() {
    Results r = new Results();
    r.streaming.add(run(4000, 3900, 1.8, false, true, 0, 0));
    r.streaming.add(run(4000, 2500, 40.0, true, true, 1, 0.97));
    Map<String, Double> figures = Figures.of(r);
    assertThat(figures.keySet().toString(), containsString("streaming.4000.clickhouseP95Seconds"));
    assertThat(
        figures.keySet().toString(), containsString("streaming.4000.loaded1.clickhouseP95Seconds"));
  }

  @Test
  public void aJobThatDidNothingShowsZeroAndAnOlderRunWithoutTheFigureShowsNone() {
    Results r = new Results();
    r.streaming.add(run(4000, 0, 90.0, true, true, 0, 0));
    assertThat(targets(r), containsString("sustained 0/s (the job: 0/s)"));
    assertThat(Figures.of(r), hasEntry("streaming.4000.throughputPerSecond", 0.0));
    Results older = new Results();
    older.streaming.add(run(4000, 0, null, 90.0, true, true, 0, 0, null, null));
    assertThat(targets(older), containsString("sustained 0/s (the job: -/s)"));
    assertThat(Figures.of(older), not(hasKey("streaming.4000.throughputPerSecond")));
  }

  @Test
  public void howTheWarmUpEndedIsShownAndKeptAndAnOlderRunHasNone() throws Exception {
    Results r = new Results();
    r.streaming.add(
        run(2000, 2000, 2000.0, 3, false, true, 0, 0, null, new Results.CatchUp(34.2, true, 3.1)));
    r.streaming.add(
        run(4000, 2500, 2500.0, 60, true, true, 0, 0, null, new Results.CatchUp(31, false, 52)));
    r.streaming.add(run(500, 500, 500.0, 2, false, true, 0, 0, null, null));
    String md = Report.markdown(r);
    assertThat(md, containsString("| 30.0 | 34 s | "));
    assertThat(md, containsString("| 30.0 | 31 s, still 52.0 s behind | "));
    assertThat(md, containsString("| 30.0 | – | "));
    java.nio.file.Path json = java.nio.file.Files.createTempFile("results", ".json");
    try {
      r.save(json);
      Results loaded = Results.load(json);
      assertThat(
          loaded.streaming.get(1).catchUp(),
          org.hamcrest.Matchers.is(new Results.CatchUp(31, false, 52)));
      assertThat(loaded.streaming.get(2).catchUp(), org.hamcrest.Matchers.nullValue());
    } finally {
      java.nio.file.Files.delete(json);
    }
  }

  @Test
  public void theCatchUpGoesOnWhileTheJobGainsASecondIn30() {
    // {ms since the catch-up began, ms behind the producer}
    List<long[]> behind = new java.util.ArrayList<>();
    behind.add(new long[] {0, 40_000});
    behind.add(new long[] {20_000, 45_000});
    assertThat("not 30 s yet", StreamingBench.gaining(behind), org.hamcrest.Matchers.is(true));
    behind.add(new long[] {30_000, 38_000});
    assertThat(StreamingBench.gaining(behind), org.hamcrest.Matchers.is(true));
    behind.add(new long[] {50_000, 44_500});
    assertThat(
        "44.5 s now against 45 s 30 s before",
        StreamingBench.gaining(behind),
        org.hamcrest.Matchers.is(false));
  }

  private static String targets(Results r) {
    StringBuilder t = new StringBuilder();
    Report.streamingTargets(r, t);
    return t.toString();
  }

  private static Results.StreamRun run(
      int rate,
      double sustained,
      double p95,
      boolean growing,
      boolean ok,
      int loadProcesses,
      double loadCores) {
    return run(rate, sustained, sustained, p95, growing, ok, loadProcesses, loadCores, null, null);
  }

  private static Results.StreamRun run(
      int rate,
      double sustained,
      Double throughput,
      double p95,
      boolean growing,
      boolean ok,
      int loadProcesses,
      double loadCores,
      Results.CoresUsed cores,
      Results.CatchUp catchUp) {
    return new Results.StreamRun(
        rate,
        2,
        60,
        rate * 60L,
        1,
        30,
        rate,
        sustained,
        throughput,
        rate * 60L,
        new double[] {p95 / 2, p95, p95, p95},
        rate * 60L,
        new double[] {30, 40, 50, 60},
        0,
        0,
        100,
        growing ? 500 : 0,
        growing,
        1,
        List.of(),
        1,
        1,
        1,
        0,
        ok,
        "ok",
        "log",
        loadProcesses,
        loadCores,
        cores,
        catchUp);
  }
}
