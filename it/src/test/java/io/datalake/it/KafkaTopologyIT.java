package io.datalake.it;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;

import io.datalake.testing.LakeFiles;
import io.datalake.testing.LocalServices;
import io.datalake.testing.TestEvents;
import io.datalake.transforms.kinds.JourneyEvents;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.RuleChain;
import org.junit.rules.TemporaryFolder;

/**
 * Kafka topics that change under a running job (FlinkRunner, embedded cluster, in its own JVM as a
 * user runs it, against the real broker): partitions added mid-run stop the job within the check
 * interval, and --resume reads every record published to them; a topic deleted and created again
 * stops the job too, and --resume restores its windows and reads the new topic from its start.
 */
public class KafkaTopologyIT {
  private static final int CHECK_SECONDS = 5;

  private final TemporaryFolder temp = new TemporaryFolder();
  private final JobRun jobs = new JobRun("topology_");
  @Rule public final RuleChain rules = RuleChain.outerRule(temp).around(jobs);
  private final String run = jobs.run;
  private final String database = jobs.database;
  private final String journeyTopic = JourneyEvents.KIND.defaultTopic() + "-" + run;
  private Path lake;
  private Path checkpoints;
  private Path logs;
  private String topics;

  private void setUp() throws Exception {
    topics = LocalServices.freshTopics(run);
    lake = temp.newFolder("lake").toPath();
    checkpoints = temp.newFolder("checkpoints").toPath();
    logs = Files.createDirectories(Path.of("target", "kafka-topology-" + run));
  }

  @Test
  public void partitionsAddedMidRunStopTheJobAndAResumeReadsEveryRecordOnThem() throws Exception {
    setUp();
    Path firstLog = logs.resolve("first.log");
    FlinkJob job = startWithFirstRecords(100, firstLog);

    // Two partitions more; records on every partition, most on the new ones.
    try (AdminClient admin =
        AdminClient.create(Map.of("bootstrap.servers", LocalServices.kafkaBootstrap()))) {
      admin.createPartitions(Map.of(journeyTopic, NewPartitions.increaseTo(4))).all().get();
      // The broker applies them after the controller answered: publish once they have leaders.
      LocalServices.awaitLeaders(admin, List.of(journeyTopic), 4);
    }
    long added = System.currentTimeMillis();
    List<String> onNew = events("new-", 200);
    List<String> onOld = events("old-", 40);
    LocalServices.produce(journeyTopic, 2, onNew.subList(0, 100));
    LocalServices.produce(journeyTopic, 3, onNew.subList(100, 200));
    LocalServices.produce(journeyTopic, 0, onOld.subList(0, 20));
    LocalServices.produce(journeyTopic, 1, onOld.subList(20, 40));

    assertThat("the job stopped by itself", job.waitFor(180), equalTo(true));
    long stoppedAfter = System.currentTimeMillis() - added;
    System.out.printf(
        "KafkaTopologyIT: the job stopped %d ms after the partitions were added (check every %d s)%n",
        stoppedAfter, CHECK_SECONDS);
    String first = Files.readString(firstLog);
    assertThat("it failed", job.exitValue(), not(equalTo(0)));
    assertThat(
        first,
        containsString("topic '" + journeyTopic + "' has 4 partitions, of which 2 are read"));
    assertThat(first, containsString("Restart it with --resume and the same --jobName"));
    assertThat(
        "no restart loop: stopped within the check interval plus start-up slack",
        stoppedAfter,
        lessThan(90_000L));

    Path resumedLog = logs.resolve("resumed.log");
    long expected = 100 + 200 + 40;
    FlinkJob resumed =
        resumeUntilEveryId(
            "every record, of the old and the new partitions", expected, 300, resumedLog);
    String log = Files.readString(resumedLog);
    assertThat(log, containsString("datalake: resuming from checkpoint"));
    assertThat(
        log,
        containsString(
            "partitions added since the checkpoint: ["
                + journeyTopic
                + "/2, "
                + journeyTopic
                + "/3]"));
    assertThat(
        "still running: the resumed job reads what it was told to",
        resumed.isAlive(),
        equalTo(true));
    assertEveryIdOnce(expected, "");
  }

