package io.datalake.bench;

import static org.hamcrest.MatcherAssert.assertThat;
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
}
