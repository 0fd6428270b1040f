package io.datalake.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs {@code ./datalake} commands as a user does, and keeps what they printed. */
final class Launcher {
  private static final Path PROJECT =
      Path.of(System.getProperty("datalake.project.dir", "..")).toAbsolutePath().normalize();

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

  private static ProcessBuilder newProcess(
      List<String> command, java.util.Map<String, String> environment) {
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().putAll(environment);
    return builder;
  }

  static Result run(int timeoutSeconds, String... args) throws IOException, InterruptedException {
    return run(java.util.Map.of(), timeoutSeconds, args);
  }

  /**
   * As {@link #run(int, String...)}, with more environment variables (secrets go there, not in
   * args).
   */
  static Result run(java.util.Map<String, String> environment, int timeoutSeconds, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(PROJECT.resolve("datalake").toString());
    command.addAll(List.of(args));
    Path log = Files.createTempFile("datalake-launcher", ".log");
    try {
      Process process =
          newProcess(command, environment)
              .directory(PROJECT.toFile())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        throw new AssertionError(
            "./datalake "
                + String.join(" ", args)
                + " did not end within "
                + timeoutSeconds
                + " s:\n"
                + Files.readString(log));
      }
      return new Result(process.exitValue(), Files.readString(log));
    } finally {
      Files.deleteIfExists(log);
    }
  }
}
