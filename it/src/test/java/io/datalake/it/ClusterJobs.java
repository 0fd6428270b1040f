package io.datalake.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.datalake.testing.Await;
import io.datalake.testing.LakeFiles;
import io.datalake.testing.LocalServices;
import io.datalake.testing.TestEvents;
import java.io.IOException;
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
import org.junit.rules.ExternalResource;

/**
 * Streaming jobs on the local Flink session cluster, submitted and operated with the launcher the
 * way a user does, for the cluster ITs: one run id, its own topics' prefix and ClickHouse database,
 * and the jobs it submitted. Closing it stops those still running (without drain) and drops the
 * database.
 */
final class ClusterJobs implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String MASTER = "--flinkMaster=127.0.0.1:" + LocalServices.flinkRestPort();
  private static final Pattern SUBMITTED = Pattern.compile("submitted job ([0-9a-f]{32})");

  final String run = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
  final String database = "cluster_" + run;
  private final List<String> jobs = new ArrayList<>();

  /**
   * A class rule for the cluster ITs: starts a cluster with two TaskManagers unless one answers,
   * and stops it after the class if it started it.
   */
  static ExternalResource cluster() {
    return new ExternalResource() {
      private boolean started;

      @Override
      protected void before() throws Throwable {
        if (Launcher.run(60, "flink", "status").exitCode() != 0) {
          Launcher.run(300, "flink", "up", "--taskmanagers", "2").orFail("./datalake flink up");
          started = true;
        }
      }

      @Override
      protected void after() {
        if (started) {
          try {
            Launcher.run(120, "flink", "down").orFail("./datalake flink down");
          } catch (Exception e) {
            throw new IllegalStateException("could not stop the Flink cluster", e);
          }
        }
      }
    };
  }

  /** ./datalake run of a streaming job on the cluster, checkpointing every 2 s. */
  List<String> streamingRun(String jobName, Path checkpoints, String topics, Path lake) {
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

  /** Submits a job with ./datalake run; its id, from the launcher's output. */
  String submit(List<String> args) throws Exception {
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

  /** ./datalake jobs show JOB --json; an empty object while the cluster does not answer. */
  static JsonNode show(String job) {
    try {
      return JSON.readTree(Launcher.run(60, "jobs", "show", job, "--json").output());
    } catch (Exception e) {
      return JSON.createObjectNode();
    }
  }

  /** Waits for the condition; a timeout says what the job was doing. */
  static void await(String what, int seconds, String job, BooleanSupplier condition)
      throws Exception {
    Await.until(
        what, seconds, 2000, condition, () -> "; the job now:\n" + show(job).toPrettyString());
  }

  /** The ids in ClickHouse's journey_events after FINAL; none before the job made the table. */
  Set<String> finalIds() {
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

  static Set<String> lakeIds(Path lake) {
    try {
      return LakeFiles.idCounts(lake, "journey_events", "id").keySet();
    } catch (IOException e) {
      return Set.of(); // a file being finished while we list: read again
    }
  }

  /** Exactly {@code expected} journey events in ClickHouse after FINAL and distinct in the lake. */
  boolean allThere(Path lake, long expected) {
    return LocalServices.finalRows(database, "journey_events") == expected
        && LakeFiles.distinctIds(lake, "journey_events") == expected;
  }

  /** {@code count} journey events with ids prefix0.., dated within the last five seconds. */
  static List<String> batch(String prefix, int count) {
    List<String> events = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      events.add(TestEvents.journeyEvent(prefix + i, Instant.now().minusSeconds(i % 5)));
    }
    return events;
  }

  /** The JSON document that ends a command's output (the launcher may say things before it). */
  static JsonNode jsonDocument(String output) throws IOException {
    int start = output.startsWith("{") ? 0 : output.indexOf("\n{") + 1;
    if (start <= 0 && !output.startsWith("{")) {
      throw new AssertionError("no JSON in:\n" + output);
    }
    return JSON.readTree(output.substring(start));
  }

  @Override
  public void close() throws Exception {
    for (String job : jobs) {
      if (show(job).path("state").asText().equals("RUNNING")) {
        Launcher.run(180, "stop", job, "--no-drain");
      }
    }
    LocalServices.dropWarehouse(database);
  }
}
