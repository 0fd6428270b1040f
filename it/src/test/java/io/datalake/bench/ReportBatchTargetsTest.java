package io.datalake.bench;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;

import java.util.Map;
import org.junit.Test;

/** Issue 16's batch targets in the report: every size the local-lake batch ran at has a line. */
public class ReportBatchTargetsTest {
  @Test
  public void aSizeTheS3AndClickHouseBatchSkippedIsSaidToBeUnmeasured() {
    Results r = new Results();
    r.settings.put("cores", "2");
    r.settings.put("s3Max", "100000");
    for (long size : new long[] {100_000, 500_000}) {
      r.batch.add(run("baseline-2t", size, 10_000));
      r.batch.add(run("flink", size, 8_000));
    }
    r.batch.add(run("flink-s3-ch", 100_000, 4_000));
    String text = Report.targets(r);
    assertThat(
        text,
        containsString(
            "- flink-s3-ch at 100,000 records ≥ 0.5 × the 2-thread baseline: **0.40 ×**"));
    assertThat(
        text,
        containsString(
            "- flink-s3-ch at 500,000 records ≥ 0.5 × the 2-thread baseline: not measured in this"
                + " run (--s3-max 100000)."));
  }

  @Test
  public void withoutAnS3AndClickHouseBatchThereIsNoSuchLine() {
    Results r = new Results();
    r.batch.add(run("baseline-2t", 100_000, 10_000));
    r.batch.add(run("flink", 100_000, 8_000));
    assertThat(Report.targets(r), not(containsString("flink-s3-ch")));
  }

  private static Results.BatchRun run(String variant, long records, double perSecond) {
    return new Results.BatchRun(
        variant,
        2,
        records,
        records * 3_000,
        records / perSecond + 3,
        3,
        records / perSecond,
        records / perSecond,
        perSecond,
        perSecond * 3_000 / 1e6,
        1L << 30,
        1L << 29,
        1L << 28,
        10,
        0,
        true,
        "ok",
        "log",
        10,
        Map.of(),
        Map.of());
  }
}
