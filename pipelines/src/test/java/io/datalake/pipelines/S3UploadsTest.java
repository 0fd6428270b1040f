package io.datalake.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.datalake.options.DatalakeOptions;
import org.apache.beam.sdk.io.aws2.options.S3Options;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Test;

public class S3UploadsTest {
  private static int uploadBuffer(String... args) {
    PipelineOptionsFactory.register(
        S3Options.class); // the bundled jar finds it through its registrar
    DatalakeOptions options = PipelineOptionsFactory.fromArgs(args).as(DatalakeOptions.class);
    S3Uploads.configure(options);
    return options.as(S3Options.class).getS3UploadBufferSizeBytes();
  }

  @Test
  public void aLakeOnS3UploadsInSmallerPartsThanBeamsDefault() {
    // The test JVM's heap is over 512 MB, where Beam's default is 64 MiB per open file.
    assertThat(uploadBuffer("--lake=s3://bucket/lake"), equalTo(S3Uploads.DATALAKE_DEFAULT_BYTES));
    assertThat(
        uploadBuffer("--lake=/tmp/lake", "--input=s3://bucket/in"),
        equalTo(S3Uploads.DATALAKE_DEFAULT_BYTES));
  }

  @Test
  public void anExplicitSizeAndLocalLakesAreLeftAlone() {
    assertThat(
        uploadBuffer("--lake=s3://bucket/lake", "--s3UploadBufferSizeBytes=16777216"),
        equalTo(16777216));
    assertThat(uploadBuffer("--lake=/tmp/lake"), equalTo(S3Uploads.BEAM_DEFAULT_BYTES));
  }
}
