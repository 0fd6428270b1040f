package io.datalake.bench;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The Iceberg part of the benchmark: commit latencies from Iceberg's reports, the note. */
public class IcebergBenchTest {
  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  @Test
  public void commitLatenciesAreReadFromIcebergsCommitReports() throws Exception {
    Path log = temp.newFile("run.log").toPath();
    Files.writeString(
        log,
        "06:08:00.001 [main] INFO org.apache.iceberg.metrics.LoggingMetricsReporter - Received"
            + " metrics report: CommitReport{tableName=datalake.datalake.journey_events,"
            + " snapshotId=1, sequenceNumber=1, operation=append,"
            + " commitMetrics=CommitMetricsResult{totalDuration=TimerResult{timeUnit=NANOSECONDS,"
            + " totalDuration=PT2.473272728S, count=1}, attempts=CounterResult{unit=COUNT,"
            + " value=1}}}\n"
            + "other line\n"
            + "06:08:01.001 [x] INFO org.apache.iceberg.metrics.LoggingMetricsReporter - Received"
            + " metrics report: CommitReport{tableName=datalake.datalake.portal_events,"
            + " snapshotId=2, commitMetrics=CommitMetricsResult{totalDuration=TimerResult{"
            + "timeUnit=NANOSECONDS, totalDuration=PT0.12S, count=1}}}\n");
    List<Double> millis = BatchBench.commitMillis(log);
    List<Long> rounded = new ArrayList<>();
    millis.forEach(m -> rounded.add(Math.round(m)));
    assertThat(rounded, contains(2473L, 120L));
    assertThat(
        BatchBench.latency(millis), is("2 table commits, median 2473 ms, max 2473 ms per commit"));
    assertThat(BatchBench.latency(List.of()), is("no commit report in the log"));
  }

  @Test
  public void theNoteGivesIcebergBesideParquet() {
    Results r = new Results();
    r.batch.add(run("flink", 10_000, 2000));
    r.batch.add(run("flink-iceberg", 10_000, 1500));
    String note = Benchmark.icebergBesideParquet(r, 10_000, List.of(100.0, 300.0, 200.0));
    assertThat(note, containsString("flink-iceberg 1,500 records/s"));
    assertThat(note, containsString("flink (Parquet) 2,000 records/s: 0.75 × Parquet"));
    assertThat(note, containsString("3 table commits, median 200 ms, max 300 ms"));
  }

  private static Results.BatchRun run(String variant, long records, double rps) {
    return new Results.BatchRun(
        variant, 2, records, 1, 10, 1, 9, 9, rps, 1, 0, 0, 0, 0, 0, true, "ok", "log", 20, Map.of(),
        Map.of());
  }
}
