package io.datalake.bench;

import io.datalake.pipelines.FlinkCheckpoints;
import io.datalake.pipelines.cli.EventGenerator;
import io.datalake.transforms.kinds.EntityOperations;
import io.datalake.transforms.model.LakeRow;
import io.datalake.transforms.parse.DroppedFields;
import io.datalake.transforms.parse.RecordParser;
import io.datalake.transforms.pii.PiiEncryptor;
import io.datalake.transforms.pii.PiiKeyset;
import io.datalake.transforms.pii.PiiPolicy;
import io.datalake.transforms.snapshot.StreamEntitySnapshots;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericData;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.GenerateSequence;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.joda.time.Instant;

/**
 * The {@code snapshots} part of {@code ./datalake bench}: the streaming monthly roll-up ({@link
 * StreamEntitySnapshots}) on the embedded FlinkRunner over N reused entities ({@link
 * EventGenerator#entityOperation}: a create, then mostly updates, each entity with a 1-4 KB
 * detail), with the heap state backend and with RocksDB side by side at each N, every run in its
 * own JVM with the same {@code -Xmx}. Event times run through three months of 2020, so the
 * watermark crosses two month starts while the job runs and each crossing emits one snapshot per
 * active entity. Measured: Flink's own checkpoint statistics (state size and duration of each
 * completed checkpoint, from the CheckpointCoordinator's log lines) and the checkpoint folder's
 * size, the JVM's heap (GC log) and RSS, an OutOfMemoryError as a result (the child exits on the
 * first one), and the input operations per second in the seconds a month start emits its snapshots
 * against the seconds before.
 */
final class SnapshotBench {
  static final List<Long> DEFAULT_ENTITIES = List.of(100_000L, 1_000_000L);
  static final int DEFAULT_OPS_PER_ENTITY = 3;

  /**
   * Flink's heap backend; RocksDB as Flink configures it (its timers in RocksDB too); RocksDB with
   * its timers on the heap ({@link FlinkCheckpoints#ROCKSDB_TIMERS}: HEAP, what a cluster run of
   * the roll-up gets by default).
   */
  static final List<String> BACKENDS = List.of("heap", "rocksdb", "rocksdb-heap-timers");

  /** The exit code of a child that ran out of heap (-XX:+ExitOnOutOfMemoryError). */
  static final int OOM_EXIT = 3;

  private static final Pattern COMPLETED =
      Pattern.compile(
          "Completed checkpoint (\\d+) for job \\S+ \\((\\d+) bytes, checkpointDuration=(\\d+) ms");
  private static final Pattern TICK = Pattern.compile("^snapshot-bench tick (\\d+) (\\d+) (\\d+)");

  /** Seconds of a run not counted as its steady state: JIT compilation, the job's start. */
  private static final int WARM_UP_TICKS = 10;

  private final Benchmark.Config config;
  private final List<Long> entities;
  private final int opsPerEntity;
  private final List<String> backends;

  SnapshotBench(Benchmark.Config config, Map<String, String> flags) {
    this.config = config;
    this.entities =
        flags.containsKey("entities")
            ? Arrays.stream(flags.get("entities").split(","))
                .map(s -> Long.parseLong(s.trim().replace("_", "")))
                .toList()
            : DEFAULT_ENTITIES;
    this.opsPerEntity = Integer.parseInt(flags.getOrDefault("ops-per-entity", "3"));
    this.backends =
        flags.containsKey("backends")
            ? Arrays.stream(flags.get("backends").split(",")).map(String::trim).toList()
            : BACKENDS;
    if (!BACKENDS.containsAll(backends)) {
      throw new IllegalArgumentException(
          "--backends=" + flags.get("backends") + ": give some of " + String.join(",", BACKENDS));
    }
    if (opsPerEntity < 2) {
      throw new IllegalArgumentException(
          "--ops-per-entity must be at least 2 (a create and one more)");
    }
  }

  /**
   * Every entity count with both backends, interleaved (heap, rocksdb) so both see the same load.
   */
  void run(Results r, Runnable save) throws Exception {
    r.settings.put("snapshotEntities", entities.toString());
    r.settings.put("snapshotOpsPerEntity", Integer.toString(opsPerEntity));
    for (long n : entities) {
      for (String backend : backends) {
        Results.SnapshotRun run;
        try {
          run = runOne(n, backend);
        } catch (IOException | RuntimeException e) {
          Bench.progress("snapshots %s-%d: FAILED: %s", backend, n, e.getMessage());
          r.notes.add("Snapshots " + backend + " at " + n + " entities failed: " + e.getMessage());
          continue;
        }
        r.snapshots.add(run);
        save.run();
      }
    }
  }

