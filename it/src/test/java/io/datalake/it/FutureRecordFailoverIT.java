package io.datalake.it;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;

import io.datalake.testing.LakeFiles;
import io.datalake.testing.LocalServices;
import io.datalake.testing.TestEvents;
import io.datalake.transforms.kinds.EntityOperations;
import io.datalake.transforms.kinds.JourneyEvents;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.RuleChain;
import org.junit.rules.TemporaryFolder;

/**
 * Fault suite, event time: a journey event dated 2099 published mid-stream, then a SIGKILL and a
 * restart with --resume, on the embedded FlinkRunner. The 2099 record used to push the late-row
 * bound to 2099: every later row of its worker was restamped there and never reached the lake. Now
 * it is a dead letter (lake and ClickHouse), and every other row is exactly once in ClickHouse
 * after FINAL and at least once in the lake, none flagged late.
 */
public class FutureRecordFailoverIT {
  private static final int PER_PHASE = 150;

  /** A dead letter as (source, step, error): a replayed letter counts once. */
  private static final String[] DEAD_LETTER_FIELDS = {"source", "step", "error"};

  private final TemporaryFolder temp = new TemporaryFolder();
  private final JobRun jobs = new JobRun("future_");
  @Rule public final RuleChain rules = RuleChain.outerRule(temp).around(jobs);
  private final String run = jobs.run;
  private final String database = jobs.database;

  /**
   * An entity operation of tenant 739224 whose entity and activity are its id (its ClickHouse key).
   */
  static String entityOperation(String id, Instant time) {
    return "{\"id\":\""
        + id
        + "\",\"detail-type\":\"EntityOperation\",\"source\":\"epilot.entity\",\"account\":\"1\","
        + "\"region\":\"eu-central-1\",\"time\":\""
        + time
        + "\",\"detail\":{\"entity\":\""
        + id
        + "\",\"org\":\"739224\","
        + "\"activity_id\":\""
        + id
        + "\",\"operation\":\"updateEntity\",\"params\":{\"id\":\""
        + id
        + "\",\"slug\":\"contact\"},"
        + "\"payload\":{\"email\":[{\"email\":\"someone@example.com\"}]}}}";
  }

  /**
   * One phase of traffic: {@code PER_PHASE} journey events and entity operations, a few seconds
   * old.
   */
  private void publish(String phase, String journeyTopic, String entityTopic) {
    List<String> journeys = new ArrayList<>();
    List<String> entities = new ArrayList<>();
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    for (int i = 0; i < PER_PHASE; i++) {
      journeys.add(TestEvents.journeyEvent(phase + "-" + i, now.minusSeconds(i % 5)));
      entities.add(entityOperation(phase + "-" + i, now.minusSeconds(i % 7)));
    }
    LocalServices.produce(journeyTopic, journeys);
    LocalServices.produce(entityTopic, entities);
  }

