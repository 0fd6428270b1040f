package io.datalake.pipelines;

import io.datalake.options.DatalakeOptions;
import io.datalake.transforms.io.LakePaths;
import io.datalake.transforms.stream.KafkaTopology;
import io.datalake.transforms.stream.ReadKafkaTopics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpointing of a Flink run and its resumption, settled before the job is built: a streaming run
 * checkpoints (Kafka offsets are committed, and window contents saved, only on checkpoints), its
 * checkpoints outlive the job under --checkpointDir/--jobName, beside a record of the job ({@link
 * JobIdentity}), and --resume restarts from the newest one of the same job only.
 */
public final class FlinkCheckpoints {
  private static final Logger LOG = LoggerFactory.getLogger(FlinkCheckpoints.class);

  /** Streaming on Flink without an interval would never commit offsets nor save window state. */
  static final long DEFAULT_INTERVAL_MILLIS = 10_000;

  private static final String LOCAL = "[local]";

  private FlinkCheckpoints() {}

  static boolean isFlink(DatalakeOptions options) {
    return FlinkRunner.class.equals(options.getRunner());
  }

  /** The FlinkRunner with its cluster embedded in this JVM ({@link #embedded}). */
  static boolean isEmbeddedFlink(DatalakeOptions options) {
    return isFlink(options) && embedded(options.as(FlinkPipelineOptions.class));
  }

  /**
   * Whether the pipeline's steps run in this JVM: the DirectRunner's do, and so do the embedded
   * Flink cluster's; a Flink cluster's and Dataflow's run elsewhere and outlive this JVM.
   */
  static boolean stepsRunInThisJvm(DatalakeOptions options) {
    return DirectRunner.class.equals(options.getRunner()) || isEmbeddedFlink(options);
  }

  /**
   * Fails on recovery options that cannot work together. Only reads the options: a run checks them
   * with the others ({@link RunPlan}), before it contacts Kafka or ClickHouse.
   */
  static void checkOptions(DatalakeOptions options, boolean streaming) {
    boolean resume = Boolean.TRUE.equals(options.getResume());
    if (!isFlink(options)) {
      if (resume) {
        throw new IllegalArgumentException(
            "--resume needs --runner=FlinkRunner: the DirectRunner keeps no state between runs (it"
                + " restarts from the consumer group's committed offsets), and Dataflow resumes a job"
                + " with --update or a snapshot, not with --resume");
      }
      return;
    }
    if (resume && !jobNameGiven(options)) {
      throw new IllegalArgumentException(
          "--resume needs --jobName: each job keeps its checkpoints in a folder of its own"
              + " (<checkpointDir>/<jobName>), and --resume restores only the same job's. Give the --jobName"
              + " the job ran under.");
    }
    String dir = blankToNull(options.getCheckpointDir());
    if (dir != null && streaming) {
      // Fails on a --jobName that cannot name a folder.
      jobDir(asUri(dir), options.getJobName());
    }
    FlinkPipelineOptions flink = options.as(FlinkPipelineOptions.class);
    if (streaming
        && blankToNull(flink.getStateBackend()) != null
        && dir == null
        && blankToNull(flink.getStateBackendStoragePath()) == null
        && !embedded(flink)) {
      throw new IllegalArgumentException(
          "--stateBackend="
              + flink.getStateBackend()
              + " needs a folder for its checkpoints: give --checkpointDir (where --resume looks),"
              + " or --stateBackendStoragePath");
    }
    if (resume && dir == null) {
      throw new IllegalArgumentException(
          "--resume needs --checkpointDir, the folder of retained checkpoints");
    }
    String mode = flink.getCheckpointingMode();
    if (streaming && mode != null && !mode.equalsIgnoreCase("EXACTLY_ONCE")) {
      throw new IllegalArgumentException(
          "A stream on Flink needs --checkpointingMode=EXACTLY_ONCE (got "
              + mode
              + "): the lake's spill files are deleted, and the Iceberg lake's files committed, only"
              + " once a checkpoint holds what they depend on, which it does only in that mode");
    }
    checkJvmOpensJavaUtil(streaming && embedded(flink), JAVA_UTIL_OPEN);
  }

