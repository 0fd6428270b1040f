package io.datalake.pipelines;

import io.datalake.options.DatalakeOptions;
import org.apache.beam.sdk.io.aws2.options.AwsOptions;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * Refuses options that carry a secret. Beam hands every pipeline option to the runner: Flink shows
 * them in its web UI and REST API (/jobs/ID/config), they sit in process arguments and in the
 * launcher's submission files, and Flink's checkpoints keep what the sources were built with. So
 * secrets come from where the workers run: Kafka's through {@code --kafkaPropertiesFile} (see
 * {@link KafkaClientProperties}), AWS's from the default provider chain (environment, profile,
 * instance role), ClickHouse's from {@code --clickhouseCredentialsFile} or the environment.
 */
final class NoSecretsInOptions {
  private NoSecretsInOptions() {}

  static void check(DatalakeOptions options) {
    AwsCredentialsProvider aws = options.as(AwsOptions.class).getAwsCredentialsProvider();
    if (aws instanceof StaticCredentialsProvider) {
      throw new IllegalArgumentException(
          "--awsCredentialsProvider holds AWS keys (StaticCredentialsProvider): Flink shows options in"
              + " its web UI and REST API, and they are visible in process arguments. Leave the option"
              + " out: the workers use AWS's default provider chain (AWS_ACCESS_KEY_ID and"
              + " AWS_SECRET_ACCESS_KEY in their environment, a profile, or an instance role).");
    }
    // Fails on a Kafka secret in --kafkaProperties; reads only the keys of --kafkaPropertiesFile.
    KafkaClientProperties.of(options);
  }
}
