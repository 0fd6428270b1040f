package io.datalake.it;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;

import io.datalake.options.DatalakeOptions;
import io.datalake.pipelines.BatchSummary;
import io.datalake.pipelines.DatalakePipeline;
import io.datalake.testing.LakeFiles;
import io.datalake.testing.LocalServices;
import io.datalake.testing.PrimaryTables;
import io.datalake.transforms.kinds.RecordKind;
import io.datalake.transforms.pii.PiiKeyset;
import io.datalake.transforms.warehouse.ClickHouseClient;
import io.datalake.transforms.warehouse.ClickHouseWarehouseIO;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Outages a streaming job on the embedded FlinkRunner lives through (README, "Outages"): ClickHouse
 * frozen (SIGSTOP) and stopped for 60 s with a tenant first seen meanwhile, the broker restarted,
 * S3Proxy down for 60 s under an s3:// lake; a batch run during an outage, and the batch summary
 * given the copies a retried insert leaves (a batch on a cluster that restarts). Every case
 * publishes a known set of ids per kind and ends with every id exactly once in ClickHouse after
 * FINAL and at least once in the lake; the lake's duplicates are counted and printed. The
 * five-minute freeze ({@link ClickHouseFreezeChaosIT}) and an S3 outage followed by five kills in a
 * row ({@link RepeatedKillsChaosIT}) run with {@code ./datalake chaos}; SIGKILLs at random points
 * in {@code ./datalake test} are {@link IcebergStreamingRecoveryIT}'s.
 */
public class FaultSuiteIT {
  private static final int OUTAGE_SECONDS = 60;
  private static final int PER_KIND = 10;

  /** Operations on one entity in the summary case: as many versions of one current_entities key. */
  private static final int VERSIONS_OF_ONE_ENTITY = 6;

  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  /** Publishes records and a new tenant's events while a fault lasts, then ends the fault. */
  private static void publishDuring(FaultRun run, Faults.Fault fault, String tenant)
      throws Exception {
    try (fault) {
      run.publish(PER_KIND);
      run.publishNewTenant(tenant, 5);
      Thread.sleep(OUTAGE_SECONDS * 1000L);
    }
  }

  @Test
  public void clickHouseFrozenThenStoppedWithANewTenantThenBrokerRestarted() throws Exception {
    try (FaultRun run =
        new FaultRun("clickhouse-and-broker", temp.newFolder().toPath(), null, List.of())) {
      run.start();
      run.publish(PER_KIND);
      run.awaitClickHouse("before any fault", 240);

      String frozenTenant = "frozen" + run.run;
      publishDuring(run, Faults.freeze("clickhouse"), frozenTenant);
      long afterFreeze =
          run.awaitEverything(
              "after a " + OUTAGE_SECONDS + " s ClickHouse freeze with a new tenant", 300);

      String downTenant = "down" + run.run;
      publishDuring(run, Faults.stop("clickhouse"), downTenant);
      long afterStop =
          run.awaitEverything("after ClickHouse was down for " + OUTAGE_SECONDS + " s", 300);

      run.publish(PER_KIND);
      try (Faults.Fault stopped = Faults.stop("kafka")) {
        Thread.sleep(5_000);
      }
      run.publish(PER_KIND);
      long afterBroker = run.awaitEverything("after the broker restarted", 300);

      run.verify();
      Faults.log(
          "clickhouse-and-broker: caught up "
              + afterFreeze
              + " s after the freeze, "
              + afterStop
              + " s after ClickHouse came back, "
              + afterBroker
              + " s after the broker restart; failovers (restores"
              + " from a checkpoint): "
              + run.countInLogs("Restoring job ")
              + ", ClickHouseIO retries: "
              + run.countInLogs("Retry attempt")
              + ", retried ClickHouse attempts (inserts, tenant views): "
              + run.countInLogs("), trying again in "));
    }
  }

  @Test
  public void s3DownForAMinuteLosesNothing() throws Exception {
    String bucket = "fault-suite";
    LocalServices.createBucket(bucket);
    try (FaultRun run =
        new FaultRun("s3-down", temp.newFolder().toPath(), bucket, LocalServices.beamS3Args())) {
      run.start();
      run.publish(PER_KIND);
      run.awaitClickHouse("before any fault", 240);

      try (Faults.Fault stopped = Faults.stop("s3proxy")) {
        run.publish(PER_KIND);
        Thread.sleep(OUTAGE_SECONDS * 1000L);
      }
      run.awaitEverything("after S3Proxy was down for " + OUTAGE_SECONDS + " s", 300);
      run.verify();
    }
  }

