package io.datalake.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Faults injected into the local services that {@code ./datalake up} started from this worktree:
 * only the processes its pid files name ({@code $DATALAKE_HOME/run/<service>.pid}) are frozen or
 * stopped, and every fault is undone by {@link Fault#close()}, so a test that fails midway leaves
 * no frozen or stopped service behind (use try-with-resources).
 */
final class Faults {
  private static final Path PROJECT =
      Path.of(System.getProperty("datalake.project.dir", "..")).toAbsolutePath().normalize();

  private Faults() {}

  /** An injected fault; closing it undoes it (and waits until the service answers again). */
  interface Fault extends AutoCloseable {
    @Override
    void close() throws Exception;
  }

  static Path datalakeHome() {
    String home = System.getProperty("datalake.home");
    return home == null || home.isBlank() || home.startsWith("${")
        ? PROJECT.resolve(".datalake")
        : Path.of(home);
  }

  /** The pid of our running service, from its pid file. */
  static long pid(String service) throws IOException {
    Path file = datalakeHome().resolve("run").resolve(service + ".pid");
    if (!Files.isReadable(file)) {
      throw new IllegalStateException(
          "No pid file " + file + ": is " + service + " up (./datalake up)?");
    }
    long pid = Long.parseLong(Files.readString(file).trim());
    if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
      return pid;
    }
    throw new IllegalStateException(
        service + " (pid " + pid + " from " + file + ") is not running");
  }

  /** SIGSTOP to the service's process: it keeps its sockets but answers nothing. */
  static Fault freeze(String service) throws Exception {
    long pid = pid(service);
    signal("STOP", pid);
    log("froze " + service + " (SIGSTOP to pid " + pid + ")");
    return () -> {
      signal("CONT", pid);
      log("thawed " + service + " (SIGCONT to pid " + pid + ")");
    };
  }

  /**
   * {@code ./datalake down SERVICE}; closing starts it again with {@code ./datalake up SERVICE}.
   */
  static Fault stop(String service) throws Exception {
    Launcher.run(120, "down", service).orFail("./datalake down " + service);
    log("stopped " + service);
    return () -> {
      Launcher.run(240, "up", service).orFail("./datalake up " + service);
      log("started " + service + " again (pid " + pid(service) + ")");
    };
  }

  static void signal(String signal, long pid) throws IOException, InterruptedException {
    Process kill =
        new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
            .redirectErrorStream(true)
            .start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IllegalStateException(
          "kill -"
              + signal
              + " "
              + pid
              + " failed: "
              + new String(
                  kill.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
    }
  }

  static void log(String line) {
    System.out.println(java.time.Instant.now() + " fault-suite: " + line);
  }

  /** The first line of a job's output that contains {@code text}, for the suite's log; or "". */
  static String firstLine(String output, String text) {
    for (String line : output.split("\n")) {
      if (line.contains(text)) {
        return line;
      }
    }
    return "";
  }
}
