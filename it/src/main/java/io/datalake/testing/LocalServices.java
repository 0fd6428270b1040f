package io.datalake.testing;

import io.datalake.transforms.kinds.RecordKind;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.warehouse.ClickHouseClient;
import io.datalake.transforms.warehouse.ClickHouseWarehouseIO;
import io.datalake.transforms.warehouse.Sql;
import io.datalake.transforms.warehouse.TenantAccess;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.StringSerializer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The real services an integration test talks to, as started by {@code ./datalake up}: their
 * addresses come from system properties that {@code ./datalake test} sets.
 */
public final class LocalServices {
  public static final String REGION = "us-east-1";

  private LocalServices() {}

  private static String property(String name) {
    String value = System.getProperty(name);
    if (value == null || value.isBlank() || value.startsWith("${")) {
      throw new IllegalStateException(
          "System property "
              + name
              + " is not set: run the integration tests with ./datalake test, which starts the"
              + " local services and passes their addresses.");
    }
    return value;
  }

  public static String kafkaBootstrap() {
    return property("datalake.kafka.bootstrap");
  }

  public static String s3Endpoint() {
    return property("datalake.s3.endpoint");
  }

  /**
   * The S3 keys come from the environment that {@code ./datalake test} exports
   * (DATALAKE_S3_ACCESS_KEY, DATALAKE_S3_SECRET_KEY): as -D properties they would show in the
   * process list. The properties still work for a run without the launcher.
   */
  public static String s3AccessKey() {
    return secret("DATALAKE_S3_ACCESS_KEY", "datalake.s3.accessKey");
  }

  public static String s3SecretKey() {
    return secret("DATALAKE_S3_SECRET_KEY", "datalake.s3.secretKey");
  }

  private static String secret(String env, String property) {
    String value = System.getenv(env);
    return value != null && !value.isBlank() ? value : property(property);
  }

  /**
   * Environment variables that give a child process (./datalake run, flink up) the local S3 keys
   * through AWS's default provider chain.
   */
  public static java.util.Map<String, String> awsEnvironment() {
    return java.util.Map.of(
        "AWS_ACCESS_KEY_ID", s3AccessKey(), "AWS_SECRET_ACCESS_KEY", s3SecretKey());
  }

  /** The local Flink cluster's REST port, as the launcher has it ($DATALAKE_FLINK_REST_PORT). */
  public static String flinkRestPort() {
    String value = System.getenv("DATALAKE_FLINK_REST_PORT");
    return value == null || value.isBlank() ? "8081" : value;
  }

  public static String clickhouseUrl() {
    return property("datalake.clickhouse.url");
  }

  /**
   * The pipeline's admin user's credentials file (user=/password=), which {@code ./datalake up}
   * writes and exports as DATALAKE_CLICKHOUSE_CREDENTIALS_FILE: every test connects as that user,
   * as the pipeline does. Else the property datalake.clickhouse.credentialsFile, else the file
   * under datalake.home.
   */
  public static String clickhouseCredentialsFile() {
    String env = System.getenv("DATALAKE_CLICKHOUSE_CREDENTIALS_FILE");
    if (env != null && !env.isBlank()) {
      return env;
    }
    String value = System.getProperty("datalake.clickhouse.credentialsFile");
    if (value != null && !value.isBlank() && !value.startsWith("${")) {
      return value;
    }
    return java.nio.file.Path.of(property("datalake.home"), "clickhouse", "admin.credentials")
        .toString();
  }

  /** The local PostgreSQL's catalog database (./datalake up exports DATALAKE_POSTGRES_URL). */
  public static String postgresUrl() {
    String env = System.getenv("DATALAKE_POSTGRES_URL");
    return env != null && !env.isBlank() ? env : property("datalake.postgres.url");
  }

  /** The credentials file of the local PostgreSQL's catalog role, which ./datalake up writes. */
  public static String postgresCredentialsFile() {
    String env = System.getenv("DATALAKE_POSTGRES_CREDENTIALS_FILE");
    return env != null && !env.isBlank()
        ? env
        : java.nio.file.Path.of(property("datalake.home"), "postgres", "admin.credentials")
            .toString();
  }

  /** The local server's users.d folder, where tenant users' files go (18.16). */
  public static java.nio.file.Path clickhouseUsersDir() {
    String env = System.getenv("DATALAKE_CLICKHOUSE_USERS_DIR");
    return env != null && !env.isBlank()
        ? java.nio.file.Path.of(env)
        : java.nio.file.Path.of(property("datalake.home"), "clickhouse", "users.d");
  }

  /** The pipeline options of the local ClickHouse as the admin: its URL and credentials file. */
  public static List<String> clickhouseArgs() {
    return List.of(
        "--clickhouseUrl=" + clickhouseUrl(),
        "--clickhouseCredentialsFile=" + clickhouseCredentialsFile());
  }

