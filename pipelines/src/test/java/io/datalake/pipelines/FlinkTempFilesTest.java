package io.datalake.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The embedded cluster's temporary folders and the run's configuration copies: those of gone JVMs
 * are removed, live ones kept.
 */
public class FlinkTempFilesTest {
  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  @Test
  public void foldersOfGoneProcessesAreRemovedAndLiveOnesKept() throws Exception {
    Path base = temp.newFolder("tmp").toPath();
    Path live = base.resolve(FlinkTempFiles.PREFIX + ProcessHandle.current().pid() + "-1");
    // No process has this id: pid_max is at most 2^22 on Linux.
    Path gone = base.resolve(FlinkTempFiles.PREFIX + 99_999_999L + "-2");
    Path other = base.resolve(FlinkRunConfiguration.PREFIX + 99_999_999L + "-3");
    for (Path dir : new Path[] {live, gone, other}) {
      Files.createDirectories(dir.resolve("sub"));
      Files.writeString(dir.resolve("sub").resolve("flink-rpc-akkax.jar"), "jar");
    }
    FlinkTempFiles.removeFoldersOfGoneProcesses(base, FlinkTempFiles.PREFIX);
    assertThat(Files.exists(live), equalTo(true));
    assertThat(Files.exists(gone), equalTo(false));
    assertThat("another prefix is another sweep's", Files.exists(other), equalTo(true));
  }

  @Test
  public void configurationCopiesOfGoneProcessesAreRemoved() throws Exception {
    Path base = temp.newFolder("conf").toPath();
    Path live = base.resolve(FlinkRunConfiguration.PREFIX + ProcessHandle.current().pid() + "-1");
    Path gone = base.resolve(FlinkRunConfiguration.PREFIX + 99_999_999L + "-2");
    for (Path dir : new Path[] {live, gone}) {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("config.yaml"), "io.tmp.dirs: /tmp/x\n");
    }
    FlinkTempFiles.removeFoldersOfGoneProcesses(base, FlinkRunConfiguration.PREFIX);
    assertThat(Files.exists(live), equalTo(true));
    assertThat(Files.exists(gone), equalTo(false));
  }
}