  @Test
  public void aTopicCreatedAgainStopsTheJobAndAResumeKeepsItsWindowsAndReadsTheNewTopic()
      throws Exception {
    setUp();
    Path firstLog = logs.resolve("first.log");
    FlinkJob job = startWithFirstRecords(60, firstLog);

    // Deleted and created again, with fewer records than the job's positions.
    try (AdminClient admin =
        AdminClient.create(Map.of("bootstrap.servers", LocalServices.kafkaBootstrap()))) {
      String oldId = topicId(admin);
      admin.deleteTopics(List.of(journeyTopic)).all().get();
      long deadline = System.currentTimeMillis() + 60_000;
      // The deletion completes in the background: create until a topic of another id is there.
      while (!(topicId(admin) != null && !topicId(admin).equals(oldId))) {
        if (System.currentTimeMillis() > deadline) {
          throw new AssertionError("could not create " + journeyTopic + " again within 60 s");
        }
        try {
          admin.createTopics(List.of(new NewTopic(journeyTopic, 2, (short) 1))).all().get();
        } catch (java.util.concurrent.ExecutionException e) {
          Thread.sleep(500); // still being deleted, or created by the previous attempt
        }
      }
    }
    List<String> again = events("again-", 10);
    LocalServices.produce(journeyTopic, again);

    assertThat("the job stopped by itself", job.waitFor(180), equalTo(true));
    assertThat(job.exitValue(), not(equalTo(0)));
    String first = Files.readString(firstLog);
    assertThat(first, containsString("topic '" + journeyTopic + "' was deleted and created again"));
    assertThat(first, containsString("Restart it with --resume and the same --jobName"));

    // The resume restores the windows (rows of the deleted topic not yet in the lake), takes no
    // Kafka position from the checkpoint, and reads the new topic from its start.
    Path resumedLog = logs.resolve("resumed.log");
    resumeUntilEveryId("the old topic's rows and the new topic's", 70, 240, resumedLog);
    String log = Files.readString(resumedLog);
    assertThat(log, containsString("were deleted and created again since the checkpoint"));
    assertThat(log, containsString("datalake: resuming from checkpoint"));
    assertEveryIdOnce(70, "recreated topic: ");
  }

  /**
   * Publishes {@code n} events, starts the job and waits for them in ClickHouse and then for a
   * checkpoint completed after that. Not any checkpoint: one whose barrier may have come before
   * some of the records were read would not hold them, and once their topic is deleted nothing
   * could bring them to the lake (the race failed this test once in CI).
   */
  private FlinkJob startWithFirstRecords(int n, Path log) throws Exception {
    LocalServices.produce(journeyTopic, events("a-", n));
    FlinkJob job = start(log, false);
    job.await(
        "the first records in ClickHouse",
        240,
        () -> LocalServices.finalRows(database, "journey_events") == n);
    long before = FlinkJob.latestCheckpoint(checkpoints);
    job.await(
        "a checkpoint completed after the first records arrived",
        120,
        () -> FlinkJob.latestCheckpoint(checkpoints) > before);
    return job;
  }

  /**
   * Resumes the job, waits until it has restored the checkpoint, then until ClickHouse and the lake
   * hold {@code expected} ids. In that order: the stopped job may already have written every id (it
   * reads a recreated topic until its topology check stops it), and a test that looked at the ids
   * first would read the resumed job's log before the JVM had written a line (it did once in CI).
   */
  private FlinkJob resumeUntilEveryId(String what, long expected, int seconds, Path log)
      throws Exception {
    FlinkJob resumed = start(log, true);
    resumed.awaitLog("datalake: resuming from checkpoint", 120);
    resumed.await(
        what + " in ClickHouse and the lake",
        seconds,
        () ->
            LocalServices.finalRows(database, "journey_events") == expected
                && LakeFiles.distinctIds(lake, "journey_events") == expected);
    return resumed;
  }

  private void assertEveryIdOnce(long expected, String label) throws IOException {
    ClickHouseAssert.everyIdOnce(database, "journey_events", "id", expected);
    long lakeRows = LakeFiles.rows(lake, "journey_events").size();
    System.out.printf(
        "KafkaTopologyIT: %s%d ids, %d lake rows (%d duplicates)%n",
        label, expected, lakeRows, lakeRows - expected);
  }

  /** The topic's id, or null while it does not exist. */
  private String topicId(AdminClient admin) throws InterruptedException {
    try {
      return admin
          .describeTopics(List.of(journeyTopic))
          .allTopicNames()
          .get()
          .get(journeyTopic)
          .topicId()
          .toString();
    } catch (java.util.concurrent.ExecutionException e) {
      return null;
    }
  }

  private static List<String> events(String prefix, int n) {
    List<String> events = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      events.add(TestEvents.journeyEvent(prefix + i, Instant.now().minusSeconds(i % 5)));
    }
    return events;
  }

  /** Starts the job; the first start has no --resume. */
  private FlinkJob start(Path log, boolean resume) throws IOException {
    List<String> args =
        new ArrayList<>(FlinkJob.flinkArgs("topology-" + run, checkpoints, 2000, 5, resume));
    args.add("--topologyCheckSeconds=" + CHECK_SECONDS);
    args.addAll(LocalServices.streamingArgs(run, topics, lake, database));
    return jobs.start(List.of("-Xmx1g"), args, log);
  }
}
