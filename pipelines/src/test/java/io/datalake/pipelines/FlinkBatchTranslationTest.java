package io.datalake.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import io.datalake.options.DatalakeOptions;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.beam.runners.core.construction.SerializablePipelineOptions;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.translation.wrappers.streaming.io.source.FlinkSource;
import org.apache.beam.sdk.io.aws2.options.AwsOptions;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.util.SerializableUtils;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class FlinkBatchTranslationTest {
  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  private static FlinkPipelineOptions configured(boolean streaming, String... args) {
    DatalakeOptions options = PipelineOptionsFactory.fromArgs(args).as(DatalakeOptions.class);
    FlinkBatchTranslation.configure(options, streaming);
    return options.as(FlinkPipelineOptions.class);
  }

  private static String configuration(FlinkPipelineOptions flink) throws Exception {
    return Files.readString(Path.of(flink.getFlinkConfDir(), "config.yaml"));
  }

  @Test
  public void aBatchOnTheEmbeddedClusterRunsOnTheDataStreamApiWithEveryTaskScheduled()
      throws Exception {
    FlinkPipelineOptions flink =
        configured(false, "--runner=FlinkRunner", "--flinkMaster=[local]", "--lake=/tmp/lake");
    assertThat(flink.getUseDataStreamForBatch(), equalTo(true));
    assertThat(configuration(flink), containsString("jobmanager.scheduler: Default"));
  }

  @Test
  public void theUsersSchedulerIsKeptAndAClusterSchedulesItself() throws Exception {
    Path user = temp.newFolder("conf").toPath();
    Files.writeString(user.resolve("config.yaml"), "jobmanager.scheduler: AdaptiveBatch\n");
    FlinkPipelineOptions own =
        configured(
            false, "--runner=FlinkRunner", "--flinkMaster=[local]", "--flinkConfDir=" + user);
    assertThat(own.getUseDataStreamForBatch(), equalTo(true));
    assertThat(configuration(own), containsString("jobmanager.scheduler: AdaptiveBatch"));
    assertThat(configuration(own), not(containsString("jobmanager.scheduler: Default")));

    FlinkPipelineOptions cluster =
        configured(false, "--runner=FlinkRunner", "--flinkMaster=flink-jobmanager:8081");
    assertThat(cluster.getUseDataStreamForBatch(), equalTo(true));
    assertThat(cluster.getFlinkConfDir(), nullValue());
  }

  @Test
  public void theDataSetApiOnRequestAndForIcebergStreamsAndOtherRunnersLeftAlone() {
    FlinkPipelineOptions dataset =
        configured(false, "--runner=FlinkRunner", "--flinkBatchTranslation=dataset");
    assertThat(dataset.getUseDataStreamForBatch(), equalTo(false));
    assertThat(dataset.getFlinkConfDir(), nullValue());
    FlinkPipelineOptions iceberg =
        configured(false, "--runner=FlinkRunner", "--lakeFormat=iceberg");
    assertThat(iceberg.getUseDataStreamForBatch(), equalTo(false));
    FlinkPipelineOptions stream = configured(true, "--runner=FlinkRunner");
    assertThat(stream.getUseDataStreamForBatch(), equalTo(false));
    assertThat(stream.getFlinkConfDir(), nullValue());
    assertThat(configured(false).getUseDataStreamForBatch(), equalTo(false));
  }

  @Test
  public void aBatchToS3RunsOnTheDataStreamApiWithItsImpulsesCarryingTheRunsOptions()
      throws Exception {
    assertThat(FlinkBatchTranslation.IMPULSES_TAKE_RUN_OPTIONS, equalTo(true));
    FlinkPipelineOptions s3 =
        configured(
            false,
            "--runner=FlinkRunner",
            "--lake=s3://bucket/lake",
            "--input=/tmp/in",
            "--endpoint=http://127.0.0.1:9000",
            "--awsRegion=eu-central-1");
    assertThat(s3.getUseDataStreamForBatch(), equalTo(true));
    AwsOptions carried = impulseOptions().as(AwsOptions.class);
    assertThat(carried.getEndpoint().toString(), equalTo("http://127.0.0.1:9000"));
    assertThat(carried.getAwsRegion().id(), equalTo("eu-central-1"));

    // A later run in the same JVM that stays on the DataSet API leaves Beam's defaults behind.
    configured(false, "--runner=FlinkRunner", "--lakeFormat=iceberg");
    assertThat(impulseOptions().as(AwsOptions.class).getEndpoint(), nullValue());
  }

  private static PipelineOptions impulseOptions() throws Exception {
    // As a worker gets it: serialized with the job, options as JSON.
    FlinkSource<byte[], ?> impulse = SerializableUtils.clone(FlinkSource.boundedImpulse());
    Field options = FlinkSource.class.getDeclaredField("serializablePipelineOptions");
    options.setAccessible(true);
    return ((SerializablePipelineOptions) options.get(impulse)).get();
  }
}
