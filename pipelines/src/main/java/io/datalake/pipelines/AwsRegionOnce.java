package io.datalake.pipelines;

import io.datalake.options.DatalakeOptions;
import java.util.List;
import java.util.stream.Stream;
import org.apache.beam.sdk.io.aws2.options.AwsOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.SdkSystemSetting;
import software.amazon.awssdk.regions.Region;

/**
 * The AWS region, looked up once on the launcher instead of once per copy of the options.
 *
 * <p>Without {@code --awsRegion}, Beam's {@code AwsRegionFactory} asks the AWS SDK's chain
 * (environment, system properties, profile, then the EC2 instance metadata service) on every copy
 * of the options that reads the region, and a default found that way does not travel with the
 * options. Every Flink operator opens its own copy and registers Beam's S3 file system from it,
 * which reads the region. Outside AWS the metadata lookup gives up only after about 0.8 s of
 * retries: the benchmark's start-up profile showed 2 such lookups in a batch on the embedded
 * FlinkRunner and 10 (8 s) with the DataStream translation, before a line was read.
 *
 * <p>A region found is set as if given, so it travels with the options. When none is found, a
 * region cannot travel as "none" (a copy reads a null as unset and asks again), so the metadata
 * service, which just failed to answer, is not asked again by this JVM: the SDK's own switch {@code
 * aws.disableEc2Metadata} (unless the environment already says). On EC2 the service answers the
 * first time, the region is found, and nothing is switched off. A lake, input or Iceberg warehouse
 * on S3 without a region is refused here, before the run.
 */
final class AwsRegionOnce {
  private static final Logger LOG = LoggerFactory.getLogger(AwsRegionOnce.class);

  private AwsRegionOnce() {}

  static void configure(DatalakeOptions options) {
    AwsOptions aws = options.as(AwsOptions.class);
    Region region = aws.getAwsRegion();
    if (region != null) {
      aws.setAwsRegion(region);
      return;
    }
    boolean files = options.getSource() == io.datalake.options.SourceOptions.Source.files;
    List<String> onS3 =
        Stream.of(
                options.getLake(),
                files ? options.getInput() : null,
                options.getIcebergWarehouse(),
                options.getPiiKeyset(),
                options.getPiiPolicy(),
                options.getClickhouseCredentialsFile())
            .filter(path -> path != null && path.startsWith("s3://"))
            .toList();
    if (!onS3.isEmpty()) {
      // Beam's S3 file system would fail inside the job, seconds later, in pages of SDK traces.
      throw new IllegalArgumentException(
          String.join(", ", onS3)
              + " is on S3, and no AWS region is set: give --awsRegion (any region for S3Proxy or"
              + " MinIO, e.g. --awsRegion=eu-central-1), or set AWS_REGION or a profile's region");
    }
    String property = SdkSystemSetting.AWS_EC2_METADATA_DISABLED.property();
    if (System.getProperty(property) == null
        && System.getenv(SdkSystemSetting.AWS_EC2_METADATA_DISABLED.environmentVariable())
            == null) {
      System.setProperty(property, "true");
      // Nothing of this run is on S3 here (that was refused above): a debug line, not a puzzle
      // about S3 in every local run's log.
      LOG.debug(
          "datalake: no AWS region found (--awsRegion, AWS_REGION, the AWS profile or EC2 metadata):"
              + " a lake on S3 needs --awsRegion; this JVM asks the EC2 metadata service no more");
    }
  }
}