  /** A client of the local ClickHouse as the admin user. */
  public static ClickHouseClient clickhouseClient() {
    return new ClickHouseClient(clickhouseUrl(), clickhouseCredentialsFile());
  }

  /**
   * The Beam options that point the S3 file system at the local S3Proxy. No keys among them (the
   * pipeline refuses keys in options, Flink would show them): this JVM gets them as the system
   * properties aws.accessKeyId and aws.secretAccessKey, which Beam's default AWS provider chain
   * reads, set here at run time so that they are not on any command line.
   */
  public static List<String> beamS3Args() {
    System.setProperty("aws.accessKeyId", s3AccessKey());
    System.setProperty("aws.secretAccessKey", s3SecretKey());
    return List.of("--awsRegion=" + REGION, "--endpoint=" + s3Endpoint());
  }

  public static S3Client s3() {
    return s3(s3Endpoint(), REGION, s3AccessKey(), s3SecretKey());
  }

  /** A client of an S3-compatible store at {@code endpoint} (path-style, as S3Proxy needs). */
  public static S3Client s3(String endpoint, String region, String accessKey, String secretKey) {
    return S3Client.builder()
        .endpointOverride(URI.create(endpoint))
        .region(Region.of(region))
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
        .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
        .build();
  }

  public static void createBucket(String bucket) {
    try (S3Client s3 = s3()) {
      createBucket(s3, bucket);
    }
  }

  /** Creates the bucket unless it exists. */
  public static void createBucket(S3Client s3, String bucket) {
    if (s3.listBuckets().buckets().stream().noneMatch(b -> b.name().equals(bucket))) {
      s3.createBucket(b -> b.bucket(bucket));
    }
  }

  /** Every object under a prefix, with its bytes. */
  public static List<S3File> download(String bucket, String prefix) {
    List<S3File> files = new ArrayList<>();
    try (S3Client s3 = s3()) {
      for (S3Object object :
          s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents()) {
        if (object.key().endsWith("/")) {
          continue; // S3Proxy's filesystem backend lists folders as objects
        }
        ResponseBytes<GetObjectResponse> bytes;
        try {
          bytes = s3.getObjectAsBytes(b -> b.bucket(bucket).key(object.key()));
        } catch (NoSuchKeyException e) {
          // Listed, then gone: a running job finished it (a temporary file renamed into place,
          // which the next listing shows) or cleaned it up. Not a file of the lake at this moment.
          continue;
        }
        files.add(new S3File(object.key(), bytes.asByteArray()));
      }
    }
    return files;
  }

  public record S3File(String key, byte[] bytes) {}

  /** Runs a ClickHouse statement with the pipeline's own client; a non-200 answer throws. */
  public static String clickhouse(String sql) {
    return clickhouseClient().execute(sql);
  }

  /** Drops a warehouse database of the local ClickHouse and its tenant databases. */
  public static void dropWarehouse(String database) {
    dropWarehouse(clickhouseClient(), database);
  }

  /**
   * Drops a warehouse database and the tenant databases the pipeline made beside it ({@code
   * <database>_tenant_<tenant>} on a server without SQL access management), which would otherwise
   * stay behind, each a Distributed table over a table that is gone.
   */
  public static void dropWarehouse(ClickHouseClient clickhouse, String database) {
    if (database.equals(ClickHouseWarehouseIO.DEFAULT_DATABASE)) {
      // Its tenant databases are tenant_<tenant>, and it is the user's warehouse, not a run's.
      throw new IllegalArgumentException("Not dropping the default warehouse " + database);
    }
    String prefix = TenantAccess.tenantDatabasePrefix(database);
    String tenantDatabases =
        clickhouse.execute(
            "SELECT name FROM system.databases WHERE startsWith(name, "
                + Sql.string(prefix)
                + ") FORMAT TabSeparated");
    for (String name : tenantDatabases.split("\n")) {
      if (!name.isBlank()) {
        clickhouse.execute("DROP DATABASE IF EXISTS " + Sql.identifier(name.trim()));
      }
    }
    clickhouse.execute("DROP DATABASE IF EXISTS " + Sql.identifier(database));
  }

  public static long clickhouseCount(String sql) {
    return Long.parseLong(clickhouse(sql).trim());
  }

  /** Rows of a table under FINAL (duplicates merged away); -1 before the table exists. */
  public static long finalRows(String database, String table) {
    try {
      return clickhouseCount("SELECT count() FROM `" + database + "`." + table + " FINAL");
    } catch (RuntimeException e) {
      return -1;
    }
  }

  /**
   * A table under FINAL: its rows and the distinct values of its id column, {@code {rows, ids}}
   * (both equal to the ids published: every id exactly once), derived snapshot rows left out
   * ({@link PrimaryTables#inputRowsWhere}). A failed query throws.
   */
  public static long[] finalRowsAndIds(String database, String table, String idColumn) {
    String[] parts =
        clickhouse(
                "SELECT count(), uniqExact(`"
                    + idColumn
                    + "`) FROM `"
                    + database
                    + "`.`"
                    + table
                    + "` FINAL WHERE "
                    + PrimaryTables.inputRowsWhere(table)
                    + " FORMAT TabSeparated")
            .trim()
            .split("\t");
    return new long[] {Long.parseLong(parts[0]), Long.parseLong(parts[1])};
  }

