package io.datalake.it;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.datalake.options.DatalakeOptions;
import io.datalake.pipelines.DatalakePipeline;
import io.datalake.testing.Await;
import io.datalake.testing.LakeFiles;
import io.datalake.testing.LocalServices;
import io.datalake.testing.TestEvents;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.After;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The same graph fed from the real Kafka broker (DirectRunner, streaming): a known set with
 * out-of-order, late and too-late events and bad lines; every record ends in its table, in the
 * partition of its own event time, in ClickHouse (FINAL counts) or in dead letters.
 */
public class StreamingIT {
  @Rule public final TemporaryFolder temp = new TemporaryFolder();
  private final String run = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
  private final String database = "stream_" + run;
  private final String topic = "journey-events-" + run;

  @After
  public void dropDatabase() {
    LocalServices.dropWarehouse(database);
  }

  @Test
  public void everyRecordLandsInItsPartitionInClickHouseOrInDeadLetters() throws Exception {
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    // 40 on time and out of order, 5 late, 5 too late, 2 bad lines.
    List<String> records = TestEvents.knownSet(40, now);
    String topics = LocalServices.freshTopics(run);
    LocalServices.produce(topic, records);

    Path lake = temp.newFolder("lake").toPath();
    DatalakeOptions options =
        PipelineOptionsFactory.fromArgs(
                java.util.stream.Stream.concat(
                        java.util.stream.Stream.of("--blockOnRun=false"),
                        LocalServices.streamingArgs(run, topics, lake, database).stream())
                    .toArray(String[]::new))
            .as(DatalakeOptions.class);
    PipelineResult result = DatalakePipeline.run(options);
    try {
      // The assertions below say what was not reached.
      Await.within(
          "the rows in ClickHouse and the lake, and the dead letters",
          120,
          2000,
          () -> {
            try {
              return clickhouseCount("journey_events") == 50
                  && lakeRows(lake, "journey_events") == 50
                  && deadLetterLines(lake) == 2;
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          });
    } finally {
      result.cancel();
    }
    assertThat("rows in ClickHouse (FINAL)", clickhouseCount("journey_events"), equalTo(50L));
    assertThat("rows in the lake", lakeRows(lake, "journey_events"), equalTo(50L));
    assertThat("dead letters", deadLetterLines(lake), equalTo(2L));
    assertThat(
        "too-late rows are flagged, not dropped",
        Long.parseLong(
            LocalServices.clickhouse(
                    "SELECT countIf(late = 1) FROM `"
                        + database
                        + "`.journey_events FINAL WHERE startsWith(id, 'too-late-')")
                .trim()),
        equalTo(5L));
    String oldDay = now.minus(3, ChronoUnit.DAYS).toString().substring(0, 10).replace("-", "/");
    String[] ymd = oldDay.split("/");
    assertThat(
        "too-late rows land in the partition of their own event time",
        Files.isDirectory(
            lake.resolve(
                "journey_events/org_id=739224/year="
                    + ymd[0]
                    + "/month="
                    + ymd[1]
                    + "/day="
                    + ymd[2])),
        equalTo(true));
  }

  private long clickhouseCount(String table) {
    try {
      return Long.parseLong(
          LocalServices.clickhouse("SELECT count() FROM `" + database + "`." + table + " FINAL")
              .trim());
    } catch (RuntimeException e) {
      return -1;
    }
  }

  private static long lakeRows(Path lake, String table) throws Exception {
    return LakeFiles.rows(lake, table).size();
  }

  private static long deadLetterLines(Path lake) throws Exception {
    return LakeFiles.deadLetters(lake).size();
  }
}
