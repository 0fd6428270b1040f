package io.datalake.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import io.datalake.options.DatalakeOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The Flink configuration a streaming run gets so that an outage cannot kill its TaskManager. */
public class FlinkOutagesTest {
  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  private static DatalakeOptions options(String... args) {
    return PipelineOptionsFactory.fromArgs(args).as(DatalakeOptions.class);
  }

  @Test
  public void aStreamingFlinkRunTurnsTheCancellationWatchdogOff() throws Exception {
    DatalakeOptions options = options("--runner=FlinkRunner");
    FlinkOutages.configure(options, true);
    String dir = options.as(FlinkPipelineOptions.class).getFlinkConfDir();
    assertThat(
        Files.readString(Path.of(dir, "config.yaml")),
        containsString("task.cancellation.timeout: 0"));
  }

  @Test
  public void theUsersConfigurationIsKeptAndItsOwnTimeoutWins() throws Exception {
    Path user = temp.newFolder("conf").toPath();
    Files.writeString(
        user.resolve("config.yaml"),
        "taskmanager.numberOfTaskSlots: 4\ntask.cancellation.timeout: 600000\n");
    DatalakeOptions options = options("--runner=FlinkRunner", "--flinkConfDir=" + user);
    FlinkOutages.configure(options, true);
    String dir = options.as(FlinkPipelineOptions.class).getFlinkConfDir();
    assertThat(dir, not(equalTo(user.toString())));
    String config = Files.readString(Path.of(dir, "config.yaml"));
    assertThat(config, containsString("taskmanager.numberOfTaskSlots: 4"));
    assertThat(config, containsString("task.cancellation.timeout: 600000"));
    assertThat(config, not(containsString("task.cancellation.timeout: 0")));
  }

  @Test
  public void batchRunsAndOtherRunnersAreLeftAlone() {
    DatalakeOptions batch = options("--runner=FlinkRunner");
    FlinkOutages.configure(batch, false);
    assertThat(batch.as(FlinkPipelineOptions.class).getFlinkConfDir(), nullValue());
    DatalakeOptions direct = options();
    FlinkOutages.configure(direct, true);
    assertThat(direct.as(FlinkPipelineOptions.class).getFlinkConfDir(), nullValue());
  }
}
