package io.datalake.it;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.After;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The upgrade path for a streaming job whose checkpoint does not fit new code (step names and
 * coders changed): {@code ./datalake stop JOB --drain} mid-stream, then the same {@code ./datalake
 * run} again WITHOUT --resume. The drain fires every open window, so what the job had read is
 * written; the savepoint commits the Kafka offsets to the consumer group; the new job reads from
 * those offsets. No record is lost: every id is in the lake and in ClickHouse.
 */
public class DrainedUpgradeIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern SUBMITTED = Pattern.compile("submitted job ([0-9a-f]{32})");
  private static final String MASTER = "--flinkMaster=127.0.0.1:" + LocalServices.flinkRestPort();
  private static final int BATCH = 200;
  private static boolean startedCluster;

  @Rule public final TemporaryFolder temp = new TemporaryFolder();
  private final String run = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
  private final String database = "upgrade_" + run;
  private final List<String> jobs = new ArrayList<>();

  @BeforeClass
  public static void startCluster() throws Exception {
    if (Launcher.run(60, "flink", "status").exitCode() != 0) {
      Launcher.run(300, "flink", "up", "--taskmanagers", "2").orFail("./datalake flink up");
      startedCluster = true;
    }
  }

  @AfterClass
  public static void stopCluster() throws Exception {
    if (startedCluster) {
      Launcher.run(120, "flink", "down").orFail("./datalake flink down");
    }
  }

  @After
  public void stopJobs() throws Exception {
    for (String job : jobs) {
      if (show(job).path("state").asText().equals("RUNNING")) {
        Launcher.run(180, "stop", job, "--no-drain");
      }
    }
    LocalServices.clickhouse("DROP DATABASE IF EXISTS `" + database + "`");
  }

  @Test
  public void aDrainedStopThenAStartWithoutResumeLosesNoRecord() throws Exception {
    String topics = LocalServices.freshTopics(run);
    String topic = "journey-events-" + run;
    Path lake = temp.newFolder("lake").toPath();
    Path checkpoints = temp.newFolder("checkpoints").toPath();
    List<String> args =
        new ArrayList<>(
            List.of(
                "run",
                "--runner=FlinkRunner",
                MASTER,
                "--parallelism=2",
                "--checkpointingInterval=2000",
                "--checkpointDir=" + checkpoints,
                "--jobName=it-upgrade-" + run));
    args.addAll(LocalServices.streamingArgs(run, topics, lake, database));

    Set<String> expected = new TreeSet<>();
    LocalServices.produce(topic, batch("a-", expected));
    String first = submit(args);
    await("the first rows in ClickHouse", 240, first, () -> finalIds().size() > 0);

    // Mid-stream: records arrive while the job drains and stops; some sit in open windows.
    LocalServices.produce(topic, batch("b-", expected));
    JsonNode stopped =
        JSON.readTree(
            jsonDocument(
                Launcher.run(300, "stop", first, "--drain", "--json")
                    .orFail("./datalake stop --drain")
                    .output()));
    assertThat("the stop drained: " + stopped, stopped.path("drained").asBoolean(), equalTo(true));
    assertThat(stopped.path("state").asText(), equalTo("FINISHED"));

    // While no job runs, and then the new code starts from the group's offsets, not a savepoint.
    LocalServices.produce(topic, batch("c-", expected));
    String second = submit(args);
    await(
        "every id in the lake and in ClickHouse",
        300,
        second,
        () -> finalIds().containsAll(expected) && lakeIds(lake).containsAll(expected));

    Set<String> missingInLake = new TreeSet<>(expected);
    missingInLake.removeAll(lakeIds(lake));
    Set<String> missingInClickHouse = new TreeSet<>(expected);
    missingInClickHouse.removeAll(finalIds());
    assertThat("ids missing in the lake", missingInLake, empty());
    assertThat("ids missing in ClickHouse", missingInClickHouse, empty());
    assertThat(
        "the new job started from no checkpoint or savepoint",
        show(second).path("checkpoints").path("restoredCount").asLong(),
        equalTo(0L));
  }

  private List<String> batch(String prefix, Set<String> expected) {
    List<String> events = new ArrayList<>();
    for (int i = 0; i < BATCH; i++) {
      String id = prefix + run + "-" + i;
      expected.add(id);
      events.add(TestEvents.journeyEvent(id, Instant.now().minusSeconds(i % 5)));
    }
    return events;
  }

  private Set<String> finalIds() {
    String ids;
    try {
      ids =
          LocalServices.clickhouse(
              "SELECT DISTINCT id FROM `" + database + "`.journey_events FINAL FORMAT TSV");
    } catch (RuntimeException e) {
      return Set.of(); // the job has not created its tables yet
    }
    Set<String> out = new TreeSet<>();
    for (String line : ids.split("\n")) {
      if (!line.isBlank()) {
        out.add(line.strip());
      }
    }
    return out;
  }

  private static Set<String> lakeIds(Path lake) {
    try {
      return LakeFiles.idCounts(lake, "journey_events", "id").keySet();
    } catch (java.io.IOException e) {
      return Set.of(); // a file being finished while we list: read again
    }
  }

  private String submit(List<String> args) throws Exception {
    Launcher.Result result =
        Launcher.run(300, args.toArray(String[]::new))
            .orFail("./datalake run (streaming on the cluster)");
    Matcher m = SUBMITTED.matcher(result.output());
    if (!m.find()) {
      throw new AssertionError("no job id in the output of ./datalake run:\n" + result.output());
    }
    jobs.add(m.group(1));
    return m.group(1);
  }

  private static JsonNode show(String job) {
    try {
      return JSON.readTree(Launcher.run(60, "jobs", "show", job, "--json").output());
    } catch (Exception e) {
      return JSON.createObjectNode();
    }
  }

  /** The JSON document that ends a command's output (the launcher may say things before it). */
  private static String jsonDocument(String output) {
    int start = output.startsWith("{") ? 0 : output.indexOf("\n{") + 1;
    if (start <= 0 && !output.startsWith("{")) {
      throw new AssertionError("no JSON in:\n" + output);
    }
    return output.substring(start);
  }

  private void await(String what, int seconds, String job, BooleanSupplier condition)
      throws Exception {
    long deadline = System.currentTimeMillis() + seconds * 1000L;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError(
            "Timed out after "
                + seconds
                + " s waiting for "
                + what
                + "; the job now:\n"
                + show(job).toPrettyString());
      }
      Thread.sleep(2000);
    }
  }
}
