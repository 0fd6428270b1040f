package io.datalake.bench;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.closeTo;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;

import java.util.List;
import java.util.Map;
import org.junit.Test;

/** The no-regression guard: which figures count as more than 10% worse than recorded. */
public class FiguresTest {
  @Test
  public void ratesAreWorseLowerAndEverythingElseHigher() {
    Map<String, Double> recorded =
        Map.of(
            "batch.flink.100000.recordsPerSecond", 1000.0,
            "batch.flink.100000.steadySeconds", 100.0,
            "streaming.4000.clickhouseP95Seconds", 2.0,
            "streaming.4000.notSeen", 0.0);
    Map<String, Double> now =
        Map.of(
            "batch.flink.100000.recordsPerSecond", 880.0,
            "batch.flink.100000.steadySeconds", 111.0,
            "streaming.4000.clickhouseP95Seconds", 2.1,
            "streaming.4000.notSeen", 3.0);
    List<String> worse =
        Figures.compare(recorded, now).stream().map(Results.Regression::figure).sorted().toList();
    assertThat(
        worse,
        contains(
            "batch.flink.100000.recordsPerSecond",
            "batch.flink.100000.steadySeconds",
            "streaming.4000.notSeen"));
  }

  @Test
  public void betterOrWithinTenPercentOrNewFiguresAreNotRegressions() {
    Map<String, Double> recorded =
        Map.of(
            "batch.flink.100000.recordsPerSecond", 1000.0,
            "batch.flink.100000.peakRssMb", 500.0);
    Map<String, Double> now =
        Map.of(
            "batch.flink.100000.recordsPerSecond", 1500.0,
            "batch.flink.100000.peakRssMb", 549.0,
            "batch.duckdb.100000.recordsPerSecond", 1.0);
    assertThat(Figures.compare(recorded, now), is(empty()));
  }

  @Test
  public void aSlowerMachineListsAbsoluteFiguresButNotTheRatiosToItsOwnBaseline() {
    // Recorded before ratio figures existed: the recorded side's ratios come from its rates.
    Map<String, Double> recorded =
        Map.of(
            "batch.baseline-1t.100000.recordsPerSecond", 10_000.0,
            "batch.baseline-2t.100000.recordsPerSecond", 9_000.0,
            "batch.flink.100000.recordsPerSecond", 8_000.0,
            "batch.flink-s3-ch.100000.recordsPerSecond", 3_600.0);
    // Everything 3 x slower, and flink-s3-ch's code 20% slower besides.
    Map<String, Double> now =
        Figures.withRatios(
            Map.of(
                "batch.baseline-1t.100000.recordsPerSecond", 3_333.0,
                "batch.baseline-2t.100000.recordsPerSecond", 3_000.0,
                "batch.flink.100000.recordsPerSecond", 2_667.0,
                "batch.flink-s3-ch.100000.recordsPerSecond", 960.0));
    assertThat(
        now.keySet().stream().filter(Figures::isRatio).sorted().toList(),
        contains(
            "batch.baseline-1t.100000.vsBaselineNt",
            "batch.flink-s3-ch.100000.vsBaselineNt",
            "batch.flink.100000.vsBaselineNt"));
    List<Results.Regression> worse = Figures.compare(recorded, now);
    assertThat(
        worse.stream()
            .filter(g -> Figures.isRatio(g.figure()))
            .map(Results.Regression::figure)
            .toList(),
        contains("batch.flink-s3-ch.100000.vsBaselineNt"));
    assertThat(worse.stream().filter(g -> !Figures.isRatio(g.figure())).count(), is(4L));
    assertThat(Figures.machineSpeed(recorded, now).get(100_000L), closeTo(0.333, 0.001));
  }
}
