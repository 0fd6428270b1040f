package io.datalake.pipelines;

import io.datalake.options.DatalakeOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded Flink cluster's temporary files ({@code io.tmp.dirs}) in a folder of the run's own,
 * removed when the JVM exits. Flink unpacks its RPC system into that folder for every cluster (a 22
 * MB {@code flink-rpc-akka<uuid>.jar}) and deletes it only when the cluster is closed; a run whose
 * cluster ends with its JVM (a batch's exit, a stream stopped with SIGTERM) left one jar in {@code
 * java.io.tmpdir} each time: 261 of them, 5.4 GB, on the development machine. The folder's name
 * carries the JVM's process id, so a run removes the folders of JVMs that were killed (SIGKILL) and
 * are gone. A user's own {@code io.tmp.dirs} is kept, and then nothing is removed.
 */
final class FlinkTempFiles {
  private static final Logger LOG = LoggerFactory.getLogger(FlinkTempFiles.class);

  static final String IO_TMP_DIRS = "io.tmp.dirs";

  /** {@code datalake-flink-tmp-<pid>-<random>} under {@code java.io.tmpdir}. */
  static final String PREFIX = "datalake-flink-tmp-";

  private FlinkTempFiles() {}

  static void configure(DatalakeOptions options) {
    if (!FlinkCheckpoints.isEmbeddedFlink(options)) {
      return;
    }
    FlinkPipelineOptions flink = options.as(FlinkPipelineOptions.class);
    Path base = Path.of(System.getProperty("java.io.tmpdir"));
    removeFoldersOfGoneProcesses(base, PREFIX);
    Path dir;
    try {
      dir = Files.createTempDirectory(base, PREFIX + ProcessHandle.current().pid() + "-");
    } catch (IOException e) {
      throw new UncheckedIOException("Could not create a folder under " + base, e);
    }
    if (FlinkRunConfiguration.addDefaults(flink, Map.of(IO_TMP_DIRS, dir.toString())).isEmpty()) {
      deleteRecursively(dir);
      return;
    }
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> deleteRecursively(dir), "datalake-flink-tmp"));
  }

  /**
   * Removes the folders under {@code base} named {@code <prefix><pid>-...} whose JVM is no longer
   * running: this class's, and {@link FlinkRunConfiguration}'s copies of the configuration.
   */
  static void removeFoldersOfGoneProcesses(Path base, String prefix) {
    List<Path> folders;
    try (Stream<Path> entries = Files.list(base)) {
      folders = entries.filter(p -> p.getFileName().toString().startsWith(prefix)).toList();
    } catch (IOException e) {
      return; // nothing to tidy that this run can see
    }
    for (Path folder : folders) {
      String rest = folder.getFileName().toString().substring(prefix.length());
      int dash = rest.indexOf('-');
      long pid;
      try {
        pid = Long.parseLong(dash < 0 ? rest : rest.substring(0, dash));
      } catch (NumberFormatException e) {
        continue;
      }
      if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
        continue;
      }
      deleteRecursively(folder);
      LOG.info("datalake: removed {}, left by a Flink run that was killed", folder);
    }
  }

  static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException | UncheckedIOException e) {
      // Another run's cleaning or a file still being written: the next run removes what is left.
    }
  }
}