  private Results.SnapshotRun runOne(long n, String backend) throws Exception {
    String name = "snapshots-" + backend + "-" + n;
    Path runDir = config.out().resolve("runs").resolve(name);
    Path checkpoints = runDir.resolve("checkpoints");
    deleteTree(checkpoints);
    Files.createDirectories(checkpoints);
    String loadAtStart = Bench.loadAverage();
    List<String> args =
        List.of(
            "--entities=" + n,
            "--ops=" + opsPerEntity,
            "--backend=" + backend,
            "--checkpoints=" + checkpoints.toUri(),
            "--parallelism=" + config.cores(),
            "--samples=" + config.samples());
    List<String> jvmArgs =
        List.of(
            "-XX:+ExitOnOutOfMemoryError",
            "-Dorg.slf4j.simpleLogger.log.org.apache.flink.runtime.checkpoint.CheckpointCoordinator=info");
    Bench.progress(
        "snapshots %s: %,d entities x %d operations, state backend %s, -Xmx%s ...",
        name, n, opsPerEntity, backend, config.heap());
    ChildJvm.Result result;
    try (ChildJvm child =
        ChildJvm.start(
            name,
            runDir,
            config.heap(),
            jvmArgs,
            config.benchClasspath(),
            Child.class.getName(),
            args)) {
      long next = 30;
      while (child.isAlive() && child.elapsedSeconds() < config.batchTimeout().toSeconds()) {
        Thread.sleep(500);
        if (child.elapsedSeconds() >= next) {
          Bench.progress("snapshots %s: running %.0f s", name, child.elapsedSeconds());
          next += 30;
        }
      }
      result = child.isAlive() ? child.stop() : child.waitFor(Duration.ofSeconds(5));
    }
    Results.SnapshotRun run =
        summarize(name, n, backend, result, folderBytes(checkpoints), loadAtStart, runDir);
    Bench.progress(
        "snapshots %s: %s; %,.0f ops/s before a month start, %,.0f while it emits; last checkpoint"
            + " %s MB in %,d ms; peak heap %s MB",
        name,
        run.check(),
        run.opsPerSecondBefore(),
        run.opsPerSecondAtBoundary(),
        Bench.mb(run.lastCheckpointBytes()),
        run.lastCheckpointMillis(),
        Bench.mb(run.heapPeakBytes()));
    if (!config.keep()) {
      deleteTree(checkpoints);
    }
    return run;
  }

