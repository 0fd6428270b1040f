package io.datalake.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.Assert.assertThrows;

import io.datalake.options.DatalakeOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Optional;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class FlinkCheckpointsTest {
  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  private static DatalakeOptions options(String... args) {
    return PipelineOptionsFactory.fromArgs(args).as(DatalakeOptions.class);
  }

  private Path checkpoint(Path dir, String job, String name, long modified) throws Exception {
    Path folder = Files.createDirectories(dir.resolve(job).resolve(name));
    Path metadata = Files.writeString(folder.resolve("_metadata"), "x");
    Files.setLastModifiedTime(metadata, FileTime.fromMillis(modified));
    return folder;
  }

  @Test
  public void resumeFindsTheNewestCompletedCheckpointOfAnyJob() throws Exception {
    Path dir = temp.newFolder("checkpoints").toPath();
    checkpoint(dir, "job-a", "chk-9", 1_000_000);
    Path newest = checkpoint(dir, "job-b", "chk-2", 2_000_000);
    Files.createDirectories(dir.resolve("job-b").resolve("chk-3")); // in progress: no _metadata yet

    DatalakeOptions options =
        options("--runner=FlinkRunner", "--flinkMaster=[local]", "--checkpointDir=" + dir, "--resume");
    FlinkCheckpoints.configure(options, true);

    FlinkPipelineOptions flink = options.as(FlinkPipelineOptions.class);
    assertThat(flink.getSavepointPath(), endsWith("job-b/chk-2"));
    assertThat(Path.of(flink.getSavepointPath()), equalTo(newest));
    assertThat(flink.getStateBackendStoragePath(), equalTo(dir.toUri().toString().replaceAll("/$", "")));
    assertThat(flink.isExternalizedCheckpointsEnabled(), equalTo(true));
    assertThat(flink.getCheckpointingInterval(), equalTo(FlinkCheckpoints.DEFAULT_INTERVAL_MILLIS));
    // The embedded cluster reads the restore path from its configuration.
    String conf = Files.readString(Path.of(flink.getFlinkConfDir()).resolve("flink-conf.yaml"));
    assertThat(conf, containsString("execution.savepoint.path: " + newest));
  }

  @Test
  public void resumeWithNoCheckpointYetStartsFresh() throws Exception {
    Path dir = temp.newFolder("empty").toPath();
    DatalakeOptions options = options("--runner=FlinkRunner", "--checkpointDir=" + dir, "--resume");
    FlinkCheckpoints.configure(options, true);
    assertThat(Optional.ofNullable(options.as(FlinkPipelineOptions.class).getSavepointPath()), equalTo(Optional.empty()));
  }

  @Test
  public void resumeNeedsFlinkAndACheckpointDir() {
    IllegalArgumentException direct =
        assertThrows(IllegalArgumentException.class, () -> FlinkCheckpoints.configure(options("--resume"), true));
    assertThat(direct.getMessage(), containsString("--resume needs --runner=FlinkRunner"));
    IllegalArgumentException noDir =
        assertThrows(
            IllegalArgumentException.class,
            () -> FlinkCheckpoints.configure(options("--runner=FlinkRunner", "--resume"), true));
    assertThat(noDir.getMessage(), containsString("--checkpointDir"));
  }
}
