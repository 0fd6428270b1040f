package io.datalake.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import io.datalake.options.DatalakeOptions;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Test;

public class FlinkWatermarksTest {
  private static Long interval(boolean streaming, String... args) {
    DatalakeOptions options = PipelineOptionsFactory.fromArgs(args).as(DatalakeOptions.class);
    // As DatalakePipeline does first: Beam's default --maxBundleTimeMills depends on it.
    options.setStreaming(streaming);
    FlinkWatermarks.configure(options, streaming);
    return options.as(FlinkPipelineOptions.class).getAutoWatermarkInterval();
  }

  @Test
  public void aStreamOnFlinkGetsTheIntervalItsReadersWouldHaveChosen() {
    // Beam's reader: max(10, --maxBundleTimeMills / 5), 1,000 ms by default.
    assertThat(interval(true, "--runner=FlinkRunner"), equalTo(200L));
    assertThat(interval(true, "--runner=FlinkRunner", "--maxBundleTimeMills=3000"), equalTo(600L));
    assertThat(interval(true, "--runner=FlinkRunner", "--maxBundleTimeMills=20"), equalTo(10L));
  }

  @Test
  public void anExplicitIntervalBatchRunsAndOtherRunnersAreLeftAlone() {
    assertThat(interval(true, "--runner=FlinkRunner", "--autoWatermarkInterval=50"), equalTo(50L));
    assertThat(interval(false, "--runner=FlinkRunner"), nullValue());
    assertThat(interval(true), nullValue());
  }
}
