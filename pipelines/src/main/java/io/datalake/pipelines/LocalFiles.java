package io.datalake.pipelines;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.util.UUID;

/** Files on this machine that another process may read at any moment. */
public final class LocalFiles {
  private LocalFiles() {}

  /**
   * Replaces {@code file} with {@code content}, whole: written to a file beside it and moved over
   * it, so that a reader (ClickHouse reloading users.d, a person's {@code cat} of a run record
   * written again every minute) finds the old content or the new one, never an empty or cut file.
   * The new file is created with {@code attributes} (its permissions, for one that holds a secret:
   * never readable by others, not even for a moment), else as {@link Files#write} creates one.
   */
  public static void replaceWhole(Path file, byte[] content, FileAttribute<?>... attributes)
      throws IOException {
    Files.createDirectories(file.getParent());
    Path written = file.resolveSibling("." + file.getFileName() + "." + UUID.randomUUID() + ".tmp");
    try {
      Files.createFile(written, attributes);
      Files.write(written, content);
      Files.move(
          written, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(written);
    }
  }
}
