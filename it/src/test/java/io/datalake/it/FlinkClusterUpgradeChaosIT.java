package io.datalake.it;

import static io.datalake.it.ClusterJobs.await;
import static io.datalake.it.ClusterJobs.batch;
import static io.datalake.it.ClusterJobs.jsonDocument;
import static io.datalake.it.ClusterJobs.lakeIds;
import static io.datalake.it.ClusterJobs.show;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import io.datalake.testing.LakeFiles;
import io.datalake.testing.LocalServices;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.ClassRule;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.ExternalResource;
import org.junit.rules.TemporaryFolder;

/**
 * The upgrade path on the Flink session cluster, run by {@code ./datalake chaos} (about two
 * minutes, so not in {@code ./datalake test}'s budget): for a streaming job whose checkpoint does
 * not fit new code (step names and coders changed), {@code ./datalake stop JOB --drain} mid-stream,
 * then the same {@code ./datalake run} again WITHOUT --resume. The drain fires every open window,
 * so what the job had read is written; the savepoint commits the Kafka offsets to the consumer
 * group; the new job reads on from them. No record is lost: every id is in the lake and in
 * ClickHouse.
 */
public class FlinkClusterUpgradeChaosIT {
  @ClassRule public static final ExternalResource CLUSTER = ClusterJobs.cluster();

  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  @Test
  public void aDrainedStopThenAStartWithoutResumeLosesNoRecord() throws Exception {
    try (ClusterJobs jobs = new ClusterJobs()) {
      String topics = LocalServices.freshTopics(jobs.run);
      String topic = "journey-events-" + jobs.run;
      Path lake = temp.newFolder("lake").toPath();
      List<String> args =
          jobs.streamingRun(
              "it-upgrade-" + jobs.run, temp.newFolder("checkpoints").toPath(), topics, lake);
      Set<String> expected = new TreeSet<>();
      LocalServices.produce(topic, batch("a-", 200));
      String first = jobs.submit(args);
      await("the first rows in ClickHouse", 240, first, () -> !jobs.finalIds().isEmpty());

      // Mid-stream: records arrive while the job drains and stops; some sit in open windows.
      LocalServices.produce(topic, batch("b-", 200));
      JsonNode stopped =
          jsonDocument(
              Launcher.run(300, "stop", first, "--drain", "--json")
                  .orFail("./datalake stop --drain")
                  .output());
      assertThat(
          "the stop drained: " + stopped, stopped.path("drained").asBoolean(), equalTo(true));
      // The drain ran the deletions that wait for a checkpoint: no spill file outlives the job.
      Path spill = lake.resolve(".temp-datalake/spill");
      if (Files.isDirectory(spill)) {
        try (Stream<Path> left = Files.walk(spill)) {
          assertThat(
              "spill files left by the drained job",
              left.filter(Files::isRegularFile).map(Path::toString).toList(),
              empty());
        }
      }
      // While no job runs; then the new code starts from the group's offsets, not a savepoint.
      LocalServices.produce(topic, batch("c-", 200));
      String second = jobs.submit(args);
      for (String prefix : List.of("a-", "b-", "c-")) {
        for (int i = 0; i < 200; i++) {
          expected.add(prefix + i);
        }
      }
      await(
          "every id in the lake and in ClickHouse",
          300,
          second,
          () -> jobs.finalIds().containsAll(expected) && lakeIds(lake).containsAll(expected));
      assertThat(
          "the new job restored no checkpoint or savepoint",
          show(second).path("checkpoints").path("restoredCount").asLong(),
          equalTo(0L));
      long lakeRows = LakeFiles.rows(lake, "journey_events").size();
      System.out.printf(
          "FlinkClusterUpgradeChaosIT: %d ids, %d lake rows (%d read twice), none missing%n",
          expected.size(), lakeRows, lakeRows - expected.size());
    }
  }
}
