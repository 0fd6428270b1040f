package io.datalake.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertThrows;

import io.datalake.options.DatalakeOptions;
import io.datalake.transforms.stream.KafkaTopology;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Optional;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class FlinkCheckpointsTest {
  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  private static DatalakeOptions options(String... args) {
    return PipelineOptionsFactory.fromArgs(args).as(DatalakeOptions.class);
  }

  private Path checkpoint(Path dir, String job, String name, long modified) throws Exception {
    Path folder = Files.createDirectories(dir.resolve(job).resolve(name));
    Path metadata = Files.writeString(folder.resolve("_metadata"), "x");
    Files.setLastModifiedTime(metadata, FileTime.fromMillis(modified));
    return folder;
  }

  private static final String[] JOB = {
    "--runner=FlinkRunner",
    "--flinkMaster=[local]",
    "--source=kafka",
    "--jobName=orders",
    "--consumerGroup=g1",
    "--bootstrapServers=k1:9092,k2:9092",
    "--topics=journey-events=j1"
  };

  /** The job's options, with {@code more} added or replacing the same option. */
  private static String[] job(Path dir, String... more) {
    java.util.Map<String, String> args = new java.util.LinkedHashMap<>();
    java.util.stream.Stream.concat(
            java.util.stream.Stream.of(JOB), java.util.stream.Stream.of("--checkpointDir=" + dir))
        .forEach(a -> args.put(a.split("=")[0], a));
    for (String a : more) {
      args.put(a.split("=")[0], a);
    }
    return args.values().toArray(String[]::new);
  }

  private static KafkaTopology kafka(String journeyId, int journeyPartitions) {
    java.util.Map<String, String> ids = new java.util.TreeMap<>();
    java.util.Map<String, Integer> counts = new java.util.TreeMap<>();
    for (String topic :
        java.util.List.of("j1", "entity-operations", "checkout-orders", "workflow-executions")) {
      ids.put(topic, topic.equals("j1") ? journeyId : "id-" + topic);
      counts.put(topic, topic.equals("j1") ? journeyPartitions : 1);
    }
    return KafkaTopology.of(ids, counts);
  }

  /** The first run of the job: it records who it is; then a checkpoint appears in its folder. */
  private Path firstRun(Path dir, String... more) throws Exception {
    FlinkCheckpoints.configure(options(job(dir, more)), true, kafka("A", 2));
    assertThat(Files.exists(dir.resolve("orders").resolve(JobIdentity.FILE)), equalTo(true));
    return checkpoint(dir.resolve("orders"), "f00d", "chk-7", System.currentTimeMillis() + 1000);
  }

  @Test
  public void aStreamOnFlinkNeedsExactlyOnceCheckpoints() {
    DatalakeOptions atLeastOnce =
        PipelineOptionsFactory.fromArgs(
                "--runner=FlinkRunner", "--source=kafka", "--checkpointingMode=AT_LEAST_ONCE")
            .as(DatalakeOptions.class);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> FlinkCheckpoints.checkOptions(atLeastOnce, true));
    assertThat(e.getMessage(), containsString("--checkpointingMode=EXACTLY_ONCE"));
    FlinkCheckpoints.checkOptions(atLeastOnce, false); // a batch has no checkpoints to wait for
  }

  @Test
  public void aStreamOnTheEmbeddedClusterRefusesAJvmThatDoesNotOpenJavaUtil() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class, () -> FlinkCheckpoints.checkJvmOpensJavaUtil(true, false));
    assertThat(e.getMessage(), containsString(FlinkCheckpoints.ADD_OPENS));
    FlinkCheckpoints.checkJvmOpensJavaUtil(true, true);
    FlinkCheckpoints.checkJvmOpensJavaUtil(false, false); // a batch, or a cluster's own JVMs
  }

  @Test
  public void resumeFindsTheNewestCompletedCheckpointOfItsOwnJob() throws Exception {
    Path dir = temp.newFolder("checkpoints").toPath();
    Path newest = firstRun(dir);
    Files.createDirectories(
        dir.resolve("orders").resolve("f00d").resolve("chk-8")); // in progress: no _metadata yet
    // Another job's checkpoint, newer, in the same --checkpointDir: never picked.
    checkpoint(dir.resolve("payments"), "beef", "chk-99", System.currentTimeMillis() + 60_000);

    DatalakeOptions options = options(job(dir, "--resume"));
    KafkaTopology reading = FlinkCheckpoints.configure(options, true, kafka("A", 2));

    FlinkPipelineOptions flink = options.as(FlinkPipelineOptions.class);
    assertThat(flink.getSavepointPath(), endsWith("orders/f00d/chk-7"));
    assertThat(Path.of(flink.getSavepointPath()), equalTo(newest));
    assertThat(flink.getStateBackendStoragePath(), equalTo(dir.toUri().toString() + "orders"));
    assertThat(flink.isExternalizedCheckpointsEnabled(), equalTo(true));
    assertThat(
        "a drained stop runs what waits for a checkpoint",
        flink.getEnableStableInputDrain(),
        equalTo(true));
    assertThat(flink.getCheckpointingInterval(), equalTo(FlinkCheckpoints.DEFAULT_INTERVAL_MILLIS));
    assertThat("nothing added: one generation", reading.generations().size(), equalTo(1));
    // The embedded cluster reads the restore path from its configuration.
    String conf = Files.readString(Path.of(flink.getFlinkConfDir()).resolve("config.yaml"));
    assertThat(conf, containsString("execution.savepoint.path: " + newest));
  }

  @Test
  public void theRestorePathReplacesTheUsersAndKeepsTheRestOfTheirConfiguration() throws Exception {
    Path dir = temp.newFolder("checkpoints").toPath();
    Path newest = firstRun(dir);
    Path user = temp.newFolder("conf").toPath();
    Files.writeString(
        user.resolve("config.yaml"),
        "taskmanager.numberOfTaskSlots: 4\nexecution.savepoint.path: /old/savepoint\n");
    Files.writeString(user.resolve("log4j.properties"), "rootLogger.level = INFO\n");

    DatalakeOptions options =
        options(job(dir, "--resume", "--flinkConfDir=" + user, "--allowNonRestoredState=true"));
    FlinkCheckpoints.configure(options, true, kafka("A", 2));

    Path conf = Path.of(options.as(FlinkPipelineOptions.class).getFlinkConfDir());
    String yaml = Files.readString(conf.resolve("config.yaml"));
    // One value per key (a key given twice is an error in standard YAML): this run's restore path.
    assertThat(yaml, containsString("execution.savepoint.path: " + newest));
    assertThat(yaml, not(containsString("/old/savepoint")));
    assertThat(yaml, containsString("execution.savepoint.ignore-unclaimed-state: true"));
    assertThat(yaml, containsString("taskmanager.numberOfTaskSlots: 4"));
    assertThat(Files.exists(conf.resolve("log4j.properties")), equalTo(true));
    assertThat(
        "the user's folder is left as it was",
        Files.readString(user.resolve("config.yaml")),
        containsString("/old/savepoint"));
  }

  @Test
  public void aStreamingRollUpOnAClusterDefaultsToRocksDbAndAnythingElseToTheHeap()
      throws Exception {
    Path dir = temp.newFolder("checkpoints").toPath();
    String cluster = "--flinkMaster=localhost:8081";
    DatalakeOptions rollUp = options(job(dir, cluster, "--snapshots=true"));
    FlinkCheckpoints.configure(rollUp, true, kafka("A", 2));
    assertThat(rollUp.as(FlinkPipelineOptions.class).getStateBackend(), equalTo("rocksdb"));
    // RocksDB keeps the state, the heap the timers (which all fire at a month start).
    Path conf = Path.of(rollUp.as(FlinkPipelineOptions.class).getFlinkConfDir());
    assertThat(
        Files.readString(conf.resolve("config.yaml")),
        containsString(FlinkCheckpoints.ROCKSDB_TIMERS + ": HEAP"));
    // Asked for: kept.
    DatalakeOptions asked =
        options(job(dir, cluster, "--snapshots=true", "--stateBackend=filesystem"));
    FlinkCheckpoints.configure(asked, true, kafka("A", 2));
    assertThat(asked.as(FlinkPipelineOptions.class).getStateBackend(), equalTo("filesystem"));
    // No roll-up, the embedded cluster, or a batch: the heap backend.
    for (String[] args :
        new String[][] {
          job(dir, cluster), job(dir, "--snapshots=true"),
        }) {
      DatalakeOptions other = options(args);
      FlinkCheckpoints.configure(other, true, kafka("A", 2));
      assertThat(other.as(FlinkPipelineOptions.class).getStateBackend(), equalTo("filesystem"));
    }
    DatalakeOptions batch = options(job(dir, cluster, "--snapshots=true"));
    FlinkCheckpoints.configure(batch, false, null);
    assertThat(batch.as(FlinkPipelineOptions.class).getStateBackend(), equalTo("filesystem"));
  }

  @Test
  public void theRocksDbBackendKeepsTheJobsCheckpointsWhereResumeLooks() throws Exception {
    Path dir = temp.newFolder("checkpoints").toPath();
    DatalakeOptions options = options(job(dir, "--stateBackend=rocksdb"));
    FlinkCheckpoints.configure(options, true, kafka("A", 2));
    FlinkPipelineOptions flink = options.as(FlinkPipelineOptions.class);
    assertThat(flink.getStateBackend(), equalTo("rocksdb"));
    assertThat(flink.getStateBackendStoragePath(), endsWith("/orders"));
    // Embedded with no --checkpointDir: RocksDB keeps its checkpoints in a temporary folder.
    DatalakeOptions embedded =
        options("--runner=FlinkRunner", "--flinkMaster=[local]", "--stateBackend=rocksdb");
    FlinkCheckpoints.configure(embedded, true, null);
    assertThat(
        embedded.as(FlinkPipelineOptions.class).getStateBackendStoragePath(),
        endsWith("datalake-checkpoints"));
    assertThat(embedded.as(FlinkPipelineOptions.class).getStateBackend(), equalTo("rocksdb"));
    // On a cluster, no folder at all is refused before the run, with what to give.
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                FlinkCheckpoints.checkOptions(
                    options(
                        "--runner=FlinkRunner",
                        "--flinkMaster=localhost:8081",
                        "--stateBackend=rocksdb"),
                    true));
    assertThat(e.getMessage(), containsString("--stateBackend=rocksdb needs a folder"));
  }

  @Test
  public void resumeNeedsTheJobName() throws Exception {
    Path dir = temp.newFolder("checkpoints").toPath();
    IllegalArgumentException e =
        refusedWithTwoPartitions(
            "--runner=FlinkRunner", "--source=kafka", "--checkpointDir=" + dir, "--resume");
    assertThat(e.getMessage(), containsString("--resume needs --jobName"));
  }

  @Test
  public void resumeRefusesAnotherConsumerGroupTopicsOrServers() throws Exception {
    Path dir = temp.newFolder("checkpoints").toPath();
    firstRun(dir);
    for (String[] change :
        new String[][] {
          {"--consumerGroup=g2", "consumer group 'g1', this run 'g2'"},
          {"--topics=journey-events=j2", "topics {"},
          {
            "--bootstrapServers=elsewhere:9092",
            "bootstrap servers 'k1:9092,k2:9092', this run 'elsewhere:9092'"
          }
        }) {
      IllegalArgumentException e = refusedWithTwoPartitions(job(dir, "--resume", change[0]));
      assertThat(e.getMessage(), containsString("--resume refuses the checkpoint"));
      assertThat(e.getMessage(), containsString("it belongs to another job"));
      assertThat(e.getMessage(), containsString(change[1]));
      assertThat(e.getMessage(), containsString("start without --resume"));
    }
    // The same servers in another order are the same job.
    DatalakeOptions same = options(job(dir, "--resume", "--bootstrapServers=K2:9092, k1:9092"));
    FlinkCheckpoints.configure(same, true, kafka("A", 2));
    assertThat(same.as(FlinkPipelineOptions.class).getSavepointPath(), endsWith("chk-7"));
  }

  @Test
  public void resumeAfterATopicCreatedAgainRestoresWindowsButNoKafkaPosition() throws Exception {
    Path dir = temp.newFolder("checkpoints").toPath();
    firstRun(dir);
    java.util.List<String> dropped = new java.util.ArrayList<>();
    DatalakeOptions options = options(job(dir, "--resume"));
    KafkaTopology reading =
        FlinkCheckpoints.configure(options, true, kafka("B", 3), dropped::addAll);

    FlinkPipelineOptions flink = options.as(FlinkPipelineOptions.class);
    assertThat(flink.getSavepointPath(), endsWith("chk-7"));
    assertThat(
        "the old sources' state is left unclaimed",
        flink.getAllowNonRestoredState(),
        equalTo(true));
    String conf = Files.readString(Path.of(flink.getFlinkConfDir()).resolve("config.yaml"));
    assertThat(conf, containsString("execution.savepoint.ignore-unclaimed-state: true"));
    assertThat("new sources: a new epoch over every partition now", reading.epoch(), equalTo(1));
    assertThat(reading.partitions(), hasItems("j1/0", "j1/1", "j1/2"));
    assertThat(reading.topicIds().get("j1"), equalTo("B"));
    assertThat(
        "the recreated topic's committed offsets go", dropped, equalTo(java.util.List.of("j1")));
    // Recorded: the next resume takes the new epoch's positions from its own checkpoints.
    assertThat(JobIdentity.read(dir.resolve("orders").toString()).topology(), equalTo(reading));
  }

  @Test
  public void aSavepointOfTheJobIsRestoredUnderItsOwnRecordOnly() throws Exception {
    Path dir = temp.newFolder("checkpoints").toPath();
    firstRun(dir);
    IllegalArgumentException e =
        refusedWithTwoPartitions(
            job(dir, "--savepointPath=/tmp/savepoint-1", "--consumerGroup=g2"));
    assertThat(
        e.getMessage(),
        containsString("the restore of /tmp/savepoint-1 is refused: it belongs to another job"));
    DatalakeOptions same = options(job(dir, "--savepointPath=/tmp/savepoint-1"));
    KafkaTopology reading = FlinkCheckpoints.configure(same, true, kafka("A", 3));
    assertThat(
        "the savepoint's sources plus the partition added since",
        reading.generations().get(1),
        equalTo(java.util.List.of("j1/2")));
  }

  @Test
  public void resumeRefusesCheckpointsWithNoRecordOfTheirJob() throws Exception {
    Path dir = temp.newFolder("checkpoints").toPath();
    checkpoint(dir.resolve("orders"), "f00d", "chk-1", 1_000_000);
    IllegalArgumentException e = refusedWithTwoPartitions(job(dir, "--resume"));
    assertThat(e.getMessage(), containsString("have no " + JobIdentity.FILE));
  }

  @Test
  public void resumeReadsPartitionsAddedSinceTheCheckpointAsANewGeneration() throws Exception {
    Path dir = temp.newFolder("checkpoints").toPath();
    firstRun(dir);
    KafkaTopology reading =
        FlinkCheckpoints.configure(options(job(dir, "--resume")), true, kafka("A", 4));
    assertThat(reading.generations().size(), equalTo(2));
    assertThat(reading.generations().get(1), equalTo(java.util.List.of("j1/2", "j1/3")));
    assertThat(reading.generations().get(0), hasItems("j1/0", "j1/1"));
    // Recorded: the next resume restores both sources, and adds nothing more.
    KafkaTopology again =
        FlinkCheckpoints.configure(options(job(dir, "--resume")), true, kafka("A", 4));
    assertThat(again, equalTo(reading));
  }

  @Test
  public void aFreshStartLeavesOlderCheckpointsOutOfTheNextResume() throws Exception {
    Path dir = temp.newFolder("checkpoints").toPath();
    checkpoint(dir.resolve("orders"), "f00d", "chk-3", System.currentTimeMillis() - 60_000);
    // On a cluster, where a job stops with a drain (the embedded cluster refuses a fresh start
    // over a retained checkpoint, aFreshStartOnTheEmbeddedCluster...).
    String cluster = "--flinkMaster=localhost:8081";
    FlinkCheckpoints.configure(options(job(dir, cluster)), true, kafka("A", 2)); // no --resume
    DatalakeOptions resumed = options(job(dir, cluster, "--resume"));
    FlinkCheckpoints.configure(resumed, true, kafka("A", 2));
    assertThat(
        Optional.ofNullable(resumed.as(FlinkPipelineOptions.class).getSavepointPath()),
        equalTo(Optional.empty()));
  }

  @Test
  public void theJobRecordHoldsNoKafkaProperties() throws Exception {
    Path dir = temp.newFolder("checkpoints").toPath();
    FlinkCheckpoints.configure(
        options(job(dir, "--kafkaProperties=sasl.jaas.config=secret-password")),
        true,
        kafka("A", 2));
    String record = Files.readString(dir.resolve("orders").resolve(JobIdentity.FILE));
    assertThat(record, containsString("\"consumerGroup\" : \"g1\""));
    assertThat(record, not(containsString("secret-password")));
  }

  @Test
  public void autoOutsideAFlinkClientIsTheEmbeddedCluster() {
    FlinkPipelineOptions flink =
        options("--runner=FlinkRunner", "--flinkMaster=[auto]").as(FlinkPipelineOptions.class);
    assertThat(FlinkCheckpoints.insideFlinkClient(), equalTo(false));
    assertThat(FlinkCheckpoints.embedded(flink), equalTo(true));
    flink.setFlinkMaster("flink.example:8081");
    assertThat(FlinkCheckpoints.embedded(flink), equalTo(false));
  }

  @Test
  public void aJobNameThatCannotNameAFolderIsRefused() throws Exception {
    Path dir = temp.newFolder("checkpoints").toPath();
    IllegalArgumentException e =
        refusedWithTwoPartitions(
            "--runner=FlinkRunner", "--jobName=../other", "--checkpointDir=" + dir);
    assertThat(e.getMessage(), containsString("names the job's checkpoint folder"));
  }

  @Test
  public void resumeWithNoCheckpointYetStartsFresh() throws Exception {
    Path dir = temp.newFolder("empty").toPath();
    DatalakeOptions options = options(job(dir, "--resume"));
    FlinkCheckpoints.configure(options, true, kafka("A", 2));
    assertThat(
        Optional.ofNullable(options.as(FlinkPipelineOptions.class).getSavepointPath()),
        equalTo(Optional.empty()));
  }

  @Test
  public void resumeNeedsFlinkAndACheckpointDir() {
    IllegalArgumentException direct =
        assertThrows(
            IllegalArgumentException.class,
            () -> FlinkCheckpoints.configure(options("--resume"), true));
    assertThat(direct.getMessage(), containsString("--resume needs --runner=FlinkRunner"));
    IllegalArgumentException noDir =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                FlinkCheckpoints.configure(
                    options("--runner=FlinkRunner", "--jobName=orders", "--resume"), true));
    assertThat(noDir.getMessage(), containsString("--checkpointDir"));
  }

  /** What configuring a job with these options refuses, against a topic of two partitions. */
  private static IllegalArgumentException refusedWithTwoPartitions(String... args) {
    return assertThrows(
        IllegalArgumentException.class,
        () -> FlinkCheckpoints.configure(options(args), true, kafka("A", 2)));
  }

  @Test
  public void theStepsRunInThisJvmOnTheDirectRunnerAndTheEmbeddedFlinkClusterOnly() {
    assertThat(FlinkCheckpoints.stepsRunInThisJvm(options("--runner=DirectRunner")), equalTo(true));
    assertThat(
        FlinkCheckpoints.stepsRunInThisJvm(
            options("--runner=FlinkRunner", "--flinkMaster=[local]")),
        equalTo(true));
    assertThat(FlinkCheckpoints.isEmbeddedFlink(options("--runner=DirectRunner")), equalTo(false));
    DatalakeOptions cluster = options("--runner=FlinkRunner", "--flinkMaster=127.0.0.1:8081");
    assertThat(FlinkCheckpoints.isEmbeddedFlink(cluster), equalTo(false));
    assertThat(FlinkCheckpoints.stepsRunInThisJvm(cluster), equalTo(false));
  }

  @Test
  public void aFreshStartOnTheEmbeddedClusterOverARetainedCheckpointIsRefused() throws Exception {
    Path dir = temp.newFolder("checkpoints").toPath();
    Path newest = firstRun(dir);
    IllegalArgumentException refused =
        assertThrows(
            IllegalArgumentException.class,
            () -> FlinkCheckpoints.configure(options(job(dir)), true, kafka("A", 2)));
    assertThat(refused.getMessage(), containsString("job 'orders' stopped with its checkpoint"));
    assertThat(refused.getMessage(), containsString(newest.toString()));
    assertThat(refused.getMessage(), containsString("Give --resume to restore them"));
    // On a cluster a job stops with a drain (./datalake stop): a fresh start after it is fine.
    FlinkCheckpoints.configure(
        options(job(dir, "--flinkMaster=localhost:8081")), true, kafka("A", 2));
  }
}
