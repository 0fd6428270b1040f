package io.datalake.it;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;

import io.datalake.testing.LakeFiles;
import io.datalake.testing.LocalServices;
import io.datalake.testing.PrimaryTables;
import io.datalake.transforms.kinds.RecordKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * A batch to an s3:// lake on the embedded FlinkRunner's DataStream API (where the workers take
 * their S3 settings from the impulses datalake's FlinkSource gives the run's options) while S3Proxy
 * is stopped in the middle of the run, until the run ends or for 60 s, run by {@code ./datalake
 * chaos} (about 75 s): the run waits the outage out and completes, or fails with the reason and the
 * advice to run the same command again (measured: it fails 22 s after its start, once the AWS
 * client's three attempts at an upload are refused). The rerun completes and replaces the failed
 * run's files: every id is in the lake exactly once, and no temporary file of a failed attempt is
 * left.
 */
public class S3OutageBatchChaosIT {
  private static final int OUTAGE_SECONDS = 60;

  /** Records per kind: enough for the run to be reading and writing when S3Proxy stops. */
  private static final int PER_KIND = 1500;

  private static final String BUCKET = "fault-batch";

  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  @Test
  public void aBatchToS3DuringAnS3OutageFailsClearlyOrWaitsAndARerunCompletesIt() throws Exception {
    LocalServices.createBucket(BUCKET);
    Path input = temp.newFolder("input").toPath();
    String run = Long.toString(System.nanoTime(), 36);
    String prefix = "batch-" + run;
    Map<RecordKind, Long> expected = FaultBatch.writeInput(input, run, PER_KIND);
    Path logs = Files.createDirectories(Path.of("target", "fault-suite", "s3-batch-" + run));
    List<String> jvm = List.of("-Xmx768m");
    List<String> args = new ArrayList<>(LocalServices.beamS3Args());
    args.addAll(
        List.of(
            "--runner=FlinkRunner",
            "--flinkMaster=[local]",
            "--parallelism=2",
            "--input=" + input,
            "--lake=s3://" + BUCKET + "/" + prefix,
            "--piiDevelopmentKeyset=true"));

    Path outageLog = logs.resolve("outage.log");
    FlinkJob p = FlinkJob.start(jvm, args, outageLog);
    p.awaitLog("datalake: batch on Flink's DataStream API", 120);
    Thread.sleep(3_000);
    try (Faults.Fault stopped = Faults.stop("s3proxy")) {
      p.waitFor(OUTAGE_SECONDS);
    }
    FaultBatch.endedClearly(p, outageLog, 300, "S3Proxy stopped");
    FaultBatch.rerunCompletes(jvm, args, logs.resolve("rerun.log"), 300);

    Path lake = temp.newFolder("lake").toPath();
    List<String> temporary = new ArrayList<>();
    for (LocalServices.S3File file : LocalServices.download(BUCKET, prefix + "/")) {
      String key = file.key().substring(prefix.length() + 1);
      if (key.startsWith(".temp-datalake/")) {
        temporary.add(key);
      }
      Path target = lake.resolve(key);
      Files.createDirectories(target.getParent());
      Files.write(target, file.bytes());
    }
    assertThat("temporary files left in the lake", temporary, empty());
    for (Map.Entry<RecordKind, Long> e : expected.entrySet()) {
      PrimaryTables.Primary primary = PrimaryTables.BY_KIND.get(e.getKey());
      Map<String, Integer> ids = LakeFiles.idCounts(lake, primary.table(), primary.idColumn());
      assertThat(e.getKey() + " ids in the lake", (long) ids.size(), equalTo(e.getValue()));
      List<String> twice =
          ids.entrySet().stream().filter(id -> id.getValue() > 1).map(Map.Entry::getKey).toList();
      assertThat(e.getKey() + " ids in the lake more than once", twice, empty());
    }
  }
}