  /** The run's figures from its log (ticks, checkpoints) and its JVM's. */
  private Results.SnapshotRun summarize(
      String name,
      long n,
      String backend,
      ChildJvm.Result result,
      long folderBytes,
      String loadAtStart,
      Path runDir)
      throws IOException {
    List<long[]> ticks = new ArrayList<>();
    List<long[]> checkpoints = new ArrayList<>();
    boolean oom = result.exitCode() == OOM_EXIT;
    boolean done = false;
    for (String line : Files.readAllLines(Path.of(result.log()))) {
      Matcher t = TICK.matcher(line);
      if (t.find()) {
        ticks.add(
            new long[] {
              Long.parseLong(t.group(1)), Long.parseLong(t.group(2)), Long.parseLong(t.group(3))
            });
      }
      Matcher c = COMPLETED.matcher(line);
      if (c.find()) {
        checkpoints.add(new long[] {Long.parseLong(c.group(2)), Long.parseLong(c.group(3))});
      }
      oom |= line.contains("java.lang.OutOfMemoryError");
      done |= line.startsWith("snapshot-bench done");
    }
    // Per second: input operations and snapshot rows. A second with snapshot rows is a month
    // start emitting; the seconds before the first one (after the first 10, the JIT's warm-up)
    // are the steady state it is compared with.
    List<Double> before = new ArrayList<>();
    List<Double> during = new ArrayList<>();
    List<Double> snapshotRate = new ArrayList<>();
    long firstSnapshotTick = -1;
    for (int i = 1; i < ticks.size(); i++) {
      long[] a = ticks.get(i - 1);
      long[] b = ticks.get(i);
      double seconds = Math.max(1e-3, (b[0] - a[0]) / 1000.0);
      double ops = (b[1] - a[1]) / seconds;
      double snaps = (b[2] - a[2]) / seconds;
      if (snaps > 0) {
        during.add(ops);
        snapshotRate.add(snaps);
        if (firstSnapshotTick < 0) {
          firstSnapshotTick = i;
        }
      } else if (firstSnapshotTick < 0 && i > WARM_UP_TICKS) {
        before.add(ops);
      }
    }
    long operations = ticks.isEmpty() ? 0 : ticks.get(ticks.size() - 1)[1];
    long snapshotRows = ticks.isEmpty() ? 0 : ticks.get(ticks.size() - 1)[2];
    long lastBytes = checkpoints.isEmpty() ? 0 : checkpoints.get(checkpoints.size() - 1)[0];
    long lastMillis = checkpoints.isEmpty() ? 0 : checkpoints.get(checkpoints.size() - 1)[1];
    long maxMillis = checkpoints.stream().mapToLong(c -> c[1]).max().orElse(0);
    long maxBytes = checkpoints.stream().mapToLong(c -> c[0]).max().orElse(0);
    String check;
    boolean ok = done && !oom && result.exitCode() == 0;
    if (oom) {
      check =
          String.format(
              Locale.ROOT,
              "OOM after %.0f s (%,d operations in, %,d snapshot rows out)",
              result.wallSeconds(),
              operations,
              snapshotRows);
    } else if (!done && result.wallSeconds() >= config.batchTimeout().toSeconds()) {
      check =
          String.format(
              Locale.ROOT,
              "stopped at the time limit, %.0f s: %,d of %,d operations in",
              result.wallSeconds(),
              operations,
              n * opsPerEntity);
    } else if (result.timedOut() || !done) {
      check = String.format(Locale.ROOT, "did not finish (exit %d)", result.exitCode());
    } else {
      check = String.format(Locale.ROOT, "ok in %.0f s", result.wallSeconds());
    }
    return new Results.SnapshotRun(
        n,
        opsPerEntity,
        backend,
        config.heap(),
        config.cores(),
        result.wallSeconds(),
        operations,
        snapshotRows,
        mean(before),
        mean(during),
        mean(snapshotRate),
        during.size(),
        checkpoints.size(),
        lastBytes,
        maxBytes,
        lastMillis,
        maxMillis,
        folderBytes,
        result.rss(),
        result.peakHeapBytes(),
        result.peakLiveBytes(),
        result.exitCode(),
        oom,
        ok,
        check,
        loadAtStart,
        config.out().relativize(runDir.resolve(name + ".log")).toString());
  }

  private static double mean(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
  }

