package io.datalake.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.Assert.assertThrows;
import static org.junit.Assume.assumeTrue;

import io.datalake.options.DatalakeOptions;
import org.apache.beam.runners.core.construction.SerializablePipelineOptions;
import org.apache.beam.sdk.io.aws2.options.AwsOptions;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.util.SerializableUtils;
import org.junit.Test;
import software.amazon.awssdk.core.SdkSystemSetting;
import software.amazon.awssdk.regions.Region;

public class AwsRegionOnceTest {
  private static DatalakeOptions options(String... args) {
    PipelineOptionsFactory.register(AwsOptions.class); // the bundled jar finds it by its registrar
    return PipelineOptionsFactory.fromArgs(args).as(DatalakeOptions.class);
  }

  /** A copy of the options as each Flink operator opens one: through Java serialization. */
  private static Region regionOfACopy(PipelineOptions options) {
    return SerializableUtils.clone(new SerializablePipelineOptions(options))
        .get()
        .as(AwsOptions.class)
        .getAwsRegion();
  }

  @Test
  public void aRegionGivenOrFoundTravelsWithTheOptions() {
    DatalakeOptions options = options("--lake=/tmp/lake", "--awsRegion=eu-central-1");
    AwsRegionOnce.configure(options);
    assertThat(regionOfACopy(options), equalTo(Region.EU_CENTRAL_1));
  }

  @Test
  public void withoutARegionTheMetadataServiceIsAskedOnce() {
    String property = SdkSystemSetting.AWS_EC2_METADATA_DISABLED.property();
    String before = System.getProperty(property);
    try {
      DatalakeOptions options = options("--lake=/tmp/lake");
      AwsRegionOnce.configure(options);
      Region found = options.as(AwsOptions.class).getAwsRegion();
      if (found != null) {
        // This machine has a region (AWS_REGION, a profile or EC2): it travels as given.
        assertThat(regionOfACopy(options), equalTo(found));
      } else if (before == null && System.getenv("AWS_EC2_METADATA_DISABLED") == null) {
        assertThat(System.getProperty(property), equalTo("true"));
      }
    } finally {
      if (before == null) {
        System.clearProperty(property);
      } else {
        System.setProperty(property, before);
      }
    }
  }

  @Test
  public void aLakeOnS3WithoutARegionIsRefusedBeforeAnythingIsRead() {
    String property = SdkSystemSetting.AWS_EC2_METADATA_DISABLED.property();
    String before = System.getProperty(property);
    System.setProperty(property, "true"); // no EC2 here: do not wait for its metadata service
    try {
      DatalakeOptions options =
          options("--lake=s3://datalake/lake", "--input=/tmp/input", "--source=files");
      assumeTrue(
          "this machine has an AWS region (AWS_REGION or a profile)",
          options.as(AwsOptions.class).getAwsRegion() == null);
      IllegalArgumentException refused =
          assertThrows(IllegalArgumentException.class, () -> AwsRegionOnce.configure(options));
      assertThat(
          refused.getMessage(),
          containsString(
              "s3://datalake/lake is on S3, and no AWS region is set: give --awsRegion"));
    } finally {
      if (before == null) {
        System.clearProperty(property);
      } else {
        System.setProperty(property, before);
      }
    }
  }
}
