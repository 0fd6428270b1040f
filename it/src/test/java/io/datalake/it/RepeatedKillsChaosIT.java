package io.datalake.it;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.datalake.testing.LocalServices;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The long kill case of the fault suite, run by {@code ./datalake chaos} (not by {@code ./datalake
 * test}, which kills in {@link FlinkRecoveryIT}, {@link FutureRecordFailoverIT} and {@link
 * IcebergStreamingRecoveryIT}): a streaming job with its lake on S3 (S3Proxy), first through 60 s
 * of S3Proxy stopped (uploads pending when the kills begin), then SIGKILLed five times in a row at
 * random points (from the JVM's start-up to well into processing and checkpointing), each time
 * started again with --resume while records keep arriving. In the end every id is exactly once in
 * ClickHouse after FINAL and at least once in the lake, and the job resumed from a checkpoint at
 * least once.
 */
public class RepeatedKillsChaosIT {
  private static final int PER_KIND = 10;
  private static final int KILLS = 5;
  private static final int OUTAGE_SECONDS = 60;

  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  @Test
  public void anS3OutageThenFiveKillsInARowWithResumeLoseNothing() throws Exception {
    String bucket = "fault-suite";
    LocalServices.createBucket(bucket);
    try (FaultRun run =
        new FaultRun(
            "s3-then-five-kills", temp.newFolder().toPath(), bucket, LocalServices.beamS3Args())) {
      FlinkJob job = run.start();
      run.publish(PER_KIND);
      run.awaitClickHouse("before any fault", 240);

      try (Faults.Fault stopped = Faults.stop("s3proxy")) {
        run.publish(PER_KIND);
        Thread.sleep(OUTAGE_SECONDS * 1000L);
      }
      run.awaitEverything("after S3Proxy was down for " + OUTAGE_SECONDS + " s", 300);

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
