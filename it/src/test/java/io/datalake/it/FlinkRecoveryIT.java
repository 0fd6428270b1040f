package io.datalake.it;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.not;

import io.datalake.testing.LakeFiles;
import io.datalake.testing.LocalServices;
import io.datalake.testing.TestEvents;
import io.datalake.transforms.kinds.JourneyEvents;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.RuleChain;
import org.junit.rules.TemporaryFolder;

/**
 * Streaming on the FlinkRunner (embedded cluster) in its own JVM, as a user runs it: the JVM is
 * killed with SIGKILL mid-stream, restarted with --resume, and in the end every record is in the
 * lake (at least once), exactly once in ClickHouse after FINAL, late ones flagged in their true
 * partition, bad ones in dead letters.
 */
public class FlinkRecoveryIT {
  private final TemporaryFolder temp = new TemporaryFolder();
  private final JobRun jobs = new JobRun("recovery_");
  @Rule public final RuleChain rules = RuleChain.outerRule(temp).around(jobs);
  private final String run = jobs.run;
  private final String database = jobs.database;

  @Test
  public void aKilledJobResumesFromItsCheckpointAndLosesNothing() throws Exception {
    String topics = LocalServices.freshTopics(run);
    String journeyTopic = JourneyEvents.KIND.defaultTopic() + "-" + run;
    Path lake = temp.newFolder("lake").toPath();
    Path checkpoints = temp.newFolder("checkpoints").toPath();
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    // Before the first start: on-time events out of order, late, too late, and bad lines.
    List<String> first = TestEvents.knownSet(150, now);
    LocalServices.produce(journeyTopic, first);

    Path logs = Files.createDirectories(Path.of("target", "flink-recovery-" + run));
    Path firstLog = logs.resolve("first-start.log");
    FlinkJob job = start(topics, lake, checkpoints, firstLog);
    job.await(
        "a first checkpoint and rows in ClickHouse",
        240,
        () ->
            FlinkJob.hasCheckpoint(checkpoints)
                && LocalServices.finalRows(database, "journey_events") > 0);

    // Mid-stream: more events, part of them still in open windows when the JVM dies.
    List<String> second = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      second.add(TestEvents.journeyEvent("b-" + i, Instant.now().minusSeconds(i % 5)));
    }
    LocalServices.produce(journeyTopic, second);
    Thread.sleep(3000);
    // SIGKILL: no shutdown hook, no final checkpoint; kill() fails unless the JVM is gone within 30
    // s.
    assertThat("killed by SIGKILL", job.kill(), equalTo(128 + 9));

    Path secondLog = logs.resolve("resumed.log");
    FlinkJob resumed = start(topics, lake, checkpoints, secondLog);
    List<String> third = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      third.add(TestEvents.journeyEvent("c-" + i, Instant.now().minusSeconds(i % 7)));
    }
    LocalServices.produce(journeyTopic, third);

    long expected = 150 + 150 + 100 + 5 + 5;
    resumed.await(
        "every record in ClickHouse, the lake and dead letters",
        300,
        () ->
            LocalServices.finalRows(database, "journey_events") == expected
                && LakeFiles.distinctIds(lake, "journey_events") == expected
                && distinctDeadLetters(lake) == 2);
    String resumedLog = Files.readString(secondLog);
    assertThat(resumedLog, containsString("datalake: resuming from checkpoint"));
    assertThat("Flink restored the checkpoint", resumedLog, containsString("from savepoint"));
    resumed.terminate(60);
    // What on-call reads: a start, a restore and a stop as planned log no ERROR.
    for (Path log : List.of(firstLog, secondLog)) {
      assertThat(
          log + " has no ERROR line", Files.readString(log), not(containsString("] ERROR ")));
    }

    ClickHouseAssert.everyIdOnce(database, "journey_events", "id", expected);
    assertThat(
        "every id in the lake", LakeFiles.distinctIds(lake, "journey_events"), equalTo(expected));
    assertThat(
        "the lake holds each row at least once",
        (long) LakeFiles.rows(lake, "journey_events").size(),
        greaterThanOrEqualTo(expected));
    assertThat("bad lines in dead letters", distinctDeadLetters(lake), equalTo(2L));
    assertThat(
        "too-late rows are flagged, not dropped",
        LocalServices.clickhouseCount(
            "SELECT countIf(late = 1) FROM `"
                + database
                + "`.journey_events FINAL WHERE startsWith(id, 'too-late-')"),
        equalTo(5L));
    String tooLateDay = now.minus(3, ChronoUnit.DAYS).toString().substring(0, 10);
    String partition =
        "journey_events/org_id=739224/year="
            + tooLateDay.substring(0, 4)
            + "/month="
            + tooLateDay.substring(5, 7)
            + "/day="
            + tooLateDay.substring(8, 10);
    for (LakeFiles.LakeRecord row : LakeFiles.rows(lake, "journey_events")) {
      if (row.string("id").startsWith("too-late-")) {
        assertThat(row.folder(), equalTo(partition));
        assertThat(row.record().get("late"), equalTo(true));
      }
    }
  }

  private FlinkJob start(String topics, Path lake, Path checkpoints, Path log) throws IOException {
    // --resume restores only a checkpoint of the same job name.
    List<String> args = new ArrayList<>(FlinkJob.flinkArgs("recovery-" + run, checkpoints));
    args.addAll(LocalServices.streamingArgs(run, topics, lake, database));
    return jobs.start(List.of("-Xmx1g"), args, log);
  }

  /**
   * Dead letters name their record's position (topic/partition/offset@time); a replay repeats it.
   */
  private static long distinctDeadLetters(Path lake) {
    try {
      return LakeFiles.distinctDeadLetters(lake, "source").size();
    } catch (IOException e) {
      return -1;
    }
  }
}
