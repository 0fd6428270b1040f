package io.datalake.pipelines;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.options.DatalakeOptions;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.schema.LakeTable;
import io.datalake.transforms.warehouse.ClickHouseWarehouseIO;
import io.datalake.transforms.warehouse.RunsTable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.util.common.ReflectHelpers;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The record of one pipeline run, for lineage: its id (the {@code _load_id} of every warehouse row
 * it wrote; without the warehouse, the lake's run id), its options without secrets, when it started
 * and ended, its state and (batch) its counts. Written when the run starts and again when it ends,
 * to {@code <lake>/_runs/<run_id>.json} (replaced) and to the warehouse's {@code datalake_runs}
 * ({@link RunsTable}; the later row wins under {@code FINAL}).
 *
 * <p>Options hold no secret by construction ({@link NoSecretsInOptions} refuses a run whose options
 * carry one); as a second guard, an option whose name says it holds a secret (password, secret,
 * token, credentials provider, JAAS, an S3 customer key) is left out. A record that cannot be
 * written is logged and the run goes on: it is the run's description, not its output (a lake that
 * cannot be written at all is refused before, by the step CheckLake).
 */
public final class RunRecord {
  private static final Logger LOG = LoggerFactory.getLogger(RunRecord.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The lake folder of the run records. */
  public static final String FOLDER = "_runs";

  /** Option names that could hold a secret: never recorded. */
  private static final Pattern SECRET =
      Pattern.compile("(?i).*(password|secret|token|jaas|credentialsprovider|customerkey).*");

  private final String runId;
  private final String lakeRunId;
  private final String mode;
  private final String runner;
  private final String lake;
  private final Instant startedAt;
  private final ObjectNode options;
  private final ClickHouseWarehouseIO.@Nullable Write warehouse;

  private RunRecord(
      String runId,
      String lakeRunId,
      String mode,
      String runner,
      String lake,
      Instant startedAt,
      ObjectNode options,
      ClickHouseWarehouseIO.@Nullable Write warehouse) {
    this.runId = runId;
    this.lakeRunId = lakeRunId;
    this.mode = mode;
    this.runner = runner;
    this.lake = lake;
    this.startedAt = startedAt;
    this.options = options;
    this.warehouse = warehouse;
  }

  /**
   * The record of a run about to start, with a prepared {@code warehouse} (its load id is the run
   * id) or none.
   */
  static RunRecord of(
      DatalakeOptions options,
      String lake,
      String lakeRunId,
      boolean streaming,
      ClickHouseWarehouseIO.@Nullable Write warehouse) {
    String id = warehouse != null && warehouse.loadId() != null ? warehouse.loadId() : lakeRunId;
    return new RunRecord(
        id,
        lakeRunId,
        streaming ? "streaming" : "batch",
        options.getRunner() == null ? "" : options.getRunner().getSimpleName(),
        absolute(lake),
        Instant.now(),
        optionsWithoutSecrets(options),
        warehouse);
  }

  /**
   * A local lake as an absolute path: the record is read later, from another folder or by another
   * user (datalake_runs), where {@code .datalake/demo-lake} says nothing. URLs stay as they are.
   */
  static String absolute(String lake) {
    if (lake.contains("://")) {
      return lake;
    }
    String path = java.nio.file.Path.of(lake).toAbsolutePath().normalize().toString();
    return lake.endsWith("/") && !path.endsWith("/") ? path + "/" : path;
  }

  public String runId() {
    return runId;
  }

  /** The options as Beam serializes them (its {@code options} object), secrets left out. */
  static ObjectNode optionsWithoutSecrets(PipelineOptions options) {
    ObjectMapper mapper =
        new ObjectMapper()
            .registerModules(ObjectMapper.findModules(ReflectHelpers.findClassLoader()));
    JsonNode serialized = mapper.valueToTree(options);
    JsonNode given = serialized.get("options");
    ObjectNode out = JSON.createObjectNode();
    if (given == null) {
      return out;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = given.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> option = it.next();
      if (!SECRET.matcher(option.getKey()).matches()) {
        out.set(option.getKey(), option.getValue());
      }
    }
    return out;
  }

  /** The record as JSON: {@link RunsTable#columns()}, options and counts as nested objects. */
  ObjectNode toJson(String state, @Nullable Instant endedAt, @Nullable JsonNode counts) {
    ObjectNode node = JSON.createObjectNode();
    node.put("run_id", runId);
    node.put("lake_run_id", lakeRunId);
    node.put("mode", mode);
    node.put("runner", runner);
    node.put("lake", lake);
    node.put("started_at", startedAt.toString());
    if (endedAt == null) {
      node.putNull("ended_at");
    } else {
      node.put("ended_at", endedAt.toString());
    }
    node.put("state", state);
    node.set("options", options);
    node.set("counts", counts == null ? JSON.createObjectNode() : counts);
    return node;
  }

  /** Writes the started record (a lake that cannot be written was refused by CheckLake). */
  void started() {
    write("running", null, null);
  }

  /** Writes the ended record: {@code succeeded} or {@code failed}, with counts when known. */
  void ended(boolean succeeded, @Nullable JsonNode counts) {
    write(succeeded ? "succeeded" : "failed", Instant.now(), counts);
  }

  /**
   * Writes the end of a stream as its job stood: {@code succeeded} (done), {@code failed}, or
   * {@code stopped} (still running, cancelled, or unknown when this JVM stops).
   */
  void endedWith(PipelineResult.@Nullable State state) {
    String name =
        state == PipelineResult.State.DONE
            ? "succeeded"
            : state == PipelineResult.State.FAILED ? "failed" : "stopped";
    // A stream stopped with its JVM logs nothing else at its end.
    LOG.info(
        "datalake: run {} ended: {} ({})",
        runId,
        name,
        state == null
            ? "the runner did not report the job's state as this JVM stopped"
            : "job state " + state);
    write(name, Instant.now(), null);
  }

  /** A batch's counts from its summary: input records, rows per lake table, dead letters. */
  static ObjectNode counts(BatchSummary summary, RecordKinds kinds) {
    ObjectNode counts = JSON.createObjectNode();
    counts.put("input_records", summary.inputRecords());
    counts.put("dead_letters", summary.deadLetters());
    ObjectNode rows = counts.putObject("lake_rows");
    for (LakeTable table : kinds.tables()) {
      rows.put(table.name(), summary.rows(table.name()));
    }
    ObjectNode clickhouse = counts.putObject("clickhouse_rows");
    summary.clickhouseRows().forEach(clickhouse::put);
    return counts;
  }

  private void write(String state, @Nullable Instant endedAt, @Nullable JsonNode counts) {
    ObjectNode record = toJson(state, endedAt, counts);
    try {
      ResourceId file =
          FileSystems.matchNewResource(
              (lake.endsWith("/") ? lake : lake + "/") + FOLDER + "/" + runId + ".json", false);
      try (OutputStream out =
          Channels.newOutputStream(FileSystems.create(file, "application/json"))) {
        out.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(record));
        out.write('\n');
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn(
          "datalake: could not write the run record of {} to the lake ({})",
          runId,
          e.getClass().getSimpleName());
    }
    if (warehouse == null) {
      return;
    }
    // The same record as a row of datalake_runs: times as epoch seconds (read as such whatever
    // the server's time zone), options and counts as JSON text, and the version that wins FINAL.
    ObjectNode row = record.deepCopy();
    row.put("started_at", startedAt.getEpochSecond());
    if (endedAt != null) {
      row.put("ended_at", endedAt.getEpochSecond());
    }
    row.put("options", record.get("options").toString());
    row.put("counts", record.get("counts").toString());
    row.put("_version", System.currentTimeMillis() * 1000);
    try {
      warehouse.client().execute(RunsTable.insertStatement(warehouse.database(), row.toString()));
    } catch (RuntimeException e) {
      LOG.warn(
          "datalake: could not write the run record of {} to ClickHouse ({})",
          runId,
          e.getClass().getSimpleName());
    }
  }
}
