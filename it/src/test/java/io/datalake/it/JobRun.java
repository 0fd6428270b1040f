package io.datalake.it;

import io.datalake.testing.LocalServices;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.rules.ExternalResource;

/**
 * What a test of {@link FlinkJob}s owns: a run id (for its topics, consumer group, job name and
 * database), the job JVMs it started, and its ClickHouse database. After the test, every job still
 * running is stopped and the database dropped. Chain it inside the test's {@link
 * org.junit.rules.TemporaryFolder} ({@code RuleChain.outerRule(temp).around(jobs)}), so that no job
 * still writes to a folder being deleted.
 */
final class JobRun extends ExternalResource {
  /** Ten hex digits, unique per test. */
  final String run = UUID.randomUUID().toString().replace("-", "").substring(0, 10);

  final String database;
  private final List<FlinkJob> jobs = new ArrayList<>();

  /**
   * @param databasePrefix the database is this prefix and the run id, e.g. {@code recovery_<run>}
   */
  JobRun(String databasePrefix) {
    this.database = databasePrefix + run;
  }

  /** {@link FlinkJob#start}, stopped after the test if it still runs. */
  FlinkJob start(List<String> jvmOptions, List<String> args, Path log) throws IOException {
    FlinkJob job = FlinkJob.start(jvmOptions, args, log);
    jobs.add(job);
    return job;
  }

  @Override
  protected void after() {
    try {
      for (FlinkJob job : jobs) {
        job.close();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while stopping the test's jobs", e);
    }
    LocalServices.dropWarehouse(database);
  }
}
