package io.datalake.pipelines;

import io.datalake.transforms.io.LakePaths;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Beam's file writes stage their files in a {@code .temp-beam} folder beside their output (the
 * lake's root, {@code _freshness}, each kind's {@code _dead_letters} folder) and remove the files,
 * but a local file system keeps the folders: every local lake kept empty {@code .temp-beam} folders
 * after each run. Removed after a batch when they hold no file: one that holds a file (another
 * run's, still writing) is left alone, and a writer makes its folders again when it writes (Beam's
 * local file system creates a file's missing parents).
 */
final class LakeTempFolders {
  private static final Logger LOG = LoggerFactory.getLogger(LakeTempFolders.class);

  static final String NAME = ".temp-beam";

  /** How deep below the lake's root Beam's outputs are ({@code _dead_letters/<kind>/}). */
  private static final int DEPTH = 3;

  private LakeTempFolders() {}

  /** Removes the empty {@value #NAME} folders of a local lake; says nothing of an S3 one. */
  static void removeEmpty(String lake) {
    if (!LakePaths.isLocal(lake)) {
      return; // an object store has no folders to leave behind
    }
    Path root = LakePaths.localPath(lake);
    if (!Files.isDirectory(root)) {
      return;
    }
    List<Path> temps;
    try (Stream<Path> paths = Files.walk(root, DEPTH)) {
      temps =
          paths
              .filter(p -> p.getFileName().toString().equals(NAME) && Files.isDirectory(p))
              .toList();
    } catch (IOException | RuntimeException e) {
      LOG.debug("datalake: could not look for {} folders under {}", NAME, lake, e);
      return;
    }
    for (Path temp : temps) {
      removeIfEmpty(temp);
    }
  }

  /**
   * Removes {@code folder} and the folders in it, deepest first, when none of them holds a file.
   * Another run writing to the same local lake (a stream keeps its staging folder, empty between
   * windows) makes its folders again when it writes; only a write that checks for its folder in the
   * instant before the removal and opens its file just after would fail, and be retried.
   */
  private static void removeIfEmpty(Path folder) {
    try (Stream<Path> walk = Files.walk(folder)) {
      List<Path> paths = walk.sorted(Comparator.reverseOrder()).toList();
      if (paths.stream().anyMatch(p -> !Files.isDirectory(p))) {
        return; // a file: a run still writing, or one that failed; left as it is
      }
      for (Path p : paths) {
        Files.delete(p);
      }
    } catch (DirectoryNotEmptyException e) {
      // a file appeared since: left as it is
    } catch (IOException | RuntimeException e) {
      LOG.debug("datalake: could not remove {}", folder, e);
    }
  }
}
