package io.datalake.pipelines;

import io.datalake.options.DatalakeOptions;
import io.datalake.options.SourceOptions;
import io.datalake.transforms.io.ReadJsonLines;
import io.datalake.transforms.kinds.RecordKind;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.pii.PiiKeyset;
import io.datalake.transforms.stream.ReadKafkaTopics;
import io.datalake.transforms.warehouse.ClickHouseClient;
import io.datalake.transforms.warehouse.WarehouseSchema;
import io.datalake.transforms.warehouse.WriteWarehouse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;

/**
 * What a run needs decided before the graph is built: the validated options, the keyset reference
 * and the run id that names its files.
 */
record RunPlan(String lake, String runId, PiiKeyset keyset, WriteWarehouse.Config warehouse) {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RunPlan.class);

  static RunPlan of(DatalakeOptions options) {
    NoSecretsInOptions.check(options);
    FileSystems.setDefaultPipelineOptions(options);
    if (options.getLake() == null || options.getLake().isBlank()) {
      throw new IllegalArgumentException(
          "--lake is required: a local folder or s3://bucket/prefix");
    }
    if (options.getSource() == SourceOptions.Source.files
        && (options.getInput() == null || options.getInput().isBlank())) {
      throw new IllegalArgumentException(
          "--source=files needs --input=DIR (one folder per kind inside)");
    }
    if (options.getSource() == SourceOptions.Source.kafka) {
      checkTopicsExist(options);
    }
    PiiKeyset keyset =
        PiiKeyset.fromOptions(options.getPiiKeyset(), options.getPiiDevelopmentKeyset());
    // Fail before the run, not on a worker: the keyset must be readable and valid.
    keyset.cipher();
    String lake = options.getLake().endsWith("/") ? options.getLake() : options.getLake() + "/";
    // Also fails when there is no input at all.
    String digest =
        options.getSource() == SourceOptions.Source.files ? inputDigest(options.getInput()) : null;
    String runId = options.getRunId();
    if (runId == null || runId.isBlank()) {
      runId =
          digest != null
              ? digest
              // Streaming files are named per window and pane, and panes count from 0 again after a
              // restart: a start-time run id keeps a restarted job from overwriting earlier files.
              : "stream"
                  + java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
                      .withZone(java.time.ZoneOffset.UTC)
                      .format(java.time.Instant.now());
    }
    return new RunPlan(lake, runId, keyset, warehouse(options, keyset));
  }

  /** The ClickHouse branch: off without --clickhouseUrl; else its schema is prepared now. */
  static WriteWarehouse.Config warehouse(DatalakeOptions options, PiiKeyset keyset) {
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
    ClickHouseClient client =
        new ClickHouseClient(options.getClickhouseUrl(), options.getClickhouseCredentialsFile());
    String version = client.serverVersion();
    WarehouseSchema.prepare(client, options.getClickhouseDatabase());
    String loadId = java.util.UUID.randomUUID().toString();
    LOG.info(
        "datalake: ClickHouse {} at {} (server {}), database {}, load id {}",
        "on",
        client.url(),
        version,
        options.getClickhouseDatabase(),
        loadId);
    return new WriteWarehouse.Config(
        client,
        options.getClickhouseDatabase(),
        version,
        loadId,
        options.getClickhouseBatchRows(),
        options.getClickhouseBatchMegabytes() * 1024L * 1024L,
        options.getClickhouseFlushSeconds(),
        keyset,
        options.getClickhouseRetrySeconds());
  }

  /**
   * Fails before the run when a topic is missing: KafkaIO would otherwise fail inside the runner
   * ("Could not find any partitions info") and the job would restart in a loop.
   */
  static void checkTopicsExist(DatalakeOptions options) {
    java.util.Map<String, Object> config =
        new java.util.HashMap<>(KafkaClientProperties.of(options));
    config.put("bootstrap.servers", options.getBootstrapServers());
    config.put("request.timeout.ms", 15000);
    config.put("default.api.timeout.ms", 15000);
    java.util.Set<String> existing;
    try (org.apache.kafka.clients.admin.AdminClient admin =
        org.apache.kafka.clients.admin.AdminClient.create(config)) {
      existing = admin.listTopics().names().get(30, java.util.concurrent.TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalArgumentException(
          "Cannot list the topics of Kafka at "
              + options.getBootstrapServers()
              + ": "
              + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    java.util.List<String> missing =
        ReadKafkaTopics.topics(options.getTopics()).values().stream()
            .filter(t -> !existing.contains(t))
            .sorted()
            .toList();
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException(
          "Kafka topics missing at "
              + options.getBootstrapServers()
              + ": "
              + String.join(", ", missing)
              + ". Create them (locally, ./datalake produce creates them) or point --topics=kind=topic,... at existing ones.");
    }
  }

  /** A digest of the input files' names, sizes and modification times. */
  static String inputDigest(String input) {
    try {
      List<String> files = new ArrayList<>();
      for (RecordKind kind : RecordKinds.builtIn().all()) {
        MatchResult match =
            FileSystems.match(ReadJsonLines.pattern(input, kind), EmptyMatchTreatment.ALLOW);
        if (match.status() == MatchResult.Status.OK) {
          for (MatchResult.Metadata m : match.metadata()) {
            if (ReadJsonLines.isInputFile(m.resourceId().getFilename())) {
              files.add(m.resourceId() + "|" + m.sizeBytes() + "|" + m.lastModifiedMillis());
            }
          }
        }
      }
      if (files.isEmpty()) {
        // A run over nothing would end "balanced" (0 = 0) and hide a wrong path.
        throw new IllegalArgumentException(
            "No input files under "
                + input
                + ": expected one folder per kind ("
                + RecordKinds.builtIn().all().stream()
                    .map(RecordKind::folder)
                    .collect(java.util.stream.Collectors.joining(", "))
                + ") holding *.jsonl, *.json or .gz files");
      }
      files.sort(String::compareTo);
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (String file : files) {
        digest.update(file.getBytes(StandardCharsets.UTF_8));
        digest.update((byte) '\n');
      }
      return HexFormat.of().formatHex(digest.digest()).substring(0, 16);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "Cannot list the input at " + input + ": " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