  /** Whether this JVM opens java.util (and java.lang) to the classes of the bundled jar. */
  private static final boolean JAVA_UTIL_OPEN =
      Object.class.getModule().isOpen("java.util", FlinkCheckpoints.class.getModule())
          && Object.class.getModule().isOpen("java.lang", FlinkCheckpoints.class.getModule());

  /** What a JVM running a stream on the embedded cluster must be started with. */
  static final String ADD_OPENS =
      "--add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED";

  /**
   * A stream's checkpoints copy the list state of its stable-input steps (the lake's spill-file
   * deletion, the Iceberg commits) with Flink's Kryo, which reads private fields of java.util: in a
   * JVM that does not open it every checkpoint is declined and the tasks restart again and again,
   * writing nothing (a benchmark run started with {@code java -cp}). Fails before the job starts
   * instead. A Flink cluster's own JVMs open it (Flink's {@code env.java.opts}).
   */
  static void checkJvmOpensJavaUtil(boolean embeddedStream, boolean open) {
    if (embeddedStream && !open) {
      throw new IllegalStateException(
          "A stream on the embedded Flink cluster needs its JVM started with "
              + ADD_OPENS
              + ": its checkpoints copy operator state with Kryo, which reads private fields of"
              + " java.util. ./datalake run and java -jar give them (the jar's manifest);"
              + " java -cp does not, so add them to the command or to $DATALAKE_JAVA_OPTS");
    }
  }

  /** Applies the recovery options to the Flink options; fails on combinations that cannot work. */
  static void configure(DatalakeOptions options, boolean streaming) {
    configure(options, streaming, null);
  }

  /**
   * Applies the recovery options to the Flink options, fails on combinations that cannot work, and
   * settles which Kafka partitions the job reads: {@code kafkaNow} (what Kafka has) on a fresh
   * start; on a restore, the generations the checkpoint's sources read plus one of the partitions
   * added since. Null when {@code kafkaNow} is.
   */
  static KafkaTopology configure(
      DatalakeOptions options, boolean streaming, KafkaTopology kafkaNow) {
    return configure(options, streaming, kafkaNow, topics -> {});
  }