  @Test
  public void aBatchDuringAClickHouseOutageFailsClearlyOrWaitsAndARerunCompletesIt()
      throws Exception {
    Path input = temp.newFolder("input").toPath();
    Path lake = temp.newFolder("lake").toPath();
    String run = Long.toString(System.nanoTime(), 36);
    String database = "fault_batch_" + run;
    Map<RecordKind, Long> expected = FaultBatch.writeInput(input, run, PER_KIND);
    Path logs = Files.createDirectories(Path.of("target", "fault-suite", "batch-" + run));
    List<String> jvm = List.of("-Xmx768m");
    List<String> args =
        List.of(
            "--runner=FlinkRunner",
            "--flinkMaster=[local]",
            "--parallelism=2",
            "--input=" + input,
            "--lake=" + lake,
            "--piiDevelopmentKeyset=true",
            "--clickhouseUrl=" + LocalServices.clickhouseUrl(),
            "--clickhouseCredentialsFile=" + LocalServices.clickhouseCredentialsFile(),
            "--clickhouseDatabase=" + database,
            "--clickhouseRetrySeconds=15");
    try {
      // ClickHouse down before the start: the run stops at once, before reading anything.
      String down;
      try (Faults.Fault stopped = Faults.stop("clickhouse")) {
        FlinkJob p = FlinkJob.start(jvm, args, logs.resolve("down.log"));
        assertThat("the batch ended", p.waitFor(180), equalTo(true));
        down = Files.readString(logs.resolve("down.log"), StandardCharsets.UTF_8);
        assertThat("a batch with ClickHouse down fails", p.exitValue(), not(equalTo(0)));
      }
      assertThat(
          down,
          containsString("ClickHouse at " + LocalServices.clickhouseUrl() + " is unreachable"));

      // ClickHouse frozen once the run has prepared its tables: the workers' inserts and views.
      Path frozenLog = logs.resolve("frozen.log");
      FlinkJob p = FlinkJob.start(jvm, args, frozenLog);
      // The batch must reach its ClickHouse branch in time.
      p.awaitLog("datalake: ClickHouse on at", 120);
      try (Faults.Fault frozen = Faults.freeze("clickhouse")) {
        p.waitFor(OUTAGE_SECONDS);
      }
      FaultBatch.endedClearly(p, frozenLog, 240, "the frozen ClickHouse");

      // The rerun completes it, balanced; ClickHouse and the lake hold every id once.
      FaultBatch.rerunCompletes(jvm, args, logs.resolve("rerun.log"), 240);
      for (Map.Entry<RecordKind, Long> e : expected.entrySet()) {
        PrimaryTables.Primary p2 = PrimaryTables.BY_KIND.get(e.getKey());
        long[] clickhouse = LocalServices.finalRowsAndIds(database, p2.table(), p2.idColumn());
        assertThat(
            e.getKey() + " exactly once in ClickHouse after FINAL",
            clickhouse[0] + "\t" + clickhouse[1],
            equalTo(e.getValue() + "\t" + e.getValue()));
        assertThat(
            e.getKey() + " in the lake",
            (long) LakeFiles.idCounts(lake, p2.table(), p2.idColumn()).size(),
            equalTo(e.getValue()));
      }
    } finally {
      try {
        LocalServices.dropWarehouse(database);
      } catch (RuntimeException e) {
        Faults.log("could not drop " + database + ": " + e.getMessage());
      }
    }
  }

  /**
   * A batch task that fails after its insert and runs again (a Flink cluster's restart strategy
   * restarts it) inserts its rows a second time under the same load id. Those copies are made here
   * as the retried task would (the same rows again), and the summary read back must still balance,
   * naming the copies. So must it after ClickHouse merged the versions of one key: the run updated
   * one entity several times, and once current_entities is merged it holds one row of them, not a
   * row missing.
   */
  @Test
  public void aRetriedInsertsCopiesAndMergedVersionsAreNoFalseMismatch() throws Exception {
    Path input = temp.newFolder("input").toPath();
    Path lake = temp.newFolder("lake").toPath();
    String run = Long.toString(System.nanoTime(), 36);
    String database = "fault_summary_" + run;
    FaultBatch.writeInput(input, run, PER_KIND);
    FaultBatch.writeOperationsOnOneEntity(input, run, VERSIONS_OF_ONE_ENTITY);
    try {
      DatalakeOptions options =
          PipelineOptionsFactory.fromArgs(
                  "--input=" + input,
                  "--lake=" + lake + "/",
                  "--piiDevelopmentKeyset=true",
                  "--runId=" + run,
                  "--clickhouseUrl=" + LocalServices.clickhouseUrl(),
                  "--clickhouseCredentialsFile=" + LocalServices.clickhouseCredentialsFile(),
                  "--clickhouseDatabase=" + database)
              .as(DatalakeOptions.class);
      PipelineResult result = DatalakePipeline.run(options);
      String loadId =
          LocalServices.clickhouse("SELECT any(_load_id) FROM `" + database + "`.checkout_orders")
              .trim();
      ClickHouseClient client = LocalServices.clickhouseClient();
      ClickHouseWarehouseIO.Write config =
          ClickHouseWarehouseIO.write()
              .withUrl(LocalServices.clickhouseUrl())
              .withCredentialsFile(LocalServices.clickhouseCredentialsFile())
              .withDatabase(database)
              .withServerVersion(client.serverVersion())
              .withLoadId(loadId)
              .withKeyset(PiiKeyset.development());

      LocalServices.clickhouse(
          "INSERT INTO `"
              + database
              + "`.checkout_orders SELECT * FROM `"
              + database
              + "`.checkout_orders LIMIT 4");
      BatchSummary copies = BatchSummary.read(result, lake + "/", run, false, config);
      String rendered = copies.render();
      Faults.log("summary with a retried insert's copies:" + rendered);
      assertThat(rendered, copies.balanced(), equalTo(true));
      assertThat(rendered, containsString("4 identical rows (a retried insert"));

      // What a background merge does at any time, done now: one row per key and version.
      LocalServices.clickhouse("OPTIMIZE TABLE `" + database + "`.current_entities FINAL");
      BatchSummary merged = BatchSummary.read(result, lake + "/", run, false, config);
      rendered = merged.render();
      Faults.log("summary after current_entities merged:" + rendered);
      assertThat(rendered, merged.balanced(), equalTo(true));
      assertThat(rendered, containsString("held now, versions of one key merged"));
      long acknowledged = merged.clickhouseRows().get("current_entities");
      long held =
          LocalServices.clickhouseCount(
              "SELECT count() FROM `"
                  + database
                  + "`.current_entities WHERE _load_id = '"
                  + loadId
                  + "'");
      assertThat(rendered, held, lessThan(acknowledged));
    } finally {
      try {
        LocalServices.dropWarehouse(database);
      } catch (RuntimeException e) {
        Faults.log("could not drop " + database + ": " + e.getMessage());
      }
    }
  }
}
