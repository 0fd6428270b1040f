package io.datalake.pipelines;

import io.datalake.transforms.io.LakePaths;
import io.datalake.transforms.io.ReadJsonLines;
import io.datalake.transforms.kinds.RecordKinds;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local input folder, looked at before Beam lists it. Beam's local file system lists a pattern's
 * folder with everything below it and follows symbolic links: a link to a folder that holds it
 * ({@code again -> .}, a link to /tmp under /tmp) was listed round and round until the heap was
 * gone (an OutOfMemoryError in HashInput, and nothing else said), and an input file the run cannot
 * open failed it after it had started, deep in a stack trace. Refused here with what to do: such a
 * link, an input file or kind folder that cannot be read, an input that does not exist or is a
 * file. A link that leads nowhere is never read, and the run says so.
 */
final class LocalInputCheck {
  private static final Logger LOG = LoggerFactory.getLogger(LocalInputCheck.class);

  /** Entries looked at, at most: the check must not take longer than the listing it guards. */
  static final int MAX_ENTRIES = 1_000_000;

  private final Set<String> kindFolders;
  private final List<String> loops = new ArrayList<>();
  private final List<String> unreadable = new ArrayList<>();
  private final List<String> broken = new ArrayList<>();
  private final Deque<Path> chain = new ArrayDeque<>();
  private int entries;

  private LocalInputCheck(Set<String> kindFolders) {
    this.kindFolders = kindFolders;
  }

  /**
   * Checks {@code input} when it is a local folder (a URI other than {@code file:}, or a pattern,
   * is Beam's to list).
   *
   * @throws IllegalArgumentException saying what is wrong and what to do
   */
  static void check(String input, RecordKinds kinds) {
    if (!LakePaths.isLocal(input) || input.matches(".*[*?\\[{].*")) {
      return;
    }
    Path root;
    try {
      root = LakePaths.localPath(input);
    } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
      throw new IllegalArgumentException(
          "--input " + input + " is not a local path (file:///absolute/path, or a plain path)", e);
    }
    if (!Files.exists(root)) {
      throw new IllegalArgumentException(
          "--input " + input + " does not exist: give the folder that holds one folder per kind");
    }
    Set<String> kindFolders = new LinkedHashSet<>();
    kinds.all().forEach(kind -> kindFolders.add(kind.folder()));
    if (!Files.isDirectory(root)) {
      throw new IllegalArgumentException(
          "--input "
              + input
              + " is a file: give the folder that holds one folder per kind ("
              + String.join(", ", kindFolders)
              + "), with the file in its kind's folder");
    }
    LocalInputCheck check = new LocalInputCheck(kindFolders);
    try {
      check.visit(root, 0);
    } catch (IOException e) {
      throw new IllegalArgumentException("Cannot list the input at " + input + ": " + e, e);
    }
    check.report(input);
  }

  private void visit(Path dir, int depth) throws IOException {
    if (entries > MAX_ENTRIES) {
      return;
    }
    Path real = dir.toRealPath();
    chain.push(real);
    try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
      for (Path child : children) {
        if (++entries > MAX_ENTRIES) {
          return;
        }
        BasicFileAttributes attributes =
            Files.readAttributes(child, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (attributes.isSymbolicLink() && !Files.exists(child)) {
          broken.add(child.toString());
        } else if (Files.isDirectory(child)) {
          Path target = child.toRealPath();
          if (chain.stream().anyMatch(ancestor -> ancestor.startsWith(target))) {
            loops.add(child + " -> " + target);
          } else {
            visit(child, depth + 1);
          }
        } else if (depth == 1
            && kindFolders.contains(dir.getFileName().toString())
            && ReadJsonLines.isInputFile(child.getFileName().toString())
            && !Files.isReadable(child)) {
          unreadable.add(child.toString());
        }
      }
    } catch (java.nio.file.AccessDeniedException e) {
      // Only the input and its kind folders are listed by the run; other folders are not read.
      if (depth == 0 || (depth == 1 && kindFolders.contains(dir.getFileName().toString()))) {
        unreadable.add(dir + "/");
      }
    } finally {
      chain.pop();
    }
  }

  private void report(String input) {
    if (entries > MAX_ENTRIES) {
      LOG.warn(
          "datalake: {} holds more than {} entries: only those were checked for links and"
              + " permissions",
          input,
          MAX_ENTRIES);
    }
    if (!loops.isEmpty()) {
      throw new IllegalArgumentException(
          "a link under --input "
              + input
              + " leads to a folder that holds it: "
              + first(loops)
              + ". The file listing follows links and would go round it until the memory is gone:"
              + " remove the link or move it out of the input");
    }
    if (!unreadable.isEmpty()) {
      throw new IllegalArgumentException(
          "cannot read "
              + unreadable.size()
              + " input file(s) or kind folder(s) under "
              + input
              + ": "
              + first(unreadable)
              + ". Check their permissions (the user running the pipeline reads them), or move"
              + " them out of the input");
    }
    if (!broken.isEmpty()) {
      LOG.warn(
          "datalake: {} link(s) under {} lead nowhere and are not read: {}",
          broken.size(),
          input,
          first(broken));
    }
  }

  private static String first(List<String> items) {
    List<String> sorted = items.stream().sorted().toList();
    return String.join(", ", sorted.subList(0, Math.min(10, sorted.size())))
        + (sorted.size() > 10 ? ", ..." : "");
  }
}