  @Test
  public void aRecordDated2099AndASigkillLoseNoRow() throws Exception {
    String topics = LocalServices.freshTopics(run);
    String journeyTopic = JourneyEvents.KIND.defaultTopic() + "-" + run;
    String entityTopic = EntityOperations.KIND.defaultTopic() + "-" + run;
    Path lake = temp.newFolder("lake").toPath();
    Path checkpoints = temp.newFolder("checkpoints").toPath();
    Path logs = Path.of("target", "future-failover-" + run);
    List<String> args = new ArrayList<>(FlinkJob.flinkArgs("it-future-" + run, checkpoints));
    args.addAll(LocalServices.streamingArgs(run, topics, lake, database));

    publish("a", journeyTopic, entityTopic);
    FlinkJob first = jobs.start(List.of("-Xmx1g"), args, logs.resolve("first.log"));
    first.await(
        "a first checkpoint and rows in ClickHouse",
        240,
        () ->
            FlinkJob.hasCheckpoint(checkpoints)
                && LocalServices.finalRows(database, "journey_events") > 0);

    // Mid-stream: the 2099 record, then more traffic on both topics.
    LocalServices.produce(
        journeyTopic,
        List.of(TestEvents.journeyEvent("future-2099", Instant.parse("2099-01-01T00:00:00Z"))));
    publish("b", journeyTopic, entityTopic);
    first.await(
        "rows published after the 2099 record in ClickHouse",
        120,
        () -> LocalServices.finalRows(database, "entity_operations") > PER_PHASE);
    assertThat("killed by SIGKILL", first.kill(), equalTo(128 + 9));

    FlinkJob resumed = jobs.start(List.of("-Xmx1g"), args, logs.resolve("resumed.log"));
    publish("c", journeyTopic, entityTopic);

    long expected = 3L * PER_PHASE;
    List<String> deadLetter =
        List.of(
            journeyTopic + "/",
            "parse",
            "created_at is more than 86400 s ahead of the clock (--maxFutureSeconds)");
    resumed.await(
        "every row in ClickHouse and the lake, and the 2099 record as a dead letter",
        240,
        () ->
            LocalServices.finalRows(database, "journey_events") == expected
                && LocalServices.finalRows(database, "entity_operations") == expected
                && LakeFiles.distinctIds(lake, "journey_events") == expected
                && LakeFiles.distinctIds(lake, "entity_operations") == expected
                && deadLetterCount(lake) == 1
                && clickhouseDeadLetters() == 1,
        () ->
            String.format(
                "(ClickHouse FINAL: %d journey events, %d entity operations, %d dead letters; lake: %d journey ids,"
                    + " %d entity operation ids, %d dead letters; expected %d each and 1 dead letter)",
                LocalServices.finalRows(database, "journey_events"),
                LocalServices.finalRows(database, "entity_operations"),
                clickhouseDeadLetters(),
                LakeFiles.distinctIds(lake, "journey_events"),
                LakeFiles.distinctIds(lake, "entity_operations"),
                deadLetterCount(lake),
                expected));
    assertThat(resumed.tail(400), containsString("datalake: resuming from checkpoint"));
    resumed.close();

    for (String table : List.of("journey_events", "entity_operations")) {
      String fq = "`" + database + "`." + table;
      ClickHouseAssert.everyIdOnce(database, table, "id", expected);
      assertThat(
          table + ": no row flagged late in ClickHouse",
          LocalServices.clickhouseCount("SELECT countIf(late = 1) FROM " + fq + " FINAL"),
          equalTo(0L));
      Map<String, Integer> lakeIds = LakeFiles.idCounts(lake, table, "id");
      assertThat(table + ": every id in the lake", (long) lakeIds.size(), equalTo(expected));
      assertThat(
          table + ": the 2099 record is not a row",
          lakeIds.containsKey("future-2099"),
          equalTo(false));
      long lakeRows = lakeIds.values().stream().mapToLong(Integer::longValue).sum();
      assertThat(lakeRows, greaterThanOrEqualTo(expected));
      System.out.printf(
          "FutureRecordFailoverIT: %s: %d ids, %d lake rows, %d lake duplicates (at least once)%n",
          table, expected, lakeRows, lakeRows - expected);
      for (LakeFiles.LakeRecord row : LakeFiles.rows(lake, table)) {
        assertThat(
            table + " " + row.string("id") + " is not flagged late",
            row.record().get("late"),
            equalTo(false));
      }
    }
    Set<List<String>> letters = LakeFiles.distinctDeadLetters(lake, DEAD_LETTER_FIELDS);
    assertThat("one dead letter in the lake: " + letters, letters.size(), equalTo(1));
    List<String> letter = letters.iterator().next();
    assertThat(letter.get(0), containsString(deadLetter.get(0)));
    assertThat(letter.subList(1, 3), equalTo(deadLetter.subList(1, 3)));
    assertThat(
        "the 2099 record as a dead letter in ClickHouse",
        LocalServices.clickhouse(
                "SELECT step, error FROM `" + database + "`.dead_letters FINAL FORMAT TSV")
            .trim(),
        equalTo("parse\t" + deadLetter.get(2)));
  }

  /** The lake's distinct dead letters; 0 while a file cannot be read yet. */
  private static long deadLetterCount(Path lake) {
    try {
      return LakeFiles.distinctDeadLetters(lake, DEAD_LETTER_FIELDS).size();
    } catch (IOException e) {
      return 0;
    }
  }

  private long clickhouseDeadLetters() {
    try {
      return LocalServices.clickhouseCount(
          "SELECT count() FROM `" + database + "`.dead_letters FINAL");
    } catch (RuntimeException e) {
      return -1;
    }
  }
}
