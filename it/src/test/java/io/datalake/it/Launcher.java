package io.datalake.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs {@code ./datalake} commands as a user does, and keeps what they printed. */
final class Launcher {
  private static final Path PROJECT = Path.of(System.getProperty("datalake.project.dir", "..")).toAbsolutePath().normalize();

  private Launcher() {}

  /** What a command printed (stdout and stderr together) and how it exited. */
  record Result(int exitCode, String output) {
    Result orFail(String what) {
      if (exitCode != 0) {
        throw new AssertionError(what + " exited " + exitCode + ":\n" + output);
      }
      return this;
    }
  }

  static Result run(int timeoutSeconds, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(PROJECT.resolve("datalake").toString());
    command.addAll(List.of(args));
    Path log = Files.createTempFile("datalake-launcher", ".log");
    try {
      Process process =
          new ProcessBuilder(command)
              .directory(PROJECT.toFile())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        throw new AssertionError(
            "./datalake " + String.join(" ", args) + " did not end within " + timeoutSeconds + " s:\n" + Files.readString(log));
      }
      return new Result(process.exitValue(), Files.readString(log));
    } finally {
      Files.deleteIfExists(log);
    }
  }
}
