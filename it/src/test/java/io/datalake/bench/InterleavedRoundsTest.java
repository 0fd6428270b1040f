package io.datalake.bench;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.Test;

/**
 * The variants run in turn, round after round, and each sized run is paired with the start-up run
 * made right before it: the start-up subtracted is the one measured in the same minute.
 */
public class InterleavedRoundsTest {
  @Test
  public void eachSizedRunFollowsItsOwnStartupRunAndSubtractsOnlyThat() throws Exception {
    List<String> order = new ArrayList<>();
    // The machine slows down from round to round: the start-ups grow with it.
    double[] startupOfRound = {3.0, 4.5, 6.0};
    int[] round = {0};
    Map<BatchBench.Variant, List<Results.BatchRun>> startups =
        new EnumMap<>(BatchBench.Variant.class);
    Map<BatchBench.Variant, List<Results.BatchRun>> runs =
        Benchmark.interleaved(
            List.of(BatchBench.Variant.BASELINE_NT, BatchBench.Variant.FLINK),
            3,
            new Benchmark.Rounds() {
              @Override
              public Results.BatchRun startup(BatchBench.Variant v) {
                order.add("startup " + v);
                return timed(v, startupOfRound[round[0]], 0);
              }

              @Override
              public Results.BatchRun run(BatchBench.Variant v, double startupSeconds) {
                order.add("run " + v + " less " + startupSeconds);
                if (v == BatchBench.Variant.FLINK) {
                  round[0] = Math.min(round[0] + 1, 2);
                }
                return timed(v, 20.0, startupSeconds);
              }
            },
            startups);
    assertThat(
        order,
        is(
            List.of(
                "startup BASELINE_NT",
                "run BASELINE_NT less 3.0",
                "startup FLINK",
                "run FLINK less 3.0",
                "startup BASELINE_NT",
                "run BASELINE_NT less 4.5",
                "startup FLINK",
                "run FLINK less 4.5",
                "startup BASELINE_NT",
                "run BASELINE_NT less 6.0",
                "startup FLINK",
                "run FLINK less 6.0")));
    assertThat(runs.get(BatchBench.Variant.FLINK).size(), is(3));
    assertThat(startups.get(BatchBench.Variant.FLINK).size(), is(3));
    assertThat(startups.get(BatchBench.Variant.BASELINE_NT).get(2).wallSeconds(), is(6.0));
    assertThat(runs.get(BatchBench.Variant.FLINK).get(1).startupSeconds(), is(4.5));
  }

  /** A run of {@code wall} seconds with {@code startup} subtracted (0: a start-up run). */
  private static Results.BatchRun timed(BatchBench.Variant v, double wall, double startup) {
    double steady = startup > 0 ? wall - startup : 0;
    return new Results.BatchRun(
        v.name(),
        2,
        100_000,
        1,
        wall,
        startup,
        steady,
        steady,
        startup > 0 ? 100_000 / steady : Double.NaN,
        1,
        0,
        0,
        0,
        0,
        0,
        true,
        "ok",
        "log",
        20,
        Map.of(),
        Map.of());
  }
}
