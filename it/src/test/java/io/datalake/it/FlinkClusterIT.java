package io.datalake.it;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.datalake.testing.Await;
import io.datalake.testing.LakeFiles;
import io.datalake.testing.LocalServices;
import io.datalake.testing.TestEvents;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
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
 * The pipeline on a real Flink session cluster (one JobManager and two TaskManagers in their own
 * JVMs, started by {@code ./datalake flink up}), submitted and operated with the launcher the way a
 * user does: streaming survives a TaskManager killed with SIGKILL and a stop with a savepoint, a
 * drained stop then a start without --resume (the upgrade path) loses no record, and a batch gives
 * the same rows as on the embedded cluster.
 */
public class FlinkClusterIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern SUBMITTED = Pattern.compile("submitted job ([0-9a-f]{32})");
  private static final String MASTER = "--flinkMaster=127.0.0.1:" + LocalServices.flinkRestPort();
  private static boolean startedCluster;

  @Rule public final TemporaryFolder temp = new TemporaryFolder();
  private final String run = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
  private final String database = "cluster_" + run;
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
      JsonNode state = JSON.readTree(Launcher.run(60, "jobs", "show", job, "--json").output());
      if (state.path("state").asText().equals("RUNNING")) {
        Launcher.run(180, "stop", job, "--no-drain");
      }
    }
    LocalServices.clickhouse("DROP DATABASE IF EXISTS `" + database + "`");
  }

  @Test
  public void streamingSurvivesALostTaskManagerAndAStopWithSavepoint() throws Exception {
    String topics = LocalServices.freshTopics(run);
    String topic = "journey-events-" + run;
    Path lake = temp.newFolder("lake").toPath();
    Path checkpoints = temp.newFolder("checkpoints").toPath();
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    List<String> first = TestEvents.knownSet(100, now);
    LocalServices.produce(topic, first);

    List<String> args = streamingRun("it-cluster-" + run, checkpoints, topics, lake);
    String job = submit(args);

    await(
        "rows in ClickHouse and the job's subtasks on both TaskManagers",
        240,
        job,
        () ->
            LocalServices.finalRows(database, "journey_events") > 0
                && show(job).path("subtasksPerTaskManager").size() == 2);

    // Mid-stream, one TaskManager dies with SIGKILL; a new one takes its place.
    LocalServices.produce(topic, batch("b-", 100));
    Thread.sleep(2000);
    String killed = taskManagerIds().get(0);
    Launcher.run(60, "flink", "kill-taskmanager", killed)
        .orFail("./datalake flink kill-taskmanager");
    Launcher.run(180, "flink", "add-taskmanager").orFail("./datalake flink add-taskmanager");
    await(
        "the job restarted by itself from its checkpoint",
        240,
        job,
        () ->
            show(job).path("restarts").asLong() >= 1
                && show(job).path("state").asText().equals("RUNNING")
                && show(job).path("checkpoints").path("restoredCount").asLong() >= 1);
    LocalServices.produce(topic, batch("c-", 100));
    long expected = 100 + 5 + 5 + 100 + 100;
    await("every record after the TaskManager loss", 300, job, () -> allThere(lake, expected));

    // Stop with a savepoint, publish more while it is stopped, resume from the savepoint.
    JsonNode stopped =
        JSON.readTree(
            jsonDocument(
                Launcher.run(300, "stop", job, "--json").orFail("./datalake stop").output()));
    String savepoint = stopped.path("savepoint").asText();
    assertThat("a savepoint was taken: " + stopped, savepoint.isEmpty(), equalTo(false));
    LocalServices.produce(topic, batch("d-", 100));
    List<String> resume = new ArrayList<>(args);
    resume.add("--fromSavepoint=" + savepoint);
    String resumed = submit(resume);
    long total = expected + 100;
    await(
        "every record after the resume from the savepoint",
        300,
        resumed,
        () -> allThere(lake, total));

    ClickHouseAssert.everyIdOnce(database, "journey_events", "id", total);
    assertThat(
        "the lake holds every row at least once",
        (long) LakeFiles.rows(lake, "journey_events").size(),
        greaterThanOrEqualTo(total));
    assertThat(
        "too-late rows are flagged",
        LocalServices.clickhouseCount(
            "SELECT countIf(late = 1) FROM `"
                + database
                + "`.journey_events FINAL WHERE startsWith(id, 'too-late-')"),
        equalTo(5L));
  }

  /**
   * The upgrade path for a streaming job whose checkpoint does not fit new code (step names and
   * coders changed): {@code ./datalake stop JOB --drain} mid-stream, then the same {@code
   * ./datalake run} again WITHOUT --resume. The drain fires every open window, so what the job had
   * read is written; the savepoint commits the Kafka offsets to the consumer group; the new job
   * reads on from them. No record is lost: every id is in the lake and in ClickHouse.
   */
  @Test
  public void aDrainedStopThenAStartWithoutResumeLosesNoRecord() throws Exception {
    String topics = LocalServices.freshTopics(run);
    String topic = "journey-events-" + run;
    Path lake = temp.newFolder("lake").toPath();
    List<String> args =
        streamingRun("it-upgrade-" + run, temp.newFolder("checkpoints").toPath(), topics, lake);
    Set<String> expected = new TreeSet<>();
    LocalServices.produce(topic, batch("a-", 200));
    String first = submit(args);
    await("the first rows in ClickHouse", 240, first, () -> !finalIds().isEmpty());

    // Mid-stream: records arrive while the job drains and stops; some sit in open windows.
    LocalServices.produce(topic, batch("b-", 200));
    JsonNode stopped =
        JSON.readTree(
            jsonDocument(
                Launcher.run(300, "stop", first, "--drain", "--json")
                    .orFail("./datalake stop --drain")
                    .output()));
    assertThat("the stop drained: " + stopped, stopped.path("drained").asBoolean(), equalTo(true));
    // While no job runs; then the new code starts from the group's offsets, not a savepoint.
    LocalServices.produce(topic, batch("c-", 200));
    String second = submit(args);
    for (String prefix : List.of("a-", "b-", "c-")) {
      for (int i = 0; i < 200; i++) {
        expected.add(prefix + i);
      }
    }
    await(
        "every id in the lake and in ClickHouse",
        300,
        second,
        () -> finalIds().containsAll(expected) && lakeIds(lake).containsAll(expected));
    assertThat(
        "the new job restored no checkpoint or savepoint",
        show(second).path("checkpoints").path("restoredCount").asLong(),
        equalTo(0L));
    long lakeRows = LakeFiles.rows(lake, "journey_events").size();
    System.out.printf(
        "FlinkClusterIT upgrade path: %d ids, %d lake rows (%d read twice), none missing%n",
        expected.size(), lakeRows, lakeRows - expected.size());
  }

  private Set<String> finalIds() {
    Set<String> ids = new TreeSet<>();
    try {
      LocalServices.clickhouse(
              "SELECT DISTINCT id FROM `" + database + "`.journey_events FINAL FORMAT TSV")
          .lines()
          .filter(line -> !line.isBlank())
          .forEach(line -> ids.add(line.strip()));
    } catch (RuntimeException e) {
      // the job has not created its tables yet
    }
    return ids;
  }

  private static Set<String> lakeIds(Path lake) {
    try {
      return LakeFiles.idCounts(lake, "journey_events", "id").keySet();
    } catch (IOException e) {
      return Set.of(); // a file being finished while we list: read again
    }
  }

  @Test
  public void aBatchOnTheClusterGivesTheSameRowsAsOnTheEmbeddedCluster() throws Exception {
    Path samples =
        Path.of(System.getProperty("datalake.project.dir", ".."), "pipelines", "samples", "input")
            .toAbsolutePath();
    Path onCluster = temp.newFolder("cluster-lake").toPath();
    Path embedded = temp.newFolder("embedded-lake").toPath();
    for (Object[] target :
        new Object[][] {{MASTER, onCluster}, {"--flinkMaster=[local]", embedded}}) {
      Launcher.run(
              600,
              "run",
              "--runner=FlinkRunner",
              (String) target[0],
              "--parallelism=2",
              "--input=" + samples,
              "--lake=" + target[1],
              "--piiDevelopmentKeyset=true")
          .orFail("./datalake run (batch, " + target[0] + ")");
    }
    Map<String, List<String>> clusterRows = rowsByTable(onCluster);
    assertThat("the cluster wrote rows", clusterRows.isEmpty(), equalTo(false));
    assertThat(clusterRows, equalTo(rowsByTable(embedded)));
  }

  /** ./datalake run of a streaming job on the cluster, checkpointing every 2 s. */
  private List<String> streamingRun(String jobName, Path checkpoints, String topics, Path lake) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "run",
                "--runner=FlinkRunner",
                MASTER,
                "--parallelism=2",
                "--checkpointingInterval=2000",
                "--checkpointDir=" + checkpoints,
                "--jobName=" + jobName));
    args.addAll(LocalServices.streamingArgs(run, topics, lake, database));
    return args;
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

  private static List<String> batch(String prefix, int count) {
    List<String> events = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      events.add(TestEvents.journeyEvent(prefix + i, Instant.now().minusSeconds(i % 5)));
    }
    return events;
  }

  private static JsonNode show(String job) {
    try {
      return JSON.readTree(Launcher.run(60, "jobs", "show", job, "--json").output());
    } catch (Exception e) {
      return JSON.createObjectNode();
    }
  }

  private static List<String> taskManagerIds() throws Exception {
    List<String> ids = new ArrayList<>();
    for (String line :
        Launcher.run(60, "flink", "taskmanagers")
            .orFail("./datalake flink taskmanagers")
            .output()
            .split("\n")) {
      String[] fields = line.trim().split("\\s+");
      if (fields.length >= 2 && fields[0].matches("\\d+")) {
        ids.add(fields[0]);
      }
    }
    if (ids.isEmpty()) {
      throw new AssertionError("./datalake flink taskmanagers listed none");
    }
    return ids;
  }

  /** The JSON document that ends a command's output (the launcher may say things before it). */
  private static String jsonDocument(String output) {
    int start = output.startsWith("{") ? 0 : output.indexOf("\n{") + 1;
    if (start <= 0 && !output.startsWith("{")) {
      throw new AssertionError("no JSON in:\n" + output);
    }
    return output.substring(start);
  }

  private boolean allThere(Path lake, long expected) {
    return LocalServices.finalRows(database, "journey_events") == expected
        && LakeFiles.distinctIds(lake, "journey_events") == expected;
  }

  /** Every table's rows as sorted strings: what a reader sees, whatever the file layout. */
  private static Map<String, List<String>> rowsByTable(Path lake) throws IOException {
    Map<String, List<String>> tables = new TreeMap<>();
    try (var dirs = java.nio.file.Files.list(lake)) {
      for (Path dir : dirs.filter(java.nio.file.Files::isDirectory).toList()) {
        String table = dir.getFileName().toString();
        if (table.startsWith("_") || table.startsWith(".")) {
          continue;
        }
        List<String> rows = new ArrayList<>();
        for (LakeFiles.LakeRecord r : LakeFiles.rows(lake, table)) {
          rows.add(r.folder() + " " + r.record());
        }
        rows.sort(String::compareTo);
        tables.put(table, rows);
      }
    }
    return tables;
  }

  private static void await(String what, int seconds, String job, BooleanSupplier condition)
      throws Exception {
    Await.until(
        what, seconds, 2000, condition, () -> "; the job now:\n" + show(job).toPrettyString());
  }
}