  /**
   * As above; {@code dropCommittedOffsets} is handed the topics created again since the restored
   * checkpoint, whose committed offsets must go before the new sources read them.
   */
  static KafkaTopology configure(
      DatalakeOptions options,
      boolean streaming,
      KafkaTopology kafkaNow,
      Consumer<List<String>> dropCommittedOffsets) {
    checkOptions(options, streaming);
    if (!isFlink(options)) {
      if (blankToNull(options.getCheckpointDir()) != null) {
        LOG.warn(
            "datalake: --checkpointDir is for the FlinkRunner; {} ignores it",
            options.getRunner().getSimpleName());
      }
      return kafkaNow;
    }
    FlinkPipelineOptions flink = options.as(FlinkPipelineOptions.class);
    // Without it Flink copies every element through its coder between chained steps (a fifth of a
    // batch run in the profile; streaming at 2,000/s kept up only with it). Safe here: no step
    // changes its input (RouteLateRows copies before flagging), which the DirectRunner's
    // immutability check enforces in the tests. It also stops the heap state backend from copying
    // a state value before an asynchronous checkpoint writes it, so no step may change a state
    // value in place either: combine accumulators are immutable (WriteFreshness.SumFigures).
    flink.setFasterCopy(true);
    if (streaming
        && (flink.getCheckpointingInterval() == null || flink.getCheckpointingInterval() <= 0)) {
      flink.setCheckpointingInterval(DEFAULT_INTERVAL_MILLIS);
      LOG.info(
          "datalake: checkpointing every {} ms (set --checkpointingInterval to change)",
          DEFAULT_INTERVAL_MILLIS);
    }
    if (streaming) {
      // A job's checkpoint settings travel with it: the cluster's retention setting does not reach
      // a job submitted from a client. Kept checkpoints are what a resume starts from.
      flink.setExternalizedCheckpointsEnabled(true);
      flink.setRetainExternalizedCheckpointsOnCancellation(true);
      // `./datalake stop` drains by default. A @RequiresStableInput step (the lake's spill file
      // deletion, the Iceberg commit) holds what it buffers until a checkpoint completes, and
      // Beam's operator refuses to end a drain while buffered elements hold the watermark ("There
      // are still watermark holds left"). With this, what the drain produced runs when the final
      // savepoint completes, and what a checkpoint still in flight holds runs as the drain ends:
      // the one gap (that checkpoint and the savepoint both failing) is in the README, "Upgrading a
      // running streaming job". Set whatever the command line says: without it no drain ends.
      flink.setEnableStableInputDrain(true);
    }
    boolean resume = Boolean.TRUE.equals(options.getResume());
    String dir = blankToNull(options.getCheckpointDir());
    // A streaming job's checkpoints live in a folder of their own, beside the record of the job.
    String jobDir = dir != null && streaming ? jobDir(asUri(dir), options.getJobName()) : null;
    if (dir != null) {
      String uri = jobDir != null ? jobDir : asUri(dir);
      if (flink.getStateBackend() == null) {
        flink.setStateBackend(defaultStateBackend(options, flink, streaming));
      }
      if (streaming && "rocksdb".equalsIgnoreCase(flink.getStateBackend())) {
        // The roll-up's timers all fire at a month start. Kept in RocksDB, each one popped seeks
        // past those deleted before it: on the heap a month start ran about twice as fast when the
        // roll-up had a timer per entity (./datalake bench --only snapshots, 100,000 entities: 562
        // snapshot rows/s, against 270 with RocksDB's timers). It now has one per shard (1,024),
        // a few dozen bytes of heap each.
        List<String> added =
            FlinkRunConfiguration.addDefaults(flink, Map.of(ROCKSDB_TIMERS, "HEAP"));
        if (!added.isEmpty()) {
          LOG.info(
              "datalake: {}: HEAP (RocksDB keeps the state, the heap the timers)", ROCKSDB_TIMERS);
        }
      }
      flink.setStateBackendStoragePath(uri);
      LOG.info(
          "datalake: checkpoints retained under {} (state backend {})",
          uri,
          flink.getStateBackend());
    } else if (streaming
        && embedded(flink)
        && blankToNull(flink.getStateBackendStoragePath()) == null) {
      // Flink's default checkpoint storage is the JobManager's memory, limited to 5 MB: the
      // windows' state passes that within seconds and every checkpoint fails (the benchmark saw
      // it at 500 records/s). The embedded cluster has no configuration of its own: use files
      // (for the heap backend or the RocksDB one, --stateBackend=rocksdb, alike).
      String temporary = asUri(System.getProperty("java.io.tmpdir") + "/datalake-checkpoints");
      if (flink.getStateBackend() == null) {
        flink.setStateBackend("filesystem");
      }
      flink.setStateBackendStoragePath(temporary);
      LOG.warn(
          "datalake: no --checkpointDir: checkpoints go to {}; give --checkpointDir to keep them where"
              + " --resume looks",
          temporary);
    } else if (streaming) {
      LOG.info(
          "datalake: no --checkpointDir: checkpoint storage follows the cluster's configuration");
    }
    String restore = blankToNull(flink.getSavepointPath());
    KafkaTopology reading = kafkaNow;
    if (jobDir != null) {
      JobIdentity run = identity(options, kafkaNow);
      JobIdentity recorded = JobIdentity.read(jobDir);
      if (resume && restore == null) {
        Optional<String> newest =
            newestCheckpoint(jobDir, recorded == null ? 0 : recorded.freshStartMillis());
        if (newest.isPresent()) {
          if (recorded == null) {
            throw new IllegalArgumentException(
                "--resume: the checkpoints under "
                    + jobDir
                    + " have no "
                    + JobIdentity.FILE
                    + ", the record of the"
                    + " job that wrote them (consumer group, topics, servers, partitions), so they cannot be told to be"
                    + " this job's. Start without --resume (from the consumer group's committed offsets), or restore one"
                    + " deliberately with --savepointPath=<its chk-N folder>.");
          }
          refuseAnotherJob(recorded, run, "--resume refuses the checkpoint " + newest.get());
          restore = newest.get();
          reading = restoredTopology(recorded, kafkaNow, flink, dropCommittedOffsets);
          recorded.withTopology(reading == null ? recorded.topology() : reading).write(jobDir);
          LOG.info("datalake: resuming from checkpoint {}", restore);
        } else {
          LOG.warn(
              "datalake: --resume: no retained checkpoint of job '{}' under {} yet; starting from the consumer"
                  + " group's committed offsets",
              options.getJobName(),
              jobDir);
          run.write(jobDir);
        }
      } else if (restore != null) {
        if (recorded != null) {
          refuseAnotherJob(recorded, run, "the restore of " + restore + " is refused");
          reading = restoredTopology(recorded, kafkaNow, flink, dropCommittedOffsets);
          recorded.withTopology(reading == null ? recorded.topology() : reading).write(jobDir);
        } else {
          LOG.warn(
              "datalake: restoring {} with no record of the job that wrote it under {}: partitions added since"
                  + " it was written are noticed while the job runs, not read at once",
              restore,
              jobDir);
          run.write(jobDir);
        }
      } else {
        if (embedded(flink)) {
          refuseToLeaveACheckpointBehind(
              options.getJobName(),
              jobDir,
              newestCheckpoint(jobDir, recorded == null ? 0 : recorded.freshStartMillis()));
        }
        // A fresh start: older runs' checkpoints stay, but --resume will not pick them any more.
        run.write(jobDir);
      }
    }
    if (restore != null) {
      flink.setSavepointPath(restore);
      if (embedded(flink)) {
        // The runner hands --savepointPath only to a remote cluster; the embedded one reads the
        // restore path from its Flink configuration, so the run gets a configuration that has it.
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put("execution.savepoint.path", restore);
        if (Boolean.TRUE.equals(flink.getAllowNonRestoredState())) {
          keys.put("execution.savepoint.ignore-unclaimed-state", "true");
        }
        FlinkRunConfiguration.force(flink, keys);
      }
    }
    return reading;
  }

