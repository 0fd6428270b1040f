package io.datalake.bench;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.closeTo;
import static org.hamcrest.Matchers.is;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.Test;

public class PairedRatiosTest {
  @Test
  public void eachRoundIsComparedWithTheBaselineOfTheSameRound() {
    Map<BatchBench.Variant, List<Results.BatchRun>> rounds = new LinkedHashMap<>();
    // The machine slows down in round 2 and speeds up in round 3: both variants meet it alike.
    rounds.put(
        BatchBench.Variant.BASELINE_NT,
        List.of(run("baseline-2t", 8000), run("baseline-2t", 4000), run("baseline-2t", 10000)));
    rounds.put(
        BatchBench.Variant.FLINK_S3_CH,
        List.of(run("flink-s3-ch", 4000), run("flink-s3-ch", 2400), run("flink-s3-ch", 4500)));
    List<Results.PairedRatio> paired = Benchmark.pairedRatios(rounds, 100_000);
    assertThat(paired.size(), is(1));
    Results.PairedRatio p = paired.get(0);
    assertThat(p.variant(), is("flink-s3-ch"));
    assertThat(p.rounds(), is(List.of(0.5, 0.6, 0.45)));
    assertThat(p.median(), closeTo(0.5, 1e-9));
  }

  @Test
  public void aFailedRoundHasNoRatioAndTheMedianIsOfTheOthers() {
    Map<BatchBench.Variant, List<Results.BatchRun>> rounds = new LinkedHashMap<>();
    rounds.put(
        BatchBench.Variant.BASELINE_NT,
        List.of(run("baseline-2t", 8000), run("baseline-2t", 8000), run("baseline-2t", 8000)));
    rounds.put(
        BatchBench.Variant.FLINK,
        List.of(run("flink", 6400), run("flink", Double.NaN), run("flink", 4800)));
    Results.PairedRatio p = Benchmark.pairedRatios(rounds, 100_000).get(0);
    assertThat(Double.isNaN(p.rounds().get(1)), is(true));
    assertThat(p.median(), closeTo(0.6, 1e-9));
  }

  @Test
  public void noneWithoutRepeatsOrWithoutTheBaseline() {
    Map<BatchBench.Variant, List<Results.BatchRun>> once = new LinkedHashMap<>();
    once.put(BatchBench.Variant.BASELINE_NT, List.of(run("baseline-2t", 8000)));
    once.put(BatchBench.Variant.FLINK, List.of(run("flink", 6000)));
    assertThat(Benchmark.pairedRatios(once, 100_000).isEmpty(), is(true));
    Map<BatchBench.Variant, List<Results.BatchRun>> noBaseline = new LinkedHashMap<>();
    noBaseline.put(BatchBench.Variant.FLINK, List.of(run("flink", 6000), run("flink", 6000)));
    assertThat(Benchmark.pairedRatios(noBaseline, 100_000).isEmpty(), is(true));
  }

  private static Results.BatchRun run(String variant, double rps) {
    return new Results.BatchRun(
        variant,
        2,
        100_000,
        1,
        10,
        1,
        9,
        9,
        rps,
        1,
        0,
        0,
        0,
        0,
        0,
        !Double.isNaN(rps),
        "ok",
        "log",
        20,
        Map.of(),
        Map.of());
  }
}
