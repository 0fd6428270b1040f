package io.datalake.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.datalake.options.DatalakeOptions;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Test;

public class FlinkBundlesTest {
  private static long bundleSize(boolean streaming, String... args) {
    DatalakeOptions options = PipelineOptionsFactory.fromArgs(args).as(DatalakeOptions.class);
    // As DatalakePipeline does before it configures Flink: Beam's default size depends on it.
    options.setStreaming(streaming);
    FlinkBundles.configure(options, streaming);
    return options.as(FlinkPipelineOptions.class).getMaxBundleSize();
  }

  @Test
  public void aStreamingJobToClickHouseOnFlinkHasBundlesOfOneBatch() {
    assertThat(
        bundleSize(true, "--runner=FlinkRunner", "--clickhouseUrl=http://127.0.0.1:8123"),
        equalTo(5000L));
    assertThat(
        bundleSize(
            true,
            "--runner=FlinkRunner",
            "--clickhouseUrl=http://127.0.0.1:8123",
            "--clickhouseBatchRows=20000"),
        equalTo(20000L));
  }

  @Test
  public void anExplicitSizeBatchRunsOtherRunnersAndRunsWithoutClickHouseAreLeftAlone() {
    assertThat(
        bundleSize(
            true,
            "--runner=FlinkRunner",
            "--clickhouseUrl=http://127.0.0.1:8123",
            "--maxBundleSize=300"),
        equalTo(300L));
    // A batch run's bundles are Beam's batch default (5,000), a whole partition on the DataSet API.
    assertThat(
        bundleSize(false, "--runner=FlinkRunner", "--clickhouseUrl=http://127.0.0.1:8123"),
        equalTo(5000L));
    assertThat(
        bundleSize(true, "--clickhouseUrl=http://127.0.0.1:8123"),
        equalTo(FlinkBundles.BEAM_DEFAULT_SIZE));
    assertThat(bundleSize(true, "--runner=FlinkRunner"), equalTo(FlinkBundles.BEAM_DEFAULT_SIZE));
  }
}