  /**
   * The state backend of a run that names none (Beam's --stateBackend): RocksDB for a streaming run
   * with --snapshots on a Flink cluster, Flink's heap backend ("filesystem") otherwise. The roll-up
   * keeps every entity's latest state (1-4 KB each) for as long as the job runs; measured ({@code
   * ./datalake bench --only snapshots}, -Xmx1g, 2 cores), the heap backend needed 987 MB of heap at
   * 100,000 entities and ran out of it at 1,000,000, while RocksDB stayed at a fraction of the heap
   * at both, for slower checkpoints and state accesses. The embedded cluster keeps the heap
   * backend: it runs tests and demos with few entities, where RocksDB's native library and files
   * only cost start-up.
   */
  static String defaultStateBackend(
      DatalakeOptions options, FlinkPipelineOptions flink, boolean streaming) {
    return streaming && Boolean.TRUE.equals(options.getSnapshots()) && !embedded(flink)
        ? "rocksdb"
        : "filesystem";
  }

  /**
   * Flink's setting for where the RocksDB backend keeps timers: RocksDB (its default) or HEAP.
   * Public for the benchmark, which runs the roll-up with each.
   */
  public static final String ROCKSDB_TIMERS = "state.backend.rocksdb.timer-service.factory";

  /** The folder of one job's checkpoints and its record. */
  static String jobDir(String checkpointDirUri, String jobName) {
    if (jobName == null || !jobName.matches("[A-Za-z0-9._-]+") || jobName.matches("\\.+")) {
      throw new IllegalArgumentException(
          "--jobName="
              + jobName
              + " names the job's checkpoint folder under --checkpointDir: use letters, digits,"
              + " '.', '_' and '-' only");
    }
    return (checkpointDirUri.endsWith("/") ? checkpointDirUri : checkpointDirUri + "/") + jobName;
  }

