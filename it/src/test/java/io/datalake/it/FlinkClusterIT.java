package io.datalake.it;

import static io.datalake.it.ClusterJobs.await;
import static io.datalake.it.ClusterJobs.batch;
import static io.datalake.it.ClusterJobs.jsonDocument;
import static io.datalake.it.ClusterJobs.show;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.TreeMap;
import org.junit.After;
import org.junit.ClassRule;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.ExternalResource;
import org.junit.rules.TemporaryFolder;

/**
 * The pipeline on a real Flink session cluster (one JobManager and two TaskManagers in their own
 * JVMs, started by {@code ./datalake flink up}), submitted and operated with the launcher the way a
 * user does: streaming survives a TaskManager killed with SIGKILL and a stop with a savepoint, and
 * a batch gives the same rows as on the embedded cluster. The upgrade path (a drained stop, then a
 * start without --resume) is {@link FlinkClusterUpgradeChaosIT}, run by {@code ./datalake chaos}.
 */
public class FlinkClusterIT {
  @ClassRule public static final ExternalResource CLUSTER = ClusterJobs.cluster();

  @Rule public final TemporaryFolder temp = new TemporaryFolder();
  private final ClusterJobs jobs = new ClusterJobs();

  @After
  public void stopJobs() throws Exception {
    jobs.close();
  }

  @Test
  public void streamingSurvivesALostTaskManagerAndAStopWithSavepoint() throws Exception {
    String topics = LocalServices.freshTopics(jobs.run);
    String topic = "journey-events-" + jobs.run;
    Path lake = temp.newFolder("lake").toPath();
    Path checkpoints = temp.newFolder("checkpoints").toPath();
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    List<String> first = TestEvents.knownSet(100, now);
    LocalServices.produce(topic, first);

    List<String> args = jobs.streamingRun("it-cluster-" + jobs.run, checkpoints, topics, lake);
    String job = jobs.submit(args);

    await(
        "rows in ClickHouse and the job's subtasks on both TaskManagers",
        240,
        job,
        () ->
            LocalServices.finalRows(jobs.database, "journey_events") > 0
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
    await("every record after the TaskManager loss", 300, job, () -> jobs.allThere(lake, expected));

    // Stop with a savepoint, publish more while it is stopped, resume from the savepoint.
    String stopOutput = Launcher.run(300, "stop", job, "--json").orFail("./datalake stop").output();
    JsonNode stopped = jsonDocument(stopOutput);
    // No JVM of ours waits on a cluster stream: the stop ends its run's record.
    assertThat(stopOutput, containsString("recorded as stopped in " + jobs.database));
    String savepoint = stopped.path("savepoint").asText();
    assertThat("a savepoint was taken: " + stopped, savepoint.isEmpty(), equalTo(false));
    LocalServices.produce(topic, batch("d-", 100));
    List<String> resume = new ArrayList<>(args);
    resume.add("--fromSavepoint=" + savepoint);
    String resumed = jobs.submit(resume);
    long total = expected + 100;
    await(
        "every record after the resume from the savepoint",
        300,
        resumed,
        () -> jobs.allThere(lake, total));

    ClickHouseAssert.everyIdOnce(jobs.database, "journey_events", "id", total);
    assertThat(
        "the stopped run's record, then the resumed one's",
        LocalServices.clickhouse(
                "SELECT state FROM `"
                    + jobs.database
                    + "`.datalake_runs FINAL WHERE mode = 'streaming' ORDER BY started_at"
                    + " FORMAT TSV")
            .strip(),
        equalTo("stopped\nrunning"));
    assertThat(
        "the lake holds every row at least once",
        (long) LakeFiles.rows(lake, "journey_events").size(),
        greaterThanOrEqualTo(total));
    assertThat(
        "too-late rows are flagged",
        LocalServices.clickhouseCount(
            "SELECT countIf(late = 1) FROM `"
                + jobs.database
                + "`.journey_events FINAL WHERE startsWith(id, 'too-late-')"),
        equalTo(5L));
  }

  @Test
  public void aBatchOnTheClusterGivesTheSameRowsAsOnTheEmbeddedCluster() throws Exception {
    Path samples =
        Path.of(System.getProperty("datalake.project.dir", ".."), "pipelines", "samples", "input")
            .toAbsolutePath();
    Path onCluster = temp.newFolder("cluster-lake").toPath();
    Path embedded = temp.newFolder("embedded-lake").toPath();
    for (Object[] target :
        new Object[][] {{ClusterJobs.MASTER, onCluster}, {"--flinkMaster=[local]", embedded}}) {
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
}