  private static long folderBytes(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      return files
          .filter(Files::isRegularFile)
          .mapToLong(
              p -> {
                try {
                  return Files.size(p);
                } catch (IOException e) {
                  return 0;
                }
              })
          .sum();
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** The part's section of results.md. */
  static void markdown(StringBuilder md, Results r) {
    if (r.snapshots.isEmpty()) {
      return;
    }
    md.append("\n## Monthly snapshots (streaming roll-up, FlinkRunner embedded)\n\n");
    md.append(
        "N entities, each created then changed (mostly updated) "
            + r.snapshots.get(0).opsPerEntity()
            + " operations in all, 1-4 KB of detail each, event times over three months: two month"
            + " starts emit one snapshot row per active entity. Heap and RocksDB state backends"
            + " side by side, same -Xmx; checkpoint figures are Flink's own (the last completed"
            + " one, and the longest). Shared machine: compare the rows of one run, not runs.\n\n");
    md.append(
        "| entities | backend | -Xmx | result | wall s | ops in | snapshot rows | ops/s before a month start | ops/s while it emits | snapshot rows/s | emitting s | checkpoints | last checkpoint MB | last checkpoint ms | longest ms | checkpoint folder MB | peak heap MB | live heap MB | peak RSS MB | load at start |\n");
    md.append(
        "|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
    for (Results.SnapshotRun s : r.snapshots) {
      md.append(
          String.format(
              Locale.ROOT,
              "| %,d | %s | %s | %s | %.0f | %,d | %,d | %,.0f | %,.0f | %,.0f | %d | %d | %s | %,d | %,d | %s | %s | %s | %s | %s |%n",
              s.entities(),
              s.backend(),
              s.heap(),
              s.oom() ? "**" + s.check() + "**" : s.check(),
              s.wallSeconds(),
              s.operations(),
              s.snapshotRows(),
              s.opsPerSecondBefore(),
              s.opsPerSecondAtBoundary(),
              s.snapshotRowsPerSecond(),
              s.boundarySeconds(),
              s.checkpoints(),
              Bench.mb(s.lastCheckpointBytes()),
              s.lastCheckpointMillis(),
              s.maxCheckpointMillis(),
              Bench.mb(s.checkpointFolderBytes()),
              Bench.mb(s.heapPeakBytes()),
              Bench.mb(s.heapLiveBytes()),
              Bench.mb(s.rssBytes()),
              s.loadAtStart()));
    }
  }

  // ------------------------------------------------------------------------------ the child --

  /**
   * The measured JVM: the roll-up over generated operations on the embedded Flink, until every
   * entity had all its operations and a checkpoint completed after that. Prints one {@code
   * snapshot-bench tick <epoch ms> <operations in> <snapshot rows out>} line a second.
   */
  public static final class Child {
    static final AtomicLong OPERATIONS = new AtomicLong();
    static final AtomicLong SNAPSHOTS = new AtomicLong();

    /** The first instant of the generated history; three months of event time follow it. */
    static final long START_MILLIS =
        ZonedDateTime.of(2020, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC).toInstant().toEpochMilli();

    static final long SPAN_MILLIS =
        ZonedDateTime.of(2020, 4, 1, 0, 0, 0, 0, ZoneOffset.UTC).toInstant().toEpochMilli()
            - START_MILLIS;

    private Child() {}

    public static void main(String[] argv) throws Exception {
      Map<String, String> a =
          Bench.flags(
              argv,
              java.util.Set.of(
                  "entities", "ops", "backend", "checkpoints", "parallelism", "samples"),
              java.util.Set.of());
      long entities = Long.parseLong(a.get("entities"));
      int ops = Integer.parseInt(a.get("ops"));
      long total = entities * ops;
      FlinkPipelineOptions options = PipelineOptionsFactory.create().as(FlinkPipelineOptions.class);
      options.setRunner(FlinkRunner.class);
      options.setFlinkMaster("[local]");
      options.setStreaming(true);
      options.setParallelism(Integer.parseInt(a.get("parallelism")));
      options.setStateBackend(a.get("backend").startsWith("rocksdb") ? "rocksdb" : "filesystem");
      if (a.get("backend").equals("rocksdb-heap-timers")) {
        Path conf = Files.createTempDirectory("snapshot-bench-flink-conf");
        // The roll-up sets one event-time timer per entity, all at the same instant (a month
        // start): with timers in RocksDB each one popped is a seek past the ones deleted before
        // it. On the heap a timer costs a few dozen bytes.
        Files.writeString(
            conf.resolve("config.yaml"),
            FlinkCheckpoints.ROCKSDB_TIMERS + ": HEAP\n",
            StandardCharsets.UTF_8);
        options.setFlinkConfDir(conf.toString());
      }
      options.setStateBackendStoragePath(a.get("checkpoints"));
      options.setCheckpointingInterval(10_000L);
      options.setFasterCopy(true);
      Pipeline pipeline = Pipeline.create(options);
      double step = (double) SPAN_MILLIS / total;
      pipeline
          .apply(
              "Operations",
              GenerateSequence.from(0)
                  .withTimestampFn(i -> new Instant(START_MILLIS + (long) (i * step))))
          .apply("EntityOperations", ParDo.of(new OperationFn(a.get("samples"), entities)))
          .setCoder(LakeRow.Coder.of())
          .apply(StreamEntitySnapshots.withAllowedLateness(org.joda.time.Duration.ZERO))
          .apply("Count", ParDo.of(new CountFn()));
      Thread job =
          new Thread(
              () -> {
                try {
                  pipeline.run().waitUntilFinish();
                } catch (RuntimeException e) {
                  e.printStackTrace();
                  System.exit(1);
                }
              },
              "job");
      job.setDaemon(true);
      job.start();
      Path dir = Path.of(java.net.URI.create(a.get("checkpoints")));
      long allInAt = 0;
      while (true) {
        Thread.sleep(1000);
        long now = System.currentTimeMillis();
        System.out.printf("snapshot-bench tick %d %d %d%n", now, OPERATIONS.get(), SNAPSHOTS.get());
        System.out.flush();
        if (allInAt == 0 && OPERATIONS.get() >= total) {
          allInAt = now;
        }
        // Done: every operation in, and a checkpoint of the full state completed since (or
        // none within two minutes: the figures so far are still the run's).
        if (allInAt > 0 && (newestCheckpoint(dir) > allInAt || now - allInAt > 120_000)) {
          System.out.println("snapshot-bench done");
          System.out.flush();
          System.exit(0);
        }
      }
    }

    private static long newestCheckpoint(Path dir) throws IOException {
      try (Stream<Path> files = Files.walk(dir)) {
        return files
            .filter(p -> p.getFileName().toString().equals("_metadata"))
            .mapToLong(p -> p.toFile().lastModified())
            .max()
            .orElse(0);
      }
    }
  }

  /**
   * Operation {@code i}: an entity operation on entity {@code i % entities} in round {@code i /
   * entities}, as the generator's entity-reuse mode makes them ({@link
   * EventGenerator#entityOperation}, {@link EventGenerator#reuseOperation}). Making and parsing an
   * envelope per operation (deep copy, JSON, PII encryption) ran at about 1,000 operations/s here,
   * which would have measured the generator, not the roll-up: a pool of {@link #POOL} envelopes is
   * made and parsed once, and each operation is a copy of one with its entity, operation, time and
   * ids set. Entity e's detail is pooled envelope e % POOL's, 1-4 KB.
   */
  static final class OperationFn extends DoFn<Long, LakeRow> {
    static final int POOL = 512;
    private final String samples;
    private final long entities;
    private transient List<LakeRow> pool;

    OperationFn(String samples, long entities) {
      this.samples = samples;
      this.entities = entities;
    }

    @Setup
    public void setup() throws Exception {
      EventGenerator generator =
          new EventGenerator(
              Path.of(samples),
              42,
              java.time.Instant::now,
              i ->
                  new java.util.UUID(0x0BE4_0000_0000_4000L, 0x8000_0000_0000_0000L | i).toString(),
              true);
      RecordParser parser =
          new RecordParser(
              new PiiEncryptor(PiiKeyset.development().cipher()),
              PiiPolicy.defaults(io.datalake.transforms.kinds.RecordKinds.builtIn()),
              DroppedFields.defaults(io.datalake.transforms.kinds.RecordKinds.builtIn()));
      pool = new ArrayList<>();
      for (int j = 0; j < POOL; j++) {
        EventGenerator.Event e =
            generator.entityOperation(j, entities, java.time.Instant.ofEpochMilli(START));
        RecordParser.ParsedRecord parsed =
            parser.parse(EntityOperations.KIND, e.value().getBytes(StandardCharsets.UTF_8));
        RecordParser.TypedRow row = parsed.rows().get(0);
        pool.add(new LakeRow(row.table(), parsed.tenant(), parsed.eventTimeMicros(), row.record()));
      }
    }

    private static final long START = Child.START_MILLIS;

    @ProcessElement
    public void process(@Element Long i, @Timestamp Instant time, OutputReceiver<LakeRow> out) {
      long entity = i % entities;
      LakeRow base = pool.get((int) (entity % POOL));
      GenericData.Record record = new GenericData.Record((GenericData.Record) base.record(), false);
      long micros = time.getMillis() * 1000L;
      String id = new java.util.UUID(0x0BE4_0000_0000_4000L, 0x8000_0000_0000_0000L | i).toString();
      record.put("id", id);
      record.put("activity_id", "01J" + Long.toString(i, 36).toUpperCase(Locale.ROOT));
      record.put(
          "entity_id",
          new java.util.UUID(0x5EED_0000_0000_4000L, 0x8000_0000_0000_0000L | entity).toString());
      record.put("operation", EventGenerator.reuseOperation(entity, i / entities));
      record.put("timestamp", micros);
      out.output(new LakeRow(base.table(), base.tenant(), micros, record));
      Child.OPERATIONS.incrementAndGet();
    }
  }

  /** Counts the snapshot rows (the embedded cluster runs in this JVM). */
  static final class CountFn extends DoFn<LakeRow, Void> {
    @ProcessElement
    public void process(@Element LakeRow row) {
      Child.SNAPSHOTS.incrementAndGet();
    }
  }
}