  /**
   * True when --jobName was given, not Beam's generated default (a new one per run, which no
   * checkpoint could match): options list in their display data only the values set.
   */
  static boolean jobNameGiven(DatalakeOptions options) {
    return DisplayData.from(options).items().stream()
        .anyMatch(
            i ->
                "jobName".equals(i.getKey())
                    && PipelineOptions.class.getName().equals(i.getNamespace().getName()));
  }

  private static JobIdentity identity(DatalakeOptions options, KafkaTopology kafkaNow) {
    Map<String, String> topics = new TreeMap<>();
    ReadKafkaTopics.topics(options.getTopics())
        .forEach((kind, topic) -> topics.put(kind.name(), topic));
    return new JobIdentity(
        options.getJobName(),
        options.getConsumerGroup(),
        options.getBootstrapServers(),
        topics,
        kafkaNow == null ? new KafkaTopology(Map.of(), List.of()) : kafkaNow,
        System.currentTimeMillis());
  }

  /**
   * Fails when the checkpoint was written by another job: other consumer group, topics or servers.
   */
  private static void refuseAnotherJob(JobIdentity recorded, JobIdentity run, String refusal) {
    List<String> differences = recorded.differencesTo(run);
    if (!differences.isEmpty()) {
      throw new IllegalArgumentException(
          refusal
              + ": it belongs to another job. It was written by "
              + recorded.describe()
              + "; differences: "
              + String.join("; ", differences)
              + ". A checkpoint restores the Kafka positions of"
              + " its own consumer group, topics and servers, and a restored source ignores new ones. Run with the"
              + " job's own --consumerGroup, --topics and --bootstrapServers, or start without --resume (from the"
              + " consumer group's committed offsets), or under another --jobName.");
    }
  }

  /**
   * The checkpoint's generations, plus one of the partitions added to Kafka since. After a topic
   * was created again, a new epoch of sources that take no positions from the checkpoint (its
   * windows are restored, its Kafka positions dropped) and read from the committed offsets, which
   * the recreated topics lose first.
   */
  private static KafkaTopology restoredTopology(
      JobIdentity recorded,
      KafkaTopology kafkaNow,
      FlinkPipelineOptions flink,
      Consumer<List<String>> dropCommittedOffsets) {
    if (kafkaNow == null) {
      return null;
    }
    List<String> recreated = recorded.topology().recreatedTopics(kafkaNow);
    if (!recreated.isEmpty()) {
      LOG.warn(
          "datalake: Kafka topics {} were deleted and created again since the checkpoint: its window contents are"
              + " restored, its Kafka positions are not; every topic is read from the consumer group's committed"
              + " offsets, the recreated ones from their start",
          recreated);
      dropCommittedOffsets.accept(recreated);
      // The previous epoch's sources hold the old positions: their state is left unclaimed.
      flink.setAllowNonRestoredState(true);
      return recorded.topology().nextEpoch(kafkaNow);
    }
    if (recorded.topology().generations().isEmpty()) {
      return kafkaNow;
    }
    KafkaTopology reading = recorded.topology().extendedWith(kafkaNow);
    if (reading.generations().size() > recorded.topology().generations().size()) {
      LOG.info(
          "datalake: partitions added since the checkpoint: {}; read from the consumer group's committed offsets"
              + " (from their start)",
          reading.generations().get(reading.generations().size() - 1));
    }
    return reading;
  }

