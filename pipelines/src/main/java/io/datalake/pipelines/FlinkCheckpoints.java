package io.datalake.pipelines;

import io.datalake.options.DatalakeOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpointing of a Flink run and its resumption, settled before the job is built: a streaming run
 * checkpoints (Kafka offsets are committed, and window contents saved, only on checkpoints), its
 * checkpoints outlive the job under --checkpointDir, and --resume restarts from the newest one.
 */
final class FlinkCheckpoints {
  private static final Logger LOG = LoggerFactory.getLogger(FlinkCheckpoints.class);
  /** Streaming on Flink without an interval would never commit offsets nor save window state. */
  static final long DEFAULT_INTERVAL_MILLIS = 10_000;
  private static final String LOCAL = "[local]";

  private FlinkCheckpoints() {}

  static boolean isFlink(DatalakeOptions options) {
    return FlinkRunner.class.equals(options.getRunner());
  }

  /** Applies the recovery options to the Flink options; fails on combinations that cannot work. */
  static void configure(DatalakeOptions options, boolean streaming) {
    if (!isFlink(options)) {
      if (Boolean.TRUE.equals(options.getResume())) {
        throw new IllegalArgumentException(
            "--resume needs --runner=FlinkRunner: the DirectRunner keeps no state between runs (it"
                + " restarts from the consumer group's committed offsets), and Dataflow resumes a job"
                + " with --update or a snapshot, not with --resume");
      }
      if (blankToNull(options.getCheckpointDir()) != null) {
        LOG.warn("datalake: --checkpointDir is for the FlinkRunner; {} ignores it", options.getRunner().getSimpleName());
      }
      return;
    }
    FlinkPipelineOptions flink = options.as(FlinkPipelineOptions.class);
    // Without it Flink copies every element through its coder between chained steps (a fifth of a
    // batch run in the profile; streaming at 2,000/s kept up only with it). Safe here: no step
    // changes its input (RouteLateRows copies before flagging), which the DirectRunner's
    // immutability check enforces in the tests.
    flink.setFasterCopy(true);
    if (streaming && (flink.getCheckpointingInterval() == null || flink.getCheckpointingInterval() <= 0)) {
      flink.setCheckpointingInterval(DEFAULT_INTERVAL_MILLIS);
      LOG.info("datalake: checkpointing every {} ms (set --checkpointingInterval to change)", DEFAULT_INTERVAL_MILLIS);
    }
    if (streaming) {
      // A job's checkpoint settings travel with it: the cluster's retention setting does not reach
      // a job submitted from a client. Kept checkpoints are what a resume starts from.
      flink.setExternalizedCheckpointsEnabled(true);
      flink.setRetainExternalizedCheckpointsOnCancellation(true);
    }
    String dir = blankToNull(options.getCheckpointDir());
    if (dir != null) {
      String uri = asUri(dir);
      if (flink.getStateBackend() == null) {
        flink.setStateBackend("filesystem");
      }
      flink.setStateBackendStoragePath(uri);
      LOG.info("datalake: checkpoints retained under {} (state backend {})", uri, flink.getStateBackend());
    } else if (streaming && embedded(flink) && flink.getStateBackend() == null) {
      // Flink's default checkpoint storage is the JobManager's memory, limited to 5 MB: the
      // windows' state passes that within seconds and every checkpoint fails (the benchmark saw
      // it at 500 records/s). The embedded cluster has no configuration of its own: use files.
      String temporary = asUri(System.getProperty("java.io.tmpdir") + "/datalake-checkpoints");
      flink.setStateBackend("filesystem");
      flink.setStateBackendStoragePath(temporary);
      LOG.warn(
          "datalake: no --checkpointDir: checkpoints go to {}; give --checkpointDir to keep them where"
              + " --resume looks",
          temporary);
    } else if (streaming) {
      LOG.info("datalake: no --checkpointDir: checkpoint storage follows the cluster's configuration");
    }
    String restore = blankToNull(flink.getSavepointPath());
    if (Boolean.TRUE.equals(options.getResume()) && restore == null) {
      if (dir == null) {
        throw new IllegalArgumentException("--resume needs --checkpointDir, the folder of retained checkpoints");
      }
      Optional<String> newest = newestCheckpoint(asUri(dir));
      if (newest.isEmpty()) {
        LOG.warn(
            "datalake: --resume: no retained checkpoint under {} yet; starting from the consumer"
                + " group's committed offsets",
            dir);
      } else {
        restore = newest.get();
        LOG.info("datalake: resuming from checkpoint {}", restore);
      }
    }
    if (restore != null) {
      flink.setSavepointPath(restore);
      if (embedded(flink)) {
        // The runner hands --savepointPath only to a remote cluster; the embedded one reads the
        // restore path from its Flink configuration, so the run gets a configuration that has it.
        flink.setFlinkConfDir(confDirRestoringFrom(restore, flink.getFlinkConfDir()).toString());
      }
    }
  }

  /**
   * The newest completed checkpoint or savepoint under {@code dir}: Flink writes a {@code
   * _metadata} file last, so a folder holding one is complete.
   */
  static Optional<String> newestCheckpoint(String dir) {
    String base = dir.endsWith("/") ? dir : dir + "/";
    try {
      MatchResult.Metadata newest = null;
      for (String pattern : List.of(base + "*/chk-*/_metadata", base + "savepoint-*/_metadata", base + "*/savepoint-*/_metadata")) {
        MatchResult match = FileSystems.match(pattern, EmptyMatchTreatment.ALLOW);
        if (match.status() != MatchResult.Status.OK) {
          continue;
        }
        for (MatchResult.Metadata m : match.metadata()) {
          if (newest == null || m.lastModifiedMillis() > newest.lastModifiedMillis()) {
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

  /** A copy of the run's Flink configuration (if any) plus the restore path. */
  private static Path confDirRestoringFrom(String restore, String userConfDir) {
    try {
      Path dir = Files.createTempDirectory("datalake-flink-conf");
      String file = "flink-conf.yaml";
      if (userConfDir != null) {
        try (Stream<Path> files = Files.list(Paths.get(userConfDir))) {
          for (Path f : files.filter(Files::isRegularFile).sorted(Comparator.naturalOrder()).toList()) {
            Files.copy(f, dir.resolve(f.getFileName()));
          }
        }
        // Flink 1.19 reads config.yaml when there is one, else the legacy flink-conf.yaml.
        if (Files.exists(dir.resolve("config.yaml"))) {
          file = "config.yaml";
        }
      }
      Files.writeString(
          dir.resolve(file),
          "\nexecution.savepoint.path: " + restore + "\n",
          StandardCharsets.UTF_8,
          java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.APPEND);
      dir.toFile().deleteOnExit();
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the Flink configuration that restores " + restore, e);
    }
  }

  /** The embedded cluster: "[local]", or "[auto]" outside a Flink client (Beam's default). */
  private static boolean embedded(FlinkPipelineOptions flink) {
    String master = flink.getFlinkMaster();
    return master == null || LOCAL.equals(master) || "[auto]".equals(master);
  }

  /** A plain path becomes a file:// URI: Flink and Beam both need a scheme to agree on it. */
  static String asUri(String dir) {
    if (dir.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*")) {
      return dir;
    }
    URI uri = Paths.get(dir).toAbsolutePath().normalize().toUri();
    return uri.toString().replaceAll("/$", "");
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }
}
