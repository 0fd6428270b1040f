package io.datalake.pipelines;

import io.datalake.options.DatalakeOptions;
import io.datalake.transforms.io.LakePaths;
import io.datalake.transforms.io.ReadJsonLines;
import io.datalake.transforms.kinds.RecordKind;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.stream.ReadKafkaTopics;
import io.datalake.transforms.warehouse.ClickHouseClient;
import io.datalake.transforms.warehouse.ClickHouseWarehouseIO;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Supplier;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The steps a run takes before its graph is built, once every option is valid ({@link RunPlan}):
 * each named, logged, and the only code before the run that contacts a service or changes one, in
 * this order: {@code CheckKafkaTopics} (streaming), {@code HashInput} (batch), {@code CheckLake},
 * {@code PrepareWarehouse} (with --clickhouseUrl: {@code ClickHouseWarehouseIO.prepareSchema}).
 */
public final class PreRunSteps {
  private static final Logger LOG = LoggerFactory.getLogger(PreRunSteps.class);

  private PreRunSteps() {}

  /** Runs step {@code name}, logging its start and how long it took. */
  static <T> T step(String name, Supplier<T> body) {
    LOG.info("datalake: step {}", name);
    long started = System.nanoTime();
    T result = body.get();
    LOG.info("datalake: step {} done in {} ms", name, (System.nanoTime() - started) / 1_000_000);
    return result;
  }

  /**
   * What the user can check for a ClickHouse failure of theirs to mend: a server that does not
   * answer, or one that refuses the user (or its rights: 403 is both); null for any other failure,
   * which keeps its stack trace.
   */
  public static String clickhouseHint(ClickHouseClient.ClickHouseException e) {
    if (e.unreachable()) {
      return "Is it up (locally: ./datalake up clickhouse)? Check --clickhouseUrl";
    }
    if (e.refusedCredentials()) {
      return "Check --clickhouseCredentialsFile and the user's rights (the local admin's file:"
          + " ./datalake env names it)";
    }
    return null;
  }

  /**
   * {@link ClickHouseWarehouseIO#prepareSchema}, with a server that does not answer or refuses the
   * credentials reported as such (one line, exit 1), not as a stack trace.
   */
  static ClickHouseWarehouseIO.Write prepareWarehouse(ClickHouseWarehouseIO.Write unprepared) {
    try {
      return ClickHouseWarehouseIO.prepareSchema(unprepared);
    } catch (ClickHouseClient.ClickHouseException e) {
      String hint = clickhouseHint(e);
      if (hint == null) {
        throw e;
      }
      throw new ServiceUnavailableException(e.getMessage() + ". " + hint, e);
    }
  }

