package io.datalake.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The embedded cluster's temporary folders: those of gone JVMs are removed, live ones kept. */
public class FlinkTempFilesTest {
  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  @Test
  public void foldersOfGoneProcessesAreRemovedAndLiveOnesKept() throws Exception {
    Path base = temp.newFolder("tmp").toPath();
    Path live = base.resolve(FlinkTempFiles.PREFIX + ProcessHandle.current().pid() + "-1");
    // No process has this id: pid_max is at most 2^22 on Linux.
    Path gone = base.resolve(FlinkTempFiles.PREFIX + 99_999_999L + "-2");
    Path other = base.resolve("datalake-flink-conf123");
    for (Path dir : new Path[] {live, gone, other}) {
      Files.createDirectories(dir.resolve("sub"));
      Files.writeString(dir.resolve("sub").resolve("flink-rpc-akkax.jar"), "jar");
    }
    FlinkTempFiles.removeFoldersOfGoneProcesses(base);
    assertThat(Files.exists(live), equalTo(true));
    assertThat(Files.exists(gone), equalTo(false));
    assertThat(Files.exists(other), equalTo(true));
  }
}
