package io.datalake.bench;

import io.datalake.testing.LocalServices;
import io.datalake.transforms.warehouse.ClickHouseClient;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.AdminClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The local services the benchmark talks to: reachability and clean-up, on the clients and topic
 * and bucket creation of {@link LocalServices} that the ITs use too.
 */
final class Services {
  private Services() {}

  /**
   * The admin's credentials file of the local ClickHouse ($DATALAKE_CLICKHOUSE_CREDENTIALS_FILE,
   * which ./datalake bench exports); empty when unset (then user default).
   */
  static String clickhouseCredentials() {
    String file = System.getenv("DATALAKE_CLICKHOUSE_CREDENTIALS_FILE");
    return file == null ? "" : file;
  }

  /** A client of the benchmark's ClickHouse, as the admin user. */
  static ClickHouseClient clickhouse(Benchmark.Config config) {
    return new ClickHouseClient(config.clickhouseUrl(), clickhouseCredentials());
  }

  static String clickhouseProblem(Benchmark.Config config) {
    try {
      clickhouse(config).execute("SELECT 1");
      return null;
    } catch (RuntimeException e) {
      return "ClickHouse at "
          + config.clickhouseUrl()
          + " does not answer ("
          + e.getMessage()
          + ")";
    }
  }

  static String kafkaProblem(Benchmark.Config config) {
    try (AdminClient admin = admin(config)) {
      admin.listTopics().names().get(15, TimeUnit.SECONDS);
      return null;
    } catch (Exception e) {
      return "Kafka at " + config.kafka() + " does not answer (" + e.getMessage() + ")";
    }
  }

  static String s3Problem(Benchmark.Config config) {
    try (S3Client s3 = s3(config)) {
      LocalServices.createBucket(s3, config.s3Bucket());
      return null;
    } catch (RuntimeException e) {
      return "S3 at " + config.s3Endpoint() + " does not answer (" + e.getMessage() + ")";
    }
  }

  static AdminClient admin(Benchmark.Config config) {
    return LocalServices.kafkaAdmin(config.kafka());
  }

  static void createTopics(Benchmark.Config config, Collection<String> topics, int partitions)
      throws Exception {
    LocalServices.createTopics(config.kafka(), topics, partitions);
  }

  static void deleteTopics(Benchmark.Config config, Collection<String> topics) {
    try (AdminClient admin = admin(config)) {
      admin.deleteTopics(topics).all().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      Bench.progress("cleanup: could not delete topics %s: %s", topics, e.getMessage());
    }
  }

  static S3Client s3(Benchmark.Config config) {
    return LocalServices.s3(
        config.s3Endpoint(), config.s3Region(), config.s3AccessKey(), config.s3SecretKey());
  }

  static void deleteS3Prefix(Benchmark.Config config, String prefix) {
    try (S3Client s3 = s3(config)) {
      List<ObjectIdentifier> keys = new ArrayList<>();
      for (S3Object o :
          s3.listObjectsV2Paginator(b -> b.bucket(config.s3Bucket()).prefix(prefix)).contents()) {
        keys.add(ObjectIdentifier.builder().key(o.key()).build());
      }
      // One by one: S3Proxy's filesystem backend lists folders as objects and deletes them empty.
      keys.sort((a, b) -> b.key().length() - a.key().length());
      for (ObjectIdentifier k : keys) {
        try {
          s3.deleteObject(b -> b.bucket(config.s3Bucket()).key(k.key()));
        } catch (RuntimeException e) {
          // a folder not yet empty; the next pass gets it
        }
      }
    }
  }
}