  public static void createTopic(String topic, int partitions) throws Exception {
    createTopics(kafkaBootstrap(), List.of(topic), partitions);
  }

  /** An admin client whose calls give up after 15 s instead of waiting for a broker forever. */
  public static AdminClient kafkaAdmin(String bootstrap) {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    props.put("request.timeout.ms", "15000");
    props.put("default.api.timeout.ms", "15000");
    return AdminClient.create(props);
  }

  public static void createTopics(String bootstrap, Collection<String> topics, int partitions)
      throws Exception {
    try (AdminClient admin = kafkaAdmin(bootstrap)) {
      List<NewTopic> list = new ArrayList<>();
      for (String topic : topics) {
        list.add(new NewTopic(topic, partitions, (short) 1));
      }
      admin.createTopics(list).all().get(30, TimeUnit.SECONDS);
      awaitLeaders(admin, topics, partitions);
    }
  }

  /**
   * Waits until the broker's own metadata gives every partition of the topics a leader. The
   * controller answers a creation before the broker has applied it, and a producer that meets a
   * partition without a leader waits for it on its own clock; a test should start only on a topic
   * that takes records at once. The same after partitions are added: {@code partitions} is how many
   * each topic must show.
   */
  public static void awaitLeaders(AdminClient admin, Collection<String> topics, int partitions)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      List<String> leaderless = new ArrayList<>();
      try {
        for (TopicDescription topic :
            admin.describeTopics(topics).allTopicNames().get(15, TimeUnit.SECONDS).values()) {
          if (topic.partitions().size() < partitions) {
            leaderless.add(topic.name() + " (" + topic.partitions().size() + " partitions)");
          }
          for (TopicPartitionInfo partition : topic.partitions()) {
            if (partition.leader() == null || partition.leader().isEmpty()) {
              leaderless.add(topic.name() + "-" + partition.partition());
            }
          }
        }
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
          throw e;
        }
        leaderless.add(e.getCause().getMessage());
      }
      if (leaderless.isEmpty()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "Kafka created the partitions but gave these no leader within 60 s: " + leaderless);
      }
      Thread.sleep(100);
    }
  }

  /**
   * Creates one fresh topic per kind, named {@code <kind>-<suffix>}, and returns the {@code
   * --topics} value that reads them: backlogs left on the default topics by other runs must not
   * slow a test down.
   */
  public static String freshTopics(String suffix) throws Exception {
    StringBuilder topics = new StringBuilder();
    for (RecordKind kind : RecordKinds.builtIn().all()) {
      String name = kind.defaultTopic() + "-" + suffix;
      createTopic(name, 2);
      topics.append(topics.length() == 0 ? "" : ",").append(kind.name()).append('=').append(name);
    }
    return topics.toString();
  }

  /**
   * The options of a streaming test run against the local services: short windows and a small
   * out-of-orderness, so that a test sees its windows close within seconds.
   */
  public static List<String> streamingArgs(
      String run, String topics, java.nio.file.Path lake, String database) {
    return List.of(
        "--source=kafka",
        "--bootstrapServers=" + kafkaBootstrap(),
        "--consumerGroup=it-" + run,
        "--topics=" + topics,
        "--lake=" + lake,
        "--piiDevelopmentKeyset=true",
        "--windowSeconds=10",
        "--maxOutOfOrdernessSeconds=2",
        "--clickhouseUrl=" + clickhouseUrl(),
        "--clickhouseCredentialsFile=" + clickhouseCredentialsFile(),
        "--clickhouseDatabase=" + database,
        "--clickhouseFlushSeconds=1");
  }

  public static void produce(String topic, List<String> values) {
    produce(topic, null, values);
  }

  /** Publishes to one partition of a topic, or by the producer's partitioner when it is null. */
  public static void produce(String topic, Integer partition, List<String> values) {
    Properties props = new Properties();
    props.put("bootstrap.servers", kafkaBootstrap());
    props.put("key.serializer", StringSerializer.class.getName());
    props.put("value.serializer", StringSerializer.class.getName());
    props.put("acks", "all");
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
      List<Future<RecordMetadata>> sent = new ArrayList<>();
      for (String value : values) {
        sent.add(producer.send(new ProducerRecord<>(topic, partition, null, value)));
      }
      producer.flush();
      // A record Kafka refused fails the test here, not later as a missing row.
      for (Future<RecordMetadata> record : sent) {
        record.get();
      }
    } catch (ExecutionException e) {
      throw new IllegalStateException(
          "Kafka did not accept a record for " + topic + ": " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while publishing to " + topic, e);
    }
  }
}