  /**
   * A fresh start on the embedded cluster while the job's last checkpoint is retained: refused.
   * That cluster has no stop with drain, so the job ended with Ctrl-C, SIGTERM or a crash, and its
   * checkpoint holds the rows of its open windows, whose Kafka offsets were committed at that
   * checkpoint: a fresh start reads past them, and they would never reach the lake (ClickHouse has
   * them). The refusal says how to keep them (--resume) and how to start over deliberately.
   */
  static void refuseToLeaveACheckpointBehind(
      String jobName, String jobDir, Optional<String> newest) {
    if (newest.isEmpty()) {
      return;
    }
    throw new IllegalArgumentException(
        "job '"
            + jobName
            + "' stopped with its checkpoint "
            + newest.get()
            + " retained: the rows of its open windows are in that checkpoint only (their Kafka"
            + " offsets are committed), and a start without --resume would never write them to"
            + " the lake. Give --resume to restore them; to start over without them, delete "
            + localPath(jobDir)
            + " first, or choose another --jobName");
  }

  /**
   * The newest completed checkpoint or savepoint under {@code dir}: Flink writes a {@code
   * _metadata} file last, so a folder holding one is complete.
   */
  static Optional<String> newestCheckpoint(String dir) {
    return newestCheckpoint(dir, 0);
  }

  /**
   * The newest one written at or after {@code sinceMillis} (a fresh start leaves older ones out).
   */
  static Optional<String> newestCheckpoint(String dir, long sinceMillis) {
    String base = dir.endsWith("/") ? dir : dir + "/";
    try {
      MatchResult.Metadata newest = null;
      for (String pattern :
          List.of(
              base + "*/chk-*/_metadata",
              base + "savepoint-*/_metadata",
              base + "*/savepoint-*/_metadata")) {
        MatchResult match = FileSystems.match(pattern, EmptyMatchTreatment.ALLOW);
        if (match.status() != MatchResult.Status.OK) {
          continue;
        }
        for (MatchResult.Metadata m : match.metadata()) {
          if (m.lastModifiedMillis() >= sinceMillis
              && (newest == null || m.lastModifiedMillis() > newest.lastModifiedMillis())) {
            newest = m;
          }
        }
      }
      return newest == null
          ? Optional.empty()
          : Optional.of(newest.resourceId().getCurrentDirectory().toString().replaceAll("/$", ""));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list the checkpoints under " + dir, e);
    }
  }

  /**
   * The embedded cluster: "[local]", or "[auto]" (Beam's default) outside a Flink client. Under
   * `flink run` or in application mode, Flink installs a context environment and "[auto]" submits
   * to that cluster: its checkpoints must not go to this process's temporary folder.
   */
  static boolean embedded(FlinkPipelineOptions flink) {
    String master = flink.getFlinkMaster();
    if (master == null || LOCAL.equals(master)) {
      return true;
    }
    return "[auto]".equals(master) && !insideFlinkClient();
  }

  static boolean insideFlinkClient() {
    return !(StreamExecutionEnvironment.getExecutionEnvironment()
        instanceof LocalStreamEnvironment);
  }

  /** A {@code file:} URI as the local path it names (Beam's local file system takes paths). */
  static String localPath(String dir) {
    return dir.startsWith("file:")
        ? java.nio.file.Path.of(java.net.URI.create(dir)).toString()
        : dir;
  }

  /** A plain path becomes a file:// URI: Flink and Beam both need a scheme to agree on it. */
  static String asUri(String dir) {
    if (LakePaths.isUri(dir)) {
      return dir;
    }
    URI uri = Paths.get(dir).toAbsolutePath().normalize().toUri();
    return uri.toString().replaceAll("/$", "");
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }
}
