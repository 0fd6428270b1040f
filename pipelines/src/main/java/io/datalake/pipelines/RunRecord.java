package io.datalake.pipelines;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.options.DatalakeOptions;
import io.datalake.transforms.io.LakePaths;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.schema.LakeTable;
import io.datalake.transforms.warehouse.ClickHouseWarehouseIO;
import io.datalake.transforms.warehouse.RunsTable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
 * and ended, its state and (batch) its counts. Written when the run starts, every minute while it
 * runs (below) and when it ends, to {@code <lake>/_runs/<run_id>.json} (replaced) and to the
 * warehouse's {@code datalake_runs} ({@link RunsTable}; the later row wins under {@code FINAL}).
 *
 * <p>Options hold no secret by construction ({@link NoSecretsInOptions} refuses a run whose options
 * carry one); as a second guard, an option whose name says it holds a secret (password, secret,
 * token, credentials provider, JAAS, an S3 customer key) is left out. A record that cannot be
 * written is logged and the run goes on: it is the run's description, not its output (a lake that
 * cannot be written at all is refused before, by the step CheckLake).
 *
 * <p>While the run goes on, the JVM that waits on it writes the record again every {@value
 * RunsTable#ALIVE_EVERY_SECONDS} seconds with a new {@code alive_at}, so that a run whose JVM was
 * killed (SIGKILL writes nothing) can be told from one that runs: its record stays {@code running}
 * but falls silent ({@link RunsTable#LOST_AFTER_SECONDS}).
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

  /** Guards the writes: an {@code alive_at} write never lands after the end's. */
  private final Object writes = new Object();

  /** Set once, by the first end: later ends and every {@code alive_at} write do nothing. */
  private final AtomicBoolean ended = new AtomicBoolean();

  private boolean aliveFailing; // guarded by writes

  /** The {@code _version} of the last row written: each is larger, whatever the clock does. */
  private long lastVersion; // guarded by writes

  private volatile @Nullable ScheduledExecutorService alive;
  private volatile @Nullable Thread aliveThread;

  /** The job the alive writes watch: once it has ended, the next one records its end. */
  private volatile @Nullable PipelineResult job;

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
    String path = Path.of(lake).toAbsolutePath().normalize().toString();
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
  ObjectNode toJson(
      String state,
      @Nullable Instant endedAt,
      @Nullable Instant aliveAt,
      @Nullable JsonNode counts) {
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
    if (aliveAt == null) {
      node.putNull("alive_at");
    } else {
      node.put("alive_at", aliveAt.toString());
    }
    node.set("options", options);
    node.set("counts", counts == null ? JSON.createObjectNode() : counts);
    return node;
  }

  /**
   * Writes the started record (a lake that cannot be written was refused by CheckLake). {@code
   * watched}: this JVM waits on the job (a batch; a stream that runs in it), so it writes {@code
   * alive_at} now and again every {@value RunsTable#ALIVE_EVERY_SECONDS} seconds until the end; a
   * stream handed to a cluster or to Dataflow has none, as no JVM of ours waits on it.
   */
  void started(boolean watched) {
    started(watched, Duration.ofSeconds(RunsTable.ALIVE_EVERY_SECONDS));
  }

  /** {@link #started(boolean)} with {@code alive_at} written every {@code every}. */
  void started(boolean watched, Duration every) {
    synchronized (writes) {
      logProblems("", write("running", null, watched ? Instant.now() : null, null));
    }
    if (!watched) {
      return;
    }
    ScheduledExecutorService executor =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, aliveThreadName(runId));
              thread.setDaemon(true); // never keeps a JVM up
              aliveThread = thread;
              return thread;
            });
    // stillRunning lets nothing escape: a task that throws ends the schedule without a word.
    var unused =
        executor.scheduleWithFixedDelay(
            this::stillRunning, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    alive = executor;
  }

  /** The name of the thread that writes {@code alive_at} for run {@code runId}. */
  static String aliveThreadName(String runId) {
    return "datalake-run-alive-" + runId;
  }

  /**
   * The job this JVM waits on: a stream's, which may end without this JVM ending it (cancelled from
   * Flink's UI, failed after the runner returned); the next {@code alive_at} write records its end
   * instead.
   */
  void watching(PipelineResult result) {
    job = result;
  }

  /**
   * Writes the record again with a new {@code alive_at}, unless the run has ended (or its job has:
   * then its end). A failure is logged when it starts and when it passes, not every minute (a store
   * down for an hour).
   */
  @SuppressWarnings("CatchingUnchecked")
  private void stillRunning() {
    try {
      PipelineResult watched = job;
      PipelineResult.State state = watched == null ? null : stateOf(watched);
      if (state != null && state.isTerminal()) {
        endedWith(state);
        return;
      }
      synchronized (writes) {
        if (ended.get()) {
          return;
        }
        List<String> problems = write("running", null, Instant.now(), null);
        if (ended.get()) {
          return; // cut short by the end, which writes the record itself
        }
        if (!problems.isEmpty() && !aliveFailing) {
          logProblems(" (tried again every " + RunsTable.ALIVE_EVERY_SECONDS + " s)", problems);
        } else if (problems.isEmpty() && aliveFailing) {
          LOG.info("datalake: the run record of {} is written again", runId);
        }
        aliveFailing = !problems.isEmpty();
      }
    } catch (Throwable t) { // an Error too: the schedule would stop, and a live run look lost
      LOG.warn("datalake: could not write the run record of {} again ({})", runId, t.toString());
    }
  }

  /** The job's state, or null when the runner cannot tell (it may be shutting down). */
  static PipelineResult.@Nullable State stateOf(PipelineResult result) {
    try {
      return result.getState();
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** Writes the ended record: {@code succeeded} or {@code failed}, with counts when known. */
  void ended(boolean succeeded, @Nullable JsonNode counts) {
    end(succeeded ? "succeeded" : "failed", counts);
  }

  /** Writes the end of a batch whose JVM is stopped (SIGTERM, Ctrl-C) before it ended. */
  void stoppedWithItsJvm() {
    if (!ended.get()) {
      LOG.info("datalake: run {} ended: stopped (its JVM was stopped before the run ended)", runId);
    }
    end("stopped", null);
  }

  /**
   * Writes the last record, once: a later end does nothing. An {@code alive_at} write under way is
   * interrupted rather than waited for (a frozen ClickHouse would hold it for minutes, and a JVM
   * being stopped has seconds).
   */
  private void end(String state, @Nullable JsonNode counts) {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    ScheduledExecutorService executor = alive;
    if (executor != null) {
      if (Thread.currentThread() == aliveThread) {
        executor.shutdown(); // the alive thread records the job's end: not itself interrupted
      } else {
        executor.shutdownNow();
      }
    }
    synchronized (writes) {
      Instant now = Instant.now();
      logProblems("", write(state, now, now, counts));
    }
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
    end(name, null);
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

  private void logProblems(String suffix, List<String> problems) {
    for (String problem : problems) {
      LOG.warn("datalake: could not write the run record of {} to {}{}", runId, problem, suffix);
    }
  }

  /**
   * The {@code _version} of the next row: the clock's microseconds, or one more than the last row's
   * when the clock has gone back (an {@code alive_at} row must never win over the end under FINAL).
   */
  static long nextVersion(long last, long nowMicros) {
    return Math.max(nowMicros, last + 1);
  }

  /**
   * Writes the record to the lake and to the warehouse (holding {@code writes}); what failed, as
   * "the lake (Cause)".
   */
  private List<String> write(
      String state,
      @Nullable Instant endedAt,
      @Nullable Instant aliveAt,
      @Nullable JsonNode counts) {
    List<String> problems = new ArrayList<>();
    ObjectNode record = toJson(state, endedAt, aliveAt, counts);
    try {
      byte[] json =
          (JSON.writerWithDefaultPrettyPrinter().writeValueAsString(record) + "\n")
              .getBytes(StandardCharsets.UTF_8);
      if (LakePaths.isLocal(lake)) {
        // Written again every minute while the run goes on: never seen half written.
        LocalFiles.replaceWhole(
            LakePaths.localPath(lake).resolve(FOLDER).resolve(runId + ".json"), json);
      } else {
        // An object store replaces an object whole: a reader gets the old record or the new one.
        ResourceId file =
            FileSystems.matchNewResource(
                (lake.endsWith("/") ? lake : lake + "/") + FOLDER + "/" + runId + ".json", false);
        try (OutputStream out =
            Channels.newOutputStream(FileSystems.create(file, "application/json"))) {
          out.write(json);
        }
      }
    } catch (IOException | RuntimeException e) {
      problems.add("the lake (" + e.getClass().getSimpleName() + ")");
    }
    if (warehouse == null) {
      return problems;
    }
    // The same record as a row of datalake_runs: times as epoch seconds (read as such whatever
    // the server's time zone), options and counts as JSON text, and the version that wins FINAL.
    ObjectNode row = record.deepCopy();
    row.put("started_at", startedAt.getEpochSecond());
    if (endedAt != null) {
      row.put("ended_at", endedAt.getEpochSecond());
    }
    if (aliveAt != null) {
      row.put("alive_at", aliveAt.getEpochSecond());
    }
    row.put("options", record.get("options").toString());
    row.put("counts", record.get("counts").toString());
    lastVersion = nextVersion(lastVersion, System.currentTimeMillis() * 1000);
    row.put("_version", lastVersion);
    try {
      warehouse.client().execute(RunsTable.insertStatement(warehouse.database(), row.toString()));
    } catch (RuntimeException e) {
      problems.add("ClickHouse (" + e.getClass().getSimpleName() + ")");
    }
    return problems;
  }
}