  /**
   * Fails before the run when a topic is missing: KafkaIO would otherwise fail inside the runner
   * ("Could not find any partitions info") and the job would restart in a loop.
   */
  static Void checkKafkaTopics(DatalakeOptions options) {
    java.util.Map<String, Object> config =
        new java.util.HashMap<>(KafkaClientProperties.of(options));
    config.put("bootstrap.servers", options.getBootstrapServers());
    config.put("request.timeout.ms", 15000);
    config.put("default.api.timeout.ms", 15000);
    java.util.Set<String> existing;
    try (org.apache.kafka.clients.admin.AdminClient admin =
        org.apache.kafka.clients.admin.AdminClient.create(config)) {
      existing = admin.listTopics().names().get(30, java.util.concurrent.TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException
        | java.util.concurrent.TimeoutException
        | org.apache.kafka.common.KafkaException e) {
      // KafkaException: the client's creation failed; a bootstrap address that does not resolve
      // is the service's, any other setting the command line's.
      if (e instanceof org.apache.kafka.common.config.ConfigException
          && !String.valueOf(e.getMessage()).contains("resolvable")) {
        throw new IllegalArgumentException("Kafka client settings: " + e.getMessage());
      }
      throw new ServiceUnavailableException(
          "Cannot list the topics of Kafka at "
              + options.getBootstrapServers()
              + ": "
              + e.getMessage()
              + ". Is it up (locally: ./datalake up kafka)? Check --bootstrapServers.",
          e);
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
    return null;
  }

  /**
   * Writes and removes a small file under {@code <lake>/_runs/}, where the run writes its record: a
   * lake that cannot be written (S3 down, its keys refused, a folder this user may not write) ends
   * the run before anything is prepared or read, saying what to check.
   *
   * @throws ServiceUnavailableException saying why and what to check
   */
  static Void checkLake(String lake) {
    ResourceId probe =
        FileSystems.matchNewResource(
            (lake.endsWith("/") ? lake : lake + "/")
                + RunRecord.FOLDER
                + "/.write-check-"
                + java.util.UUID.randomUUID(),
            false);
    try {
      try (java.nio.channels.WritableByteChannel out =
          FileSystems.create(probe, "application/octet-stream")) {
        out.write(java.nio.ByteBuffer.wrap(new byte[] {'\n'}));
      }
      FileSystems.delete(List.of(probe));
      return null;
    } catch (IOException | RuntimeException e) {
      throw new ServiceUnavailableException(
          "Cannot write to the lake at "
              + lake
              + " ("
              + BatchFailure.rootCause(e)
              + "). "
              + (!LakePaths.isLocal(lake)
                  ? "Is the store up (locally: ./datalake up s3proxy)? Check --endpoint,"
                      + " --awsRegion and the credentials: AWS_ACCESS_KEY_ID and"
                      + " AWS_SECRET_ACCESS_KEY, a profile or a role (locally, ./datalake run gives"
                      + " S3Proxy's keys when none of these is set)"
                  : "Check that this user can write the folder"),
          e);
    }
  }

  /** The input's folder names, one per kind, as a list in text. */
  private static String kindFolders() {
    return RecordKinds.builtIn().all().stream()
        .map(RecordKind::folder)
        .collect(java.util.stream.Collectors.joining(", "));
  }

  /**
   * Says which files under the input a batch does not read: those in a folder no kind names (a
   * misspelt {@code entity_operations/}), in a subfolder of a kind's folder ({@code 2024/05/}), or
   * with another name ({@code .txt}, {@code .bz2}). Not refused (a folder may hold other things on
   * purpose), but never silent: the run reads only what it can count.
   */
  private static void warnOfFilesNotRead(String input, java.util.Set<String> read) {
    List<String> notRead;
    try {
      notRead = filesNotRead(input, read);
    } catch (IOException | RuntimeException e) {
      // A warning's listing: never what fails a run whose input was listed.
      LOG.warn("datalake: could not list everything under {} ({})", input, e.toString());
      return;
    }
    if (!notRead.isEmpty()) {
      LOG.warn(
          "datalake: {} file(s) under {} are not read: only <kind folder>/*.jsonl, *.ndjson and"
              + " *.json (plain or .gz) are input, kind folders {}; not read: {}{}",
          notRead.size(),
          input,
          kindFolders(),
          String.join(", ", notRead.subList(0, Math.min(10, notRead.size()))),
          notRead.size() > 10 ? ", ..." : "");
    }
  }

  /** The files under {@code input}, at any depth, that are not among {@code read}, sorted. */
  static List<String> filesNotRead(String input, java.util.Set<String> read) throws IOException {
    String base = input.endsWith("/") ? input : input + "/";
    MatchResult all = FileSystems.match(base + "**", EmptyMatchTreatment.ALLOW);
    List<String> notRead = new ArrayList<>();
    if (all.status() != MatchResult.Status.OK) {
      return notRead;
    }
    for (MatchResult.Metadata m : all.metadata()) {
      if (!m.resourceId().isDirectory() && !read.contains(m.resourceId().toString())) {
        notRead.add(m.resourceId().toString());
      }
    }
    notRead.sort(String::compareTo);
    return notRead;
  }

  /**
   * A digest of the input files' names, sizes and modification times: a batch's run id unless
   * --runId is given. Fails when there is no input at all.
   */
  static String hashInput(String input) {
    LocalInputCheck.check(input, RecordKinds.builtIn());
    try {
      List<String> files = new ArrayList<>();
      java.util.Set<String> read = new java.util.HashSet<>();
      for (MatchResult.Metadata m : ReadJsonLines.inputFiles(input, RecordKinds.builtIn())) {
        files.add(m.resourceId() + "|" + m.sizeBytes() + "|" + m.lastModifiedMillis());
        read.add(m.resourceId().toString());
      }
      warnOfFilesNotRead(input, read);
      if (files.isEmpty()) {
        // A run over nothing would end "balanced" (0 = 0) and hide a wrong path.
        throw new IllegalArgumentException(
            "No input files under "
                + input
                + ": expected one folder per kind ("
                + kindFolders()
                + ") holding *.jsonl, *.ndjson or *.json files, plain or gzipped (.gz)");
      }
      files.sort(String::compareTo);
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (String file : files) {
        digest.update(file.getBytes(StandardCharsets.UTF_8));
        digest.update((byte) '\n');
      }
      return HexFormat.of().formatHex(digest.digest()).substring(0, 16);
    } catch (IOException e) {
      if (!LakePaths.isLocal(input)) {
        // A store that does not answer or refuses the keys: not a wrong command line.
        throw new ServiceUnavailableException(
            "Cannot list the input at "
                + input
                + " ("
                + BatchFailure.rootCause(e)
                + "). Is the store up? Check --endpoint, --awsRegion and the credentials",
            e);
      }
      throw new IllegalArgumentException(
          "Cannot list the input at " + input + ": " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
