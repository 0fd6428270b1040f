package io.datalake.pipelines;

import io.datalake.options.DatalakeOptions;
import io.datalake.options.LakeFormatOptions;
import io.datalake.options.SourceOptions;
import io.datalake.transforms.io.LakePaths;
import io.datalake.transforms.lake.iceberg.IcebergCatalogConfig;
import io.datalake.transforms.lake.iceberg.IcebergS3FileIO;
import io.datalake.transforms.parse.DroppedFields;
import io.datalake.transforms.pii.PiiKeyset;
import io.datalake.transforms.pii.PiiPolicy;
import io.datalake.transforms.snapshot.SnapshotRows;
import io.datalake.transforms.stream.ReadKafkaTopics;
import io.datalake.transforms.warehouse.ClickHouseWarehouseIO;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * What a run needs decided before anything is contacted or changed: the validated options, the
 * keyset, the PII policy, the dropped fields and the warehouse write (not yet prepared). Making a
 * plan only reads (the keyset and policy files, when named); it never contacts Kafka or ClickHouse,
 * lists the input or writes anything, so every option a user can get wrong fails here first. What
 * needs a service comes after, as the named steps of {@link PreRunSteps}.
 *
 * @param runId the given --runId, or for a streaming run one from the start time; null for a batch
 *     without --runId, whose id is the digest of its input ({@link PreRunSteps#hashInput})
 * @param warehouse the ClickHouse write, configured but not prepared; null when the branch is off
 * @param iceberg the Iceberg catalog of the lake tables (--lakeFormat=iceberg); null for the
 *     Parquet lake
 */
record RunPlan(
    String lake,
    String runId,
    PiiKeyset keyset,
    PiiPolicy policy,
    DroppedFields droppedFields,
    ClickHouseWarehouseIO.Write warehouse,
    IcebergCatalogConfig iceberg) {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RunPlan.class);

  static RunPlan of(DatalakeOptions options) {
    NoSecretsInOptions.check(options);
    // Keyset and policy files may be on S3: the file systems need the options to read them.
    FileSystems.setDefaultPipelineOptions(options);
    if (options.getLake() == null || options.getLake().isBlank()) {
      throw new IllegalArgumentException(
          "--lake is required: a local folder or s3://bucket/prefix");
    }
    boolean streaming = options.getSource() == SourceOptions.Source.kafka;
    if (!streaming && (options.getInput() == null || options.getInput().isBlank())) {
      throw new IllegalArgumentException(
          "--source=files needs --input=DIR (one folder per kind inside)");
    }
    // Before anything on S3 is read (the input, the keyset, the lake): a lake on S3 without a
    // region is refused here.
    AwsRegionOnce.configure(options);
    checkParquetCompression(options.getParquetCompression());
    FlinkCheckpoints.checkOptions(options, streaming);
    RunMetrics.checkOptions(options);
    if (streaming) {
      // Both fail on a malformed value; read again where the source is built.
      ReadKafkaTopics.topics(options.getTopics());
      KafkaClientProperties.of(options);
    }
    DroppedFields droppedFields = DroppedFields.parse(options.getDropFields());
    PiiPolicy policy = PiiPolicy.load(options.getPiiPolicy());
    PiiKeyset keyset =
        PiiKeyset.fromOptions(options.getPiiKeyset(), options.getPiiDevelopmentKeyset());
    // Fail before the run, not on a worker: the keyset must be readable and valid.
    keyset.cipher();
    String lake = lakeRoot(options);
    String runId = options.getRunId();
    if (runId != null && runId.contains(SnapshotRows.RESERVED_IN_RUN_IDS)) {
      throw new IllegalArgumentException(
          "--runId="
              + runId
              + ": a run id may not contain '"
              + SnapshotRows.RESERVED_IN_RUN_IDS
              + "': the lake tells the month files of ./datalake snapshot and the pipeline's"
              + " snapshot files from other files by it; choose another");
    }
    if (runId == null || runId.isBlank()) {
      runId =
          streaming
              // Streaming files are named per window and pane, and panes count from 0 again after a
              // restart: a start-time run id keeps a restarted job from overwriting earlier files.
              ? "stream"
                  + java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
                      .withZone(java.time.ZoneOffset.UTC)
                      .format(java.time.Instant.now())
              : null;
    }
    return new RunPlan(
        lake,
        runId,
        keyset,
        policy,
        droppedFields,
        warehouse(options, keyset),
        iceberg(options, lake, streaming));
  }

  /** The Iceberg catalog of the lake (checked, not contacted); null for the Parquet lake. */
  static IcebergCatalogConfig iceberg(DatalakeOptions options, String lake, boolean streaming) {
    if (options.getLakeFormat() != LakeFormatOptions.LakeFormat.iceberg) {
      return null;
    }
    if (streaming) {
      checkStreamingCommits(options);
    }
    String warehouse =
        options.getIcebergWarehouse() == null || options.getIcebergWarehouse().isBlank()
            ? lake
            : options.getIcebergWarehouse();
    return new IcebergCatalogConfig(
            options.getIcebergCatalog().name(),
            warehouse,
            options.getIcebergCatalogUri(),
            options.getIcebergCatalogCredentialsFile(),
            options.getIcebergNamespace())
        .withS3(icebergS3(options));
  }

  /**
   * A stream into Iceberg commits at an interval, exactly once only at Flink's exactly-once
   * checkpoints (its committer is {@code @RequiresStableInput}); the checkpoints' mode and the JVM
   * are checked for every Flink stream ({@link FlinkCheckpoints#checkOptions}).
   */
  static void checkStreamingCommits(DatalakeOptions options) {
    Integer interval = options.getIcebergCommitIntervalSeconds();
    if (interval == null || interval < 1) {
      throw new IllegalArgumentException(
          "--icebergCommitIntervalSeconds must be at least 1, got " + interval);
    }
  }

  /**
   * S3FileIO's settings from the options Beam's own S3 file system reads (--endpoint, --awsRegion):
   * the Parquet lake and the Iceberg lake reach S3 the same way.
   */
  static IcebergS3FileIO icebergS3(DatalakeOptions options) {
    org.apache.beam.sdk.io.aws2.options.AwsOptions aws =
        options.as(org.apache.beam.sdk.io.aws2.options.AwsOptions.class);
    return new IcebergS3FileIO(
        aws.getEndpoint() == null ? null : aws.getEndpoint().toString(),
        aws.getAwsRegion() == null ? null : aws.getAwsRegion().id());
  }

  /** The plan with the run id settled (a batch's input digest). */
  RunPlan withRunId(String value) {
    return new RunPlan(lake, value, keyset, policy, droppedFields, warehouse, iceberg);
  }

  /** The plan with the prepared warehouse write. */
  RunPlan withWarehouse(ClickHouseWarehouseIO.Write value) {
    return new RunPlan(lake, runId, keyset, policy, droppedFields, value, iceberg);
  }

  /**
   * The lake root, ending in /. A {@code file:} URI is set back into the options as its path
   * ({@link LakePaths#forBeam}): every step and the run's record read the lake from them.
   */
  static String lakeRoot(DatalakeOptions options) {
    options.setLake(LakePaths.forBeam(options.getLake()));
    return options.getLake().endsWith("/") ? options.getLake() : options.getLake() + "/";
  }

  /**
   * The codec Parquet files are written with: one Parquet knows, and whose implementation this
   * build has (tried on a few bytes). LZO and BROTLI are Parquet codecs whose Hadoop classes are
   * not bundled: their writers failed at the first file, after the run had started.
   */
  static void checkParquetCompression(String value) {
    CompressionCodecName codec;
    try {
      codec = CompressionCodecName.valueOf(String.valueOf(value).toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--parquetCompression="
              + value
              + " is not a Parquet codec; use one of "
              + usableCodecs());
    }
    String missing = unusable(codec);
    if (missing != null) {
      throw new IllegalArgumentException(
          "--parquetCompression="
              + value
              + ": this build has no implementation of Parquet's "
              + codec
              + " codec ("
              + missing
              + "); use one of "
              + usableCodecs());
    }
  }

  /** The Parquet codecs this build can write with, comma-separated. */
  private static String usableCodecs() {
    return Arrays.stream(CompressionCodecName.values())
        .filter(codec -> unusable(codec) == null)
        .map(Enum::name)
        .collect(Collectors.joining(", "));
  }

  /**
   * Null if this build has {@code codec}'s implementation, else why not. By its class alone, not
   * initialised: loading a codec's native library here (on the launcher, which may submit to a
   * cluster) could fail where the workers would not.
   */
  private static String unusable(CompressionCodecName codec) {
    String implementation = codec.getHadoopCompressionCodecClassName();
    if (implementation == null) {
      return null; // UNCOMPRESSED
    }
    try {
      Class.forName(implementation, false, RunPlan.class.getClassLoader());
      return null;
    } catch (ClassNotFoundException | LinkageError e) {
      return "class " + implementation + " not found";
    }
  }

  /**
   * The ClickHouse write, configured from the options but not prepared (nothing is contacted); off
   * without --clickhouseUrl.
   */
  static ClickHouseWarehouseIO.Write warehouse(DatalakeOptions options, PiiKeyset keyset) {
    if (options.getClickhouseUrl() == null || options.getClickhouseUrl().isBlank()) {
      LOG.info("datalake: ClickHouse branch off (no --clickhouseUrl): writing the lake only");
      return null;
    }
    if (options.getClickhouseBatchRows() < 1 || options.getClickhouseBatchMegabytes() < 1) {
      throw new IllegalArgumentException(
          "--clickhouseBatchRows and --clickhouseBatchMegabytes must be at least 1 (got "
              + options.getClickhouseBatchRows()
              + " and "
              + options.getClickhouseBatchMegabytes()
              + ")");
    }
    if (options.getClickhouseRetrySeconds() < 0) {
      throw new IllegalArgumentException(
          "--clickhouseRetrySeconds must be 0 or more (got "
              + options.getClickhouseRetrySeconds()
              + ")");
    }
    if (options.getClickhouseFlushSeconds() < 0) {
      throw new IllegalArgumentException(
          "--clickhouseFlushSeconds must be 0 or more (got "
              + options.getClickhouseFlushSeconds()
              + ")");
    }
    if (options.getClickhouseDatabase() == null || options.getClickhouseDatabase().isBlank()) {
      throw new IllegalArgumentException("--clickhouseDatabase must not be blank");
    }
    return ClickHouseWarehouseIO.write()
        .withUrl(options.getClickhouseUrl())
        .withCredentialsFile(options.getClickhouseCredentialsFile())
        .withDatabase(options.getClickhouseDatabase())
        .withBatchRows(options.getClickhouseBatchRows())
        .withBatchBytes(options.getClickhouseBatchMegabytes() * 1024L * 1024L)
        .withFlushSeconds(options.getClickhouseFlushSeconds())
        .withRetrySeconds(options.getClickhouseRetrySeconds())
        .withKeyset(keyset);
  }
}
