package io.datalake.it;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.datalake.testing.LocalServices;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The long kill case of the fault suite, run by {@code ./datalake chaos} (not by {@code ./datalake
 * test}, which kills once in {@link FaultSuiteIT} and in {@link FlinkRecoveryIT}): a streaming job
 * with its lake on S3 (S3Proxy), SIGKILLed five times in a row at random points (from the JVM's
 * start-up to well into processing and checkpointing), each time started again with --resume while
 * records keep arriving. In the end every id is exactly once in ClickHouse after FINAL and at least
 * once in the lake, and the job resumed from a checkpoint at least once.
 */
public class RepeatedKillsChaosIT {
  private static final int PER_KIND = 10;
  private static final int KILLS = 5;

  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  @Test
  public void fiveKillsInARowWithResumeLoseNothing() throws Exception {
    String bucket = "fault-suite";
    LocalServices.createBucket(bucket);
    try (FaultRun run =
        new FaultRun("five-kills", temp.newFolder().toPath(), bucket, LocalServices.beamS3Args())) {
      FlinkJob job = run.start();
      run.publish(PER_KIND);
      run.awaitClickHouse("before any kill", 240);

      run.killAtRandomPointsAndResume(job, KILLS, PER_KIND);
      run.publish(PER_KIND);
      run.awaitEverything("after " + KILLS + " SIGKILLs with --resume", 300);
      run.verify();
      assertThat(
          "the job resumed from a checkpoint after the kills",
          run.countInLogs("datalake: resuming from checkpoint") > 0,
          equalTo(true));
    }
  }
}
