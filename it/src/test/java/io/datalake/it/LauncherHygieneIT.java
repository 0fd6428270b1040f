package io.datalake.it;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.Test;

/**
 * The launcher leaves the machine as it found it and trusts only its own processes: runs
 * it/src/test/sh/launcher-hygiene.sh (policy-rc.d removed on every way out of the ClickHouse
 * install, with apt-get shims; a stranger answering on a service's ports is not the service).
 */
public class LauncherHygieneIT {
  @Test
  public void theLauncherCleansUpAfterItselfAndTrustsOnlyItsOwnProcesses() throws Exception {
    Path project =
        Path.of(System.getProperty("datalake.project.dir", "..")).toAbsolutePath().normalize();
    Path log = Files.createTempFile("launcher-hygiene", ".log");
    try {
      Process process =
          new ProcessBuilder(project.resolve("it/src/test/sh/launcher-hygiene.sh").toString())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      if (!process.waitFor(120, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError(
            "launcher-hygiene.sh did not end within 120 s:\n" + Files.readString(log));
      }
      String output = Files.readString(log);
      System.out.print(output);
      assertThat(
          "exit " + process.exitValue() + ":\n" + output,
          output,
          containsString("all checks passed"));
    } finally {
      Files.deleteIfExists(log);
    }
  }
}
