package io.datalake.bench;

import io.datalake.pipelines.cli.EventGenerator;
import io.datalake.testing.LocalServices;
import io.datalake.testing.PrimaryTables;
import io.datalake.transforms.kinds.RecordKind;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.schema.LakeTables;
import io.datalake.transforms.warehouse.ClickHouseClient;
import io.datalake.transforms.warehouse.WarehouseTables;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.avro.AvroReadSupport;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.io.LocalInputFile;

/**
 * Streaming at one offered rate: the pipeline on the embedded FlinkRunner reads fresh Kafka topics
 * (one per kind) and writes a local lake and a fresh ClickHouse database. The benchmark produces
 * events of every kind at the rate, remembers when it sent each one, and finds out when each
 * becomes visible:
 *
 * <ul>
 *   <li>in ClickHouse: a poller queries every table of the kinds' primary rows every 250 ms for the
 *       ids not seen yet (ids embed the event number, so "not seen yet" is a range from the lowest
 *       unseen one; events missing for 30 s are looked up by id every 5 s instead);
 *   <li>in the lake: a watcher lists the Parquet files every 500 ms; a file is finished when it
 *       appears under its final name (FileIO writes elsewhere and renames), and its ids are read at
 *       once (id column only).
 * </ul>
 *
 * Freshness = first seen − sent, per event. Before the measured events, a warm-up trickle (20/s)
 * runs until the first one shows in ClickHouse: that is the start-up time, and the measured events
 * start on a running pipeline. After them, the run drains until every event is seen (or a time
 * limit).
 */
final class StreamingBench {
  private static final long POLL_MS = 250;
  private static final long FILE_POLL_MS = 500;
  private static final long STUCK_MS = 30_000;

  /** How often ids missing for longer than {@link #STUCK_MS} are looked up. */
  private static final long STUCK_POLL_MS = 1_000;

  /** Stuck ids per looked-up range. */
  private static final int STUCK_CHUNK = 2_000;

  private static final long MEASURED = 1_000_000_000L;

  /** Sequence numbers of the warm-up at the offered rate: below the measured ones, never polled. */
  private static final long WARMUP_AT_RATE = 500_000_000L;

  /** Events of each kind made ahead and reused with new ids and times. */
  private static final int POOLED_PER_KIND = 64;

  private static final int WARMUP_RATE = 20;

  /**
   * The job has caught up with the producer when it is at most this far behind it: about what a row
   * takes at steady state (the warehouse's 2 s flush, the insert, the poll).
   */
  static final long CAUGHT_UP_MS = 5_000;

  /**
   * The catch-up gives up when the job has not gained this much on the producer over the last
   * {@link #GAIN_WINDOW_MS}: a job over its capacity never catches up, and more time at the rate
   * only makes the backlog the measured events wait behind longer.
   */
  static final long MIN_GAIN_MS = 1_000;

  static final long GAIN_WINDOW_MS = 30_000;

  private final Benchmark.Config config;

  StreamingBench(Benchmark.Config config) {
    this.config = config;
  }

  /** The state of one run, shared by the producer, the poller and the file watcher. */
  private final class Run {
    final long idTag = 0x5eed_0000_0000_4000L | ((System.currentTimeMillis() & 0xffffL) << 16);
    final int count;
    final long[] sentMs;
    final long[] clickhouseMs;
    final long[] parquetMs;
    final Map<RecordKind, ConcurrentSkipListSet<Long>> unseen = new LinkedHashMap<>();
    final Map<RecordKind, ConcurrentSkipListSet<Long>> stuck = new LinkedHashMap<>();
    final Set<Long> parquetUnseen = ConcurrentHashMap.newKeySet();
    final Map<Long, Long> warmupSent = new ConcurrentHashMap<>();
    final AtomicLong firstWarmupSeenMs = new AtomicLong();
    final AtomicLong chSeen = new AtomicLong();
    final AtomicLong pqSeen = new AtomicLong();
    final AtomicLong produced = new AtomicLong();
    final AtomicBoolean stop = new AtomicBoolean();
    final Set<Path> files = ConcurrentHashMap.newKeySet();
    final String database;
    final Path lake;
    volatile String pollError;
    final AtomicLong pollErrors = new AtomicLong();

    Run(int count, String database, Path lake) {
      this.count = count;
      this.sentMs = new long[count];
      this.clickhouseMs = new long[count];
      this.parquetMs = new long[count];
      this.database = database;
      this.lake = lake;
      for (RecordKind k : RecordKinds.builtIn().all()) {
        unseen.put(k, new ConcurrentSkipListSet<>());
        stuck.put(k, new ConcurrentSkipListSet<>());
      }
    }

    String id(long seq) {
      return EventGenerator.recordId(seq, InputFiles.id(idTag, seq));
    }

    long seq(RecordKind kind, String id) {
      long own = kind.sample().numberOf(id);
      if (own >= 0) {
        return own;
      }
      UUID uuid = UUID.fromString(id);
      return uuid.getMostSignificantBits() == idTag ? uuid.getLeastSignificantBits() : -1;
    }

    /** Records that seq is visible in ClickHouse at time ms. */
    void seenInClickHouse(RecordKind kind, long seq, long ms) {
      if (seq >= MEASURED && seq < MEASURED + count) {
        int i = (int) (seq - MEASURED);
        if (clickhouseMs[i] == 0) {
          clickhouseMs[i] = ms;
          chSeen.incrementAndGet();
        }
        unseen.get(kind).remove(seq);
        stuck.get(kind).remove(seq);
      } else if (seq >= 0 && seq < MEASURED) {
        firstWarmupSeenMs.compareAndSet(0, ms);
        unseen.get(kind).remove(seq);
        stuck.get(kind).remove(seq);
      }
    }
  }

  /**
   * One run at {@code rate}, with {@code busyProcesses} other processes keeping cores busy ({@link
   * BusyLoad}) from before the pipeline starts to after it stops; 0: none.
   */
  Results.StreamRun run(int rate, int busyProcesses) throws Exception {
    return run(rate, busyProcesses, 0);
  }

  /**
   * As {@link #run(int, int)}, as the {@code round}-th of repeated runs (from 1; 0: not repeated),
   * whose folder, {@code runs/stream-<rate>[-loaded]-<round>}, each repeat keeps apart: the spread
   * between runs of one command is read from their logs.
   */
  Results.StreamRun run(int rate, int busyProcesses, int round) throws Exception {
    try (BusyLoad load = BusyLoad.start(busyProcesses)) {
      if (busyProcesses > 0) {
        Bench.progress(
            "streaming %d/s: loaded by %s, pids %s",
            rate, BusyLoad.describe(busyProcesses), load.pids());
      }
      return run(rate, load, round);
    }
  }

  private Results.StreamRun run(int rate, BusyLoad load, int round) throws Exception {
    String tag = "s" + rate + "_" + (System.currentTimeMillis() / 1000 % 1_000_000);
    String name =
        "stream-"
            + rate
            + (load.processCount() > 0 ? "-loaded" : "")
            + (round > 0 ? "-" + round : "");
    Path runDir = config.out().resolve("runs").resolve(name);
    InputFiles.deleteTree(runDir);
    Files.createDirectories(runDir);
    Path lake = runDir.resolve("lake");
    String database = "bench_" + tag;
    int count = rate * config.durationSeconds();
    Run run = new Run(count, database, lake);

    Map<RecordKind, String> topics = new LinkedHashMap<>();
    StringBuilder topicsOption = new StringBuilder();
    for (RecordKind k : RecordKinds.builtIn().all()) {
      topics.put(k, k.defaultTopic() + "-bench-" + tag);
      topicsOption
          .append(topicsOption.length() == 0 ? "" : ",")
          .append(k.name())
          .append('=')
          .append(topics.get(k));
    }
    Services.createTopics(config, topics.values(), config.cores());
    Bench.progress(
        "streaming %d/s: topics *-bench-%s (%d partitions), ClickHouse database %s",
        rate, tag, config.cores(), database);

    List<String> args =
        new ArrayList<>(
            List.of(
                "--source=kafka",
                "--runner=FlinkRunner",
                "--flinkMaster=[local]",
                "--parallelism=" + config.cores(),
                "--bootstrapServers=" + config.kafka(),
                "--consumerGroup=bench-" + tag,
                "--topics=" + topicsOption,
                "--lake=" + lake,
                "--piiDevelopmentKeyset=true",
                "--windowSeconds=" + config.windowSeconds(),
                "--maxOutOfOrdernessSeconds=" + config.maxOutOfOrdernessSeconds(),
                "--clickhouseUrl=" + config.clickhouseUrl(),
                "--clickhouseCredentialsFile=" + Services.clickhouseCredentials(),
                "--clickhouseDatabase=" + database));
    for (String extra : config.streamArgs().trim().split("\\s+")) {
      if (!extra.isEmpty()) {
        args.add(extra.replace("{run}", runDir.toString()));
      }
    }
    ChildJvm child =
        ChildJvm.start(
            name,
            runDir,
            config.heap(),
            jvmArgs(),
            config.jar().toString(),
            "io.datalake.pipelines.DatalakePipeline",
            args);
    ClickHouseClient ch = Services.clickhouse(config);
    Thread poller = new Thread(() -> poll(run, ch), "ch-poller");
    Thread watcher = new Thread(() -> watchFiles(run), "file-watcher");
    poller.setDaemon(true);
    watcher.setDaemon(true);
    poller.start();
    watcher.start();
    EventPool events =
        new EventPool(config.samples(), InputFiles.SEED + rate, POOLED_PER_KIND, n -> run.id(n));
    Properties props = new Properties();
    props.put("bootstrap.servers", config.kafka());
    props.put("key.serializer", StringSerializer.class.getName());
    props.put("value.serializer", StringSerializer.class.getName());
    props.put("linger.ms", "20");
    props.put("acks", "all");
    List<long[]> lag = new ArrayList<>();
    long producedBytes = 0;
    double startup = Double.NaN;
    long productionStartMs = 0;
    long productionEndMs = 0;
    double loadCpuAtStart = 0;
    double loadCpuAtEnd = 0;
    double drain = Double.NaN;
    long drainLimitMs = 0;
    boolean drainTimedOut = false;
    String check;
    boolean ok;
    ChildJvm.Result result;
    AtomicLong refused = new AtomicLong();
    CpuReading halfReading = null;
    CpuReading endReading = null;
    Results.CatchUp catchUp = null;
    try (KafkaProducer<String, String> kafka = new KafkaProducer<>(props)) {
      // 1. Warm-up until the pipeline shows its first row in ClickHouse.
      long warmStart = System.nanoTime();
      long n = 0;
      while (run.firstWarmupSeenMs.get() == 0) {
        if (!child.isAlive()) {
          throw new IllegalStateException("the pipeline exited during start-up: " + child.tail(20));
        }
        if (child.elapsedSeconds() > config.startupTimeout().toSeconds()) {
          throw new IllegalStateException(
              "no row in ClickHouse "
                  + config.startupTimeout().toSeconds()
                  + " s after the start; see "
                  + child.log()
                  + (run.pollError != null ? " (last poll error: " + run.pollError + ")" : ""));
        }
        waitForTurn(warmStart, n, WARMUP_RATE);
        EventGenerator.Event e = events.next(n, Instant.now());
        run.warmupSent.put(n, System.currentTimeMillis());
        run.unseen.get(e.kind()).add(n);
        send(kafka, topics.get(e.kind()), e, refused);
        n++;
        if (n % (WARMUP_RATE * 15) == 0) {
          Bench.progress(
              "streaming %d/s: waiting for the pipeline (%.0f s, %d warm-up events sent)",
              rate, child.elapsedSeconds(), n);
        }
      }
      startup = (run.firstWarmupSeenMs.get() - child.startMillis()) / 1000.0;
      Bench.progress(
          "streaming %d/s: pipeline up, first row in ClickHouse %.1f s after its start; producing %,d events for %d s",
          rate, startup, count, config.durationSeconds());
      // Warm-up at the offered rate (not measured): a JVM's first tens of seconds run
      // interpreted and half-compiled code, which says nothing of a pipeline that runs for days.
      // Then on at that rate until the job has worked off the backlog those seconds left (or for
      // --catch-up seconds at most): a start-up backlog carried into the measured period made its
      // freshness the age of that backlog, which differed from run to run by how the start-up went.
      if (config.warmupSeconds() > 0) {
        catchUp = warmUp(run, ch, kafka, topics, events, child, rate, refused);
      }
      // Forget warm-up events still unseen: only measured ones count.
      for (RecordKind k : RecordKinds.builtIn().all()) {
        run.unseen.get(k).removeIf(s -> s < MEASURED);
        run.stuck.get(k).removeIf(s -> s < MEASURED);
      }
      // 2. The measured events at the offered rate.
      long start = System.nanoTime();
      productionStartMs = System.currentTimeMillis();
      loadCpuAtStart = load.cpuSeconds();
      long nextSample = 0;
      long nextProgress = 10;
      for (int i = 0; i < count; i++) {
        waitForTurn(start, i, rate);
        if (halfReading == null && i >= count / 2) {
          halfReading = CpuReading.now(child.pid());
        }
        long seq = MEASURED + i;
        EventGenerator.Event e = events.next(seq, Instant.now());
        run.unseen.get(e.kind()).add(seq);
        run.parquetUnseen.add(seq);
        run.sentMs[i] = System.currentTimeMillis();
        send(kafka, topics.get(e.kind()), e, refused);
        producedBytes += e.value().getBytes(StandardCharsets.UTF_8).length;
        run.produced.incrementAndGet();
        long elapsedMs = System.currentTimeMillis() - productionStartMs;
        if (elapsedMs >= nextSample) {
          lag.add(new long[] {elapsedMs, run.produced.get(), run.chSeen.get(), run.pqSeen.get()});
          nextSample += 1000;
        }
        if (elapsedMs >= nextProgress * 1000) {
          Bench.progress(
              "streaming %d/s: %,d sent, %,d in ClickHouse, %,d in finished files, lag %,d",
              rate,
              run.produced.get(),
              run.chSeen.get(),
              run.pqSeen.get(),
              run.produced.get() - run.chSeen.get());
          nextProgress += 10;
        }
        if (!child.isAlive()) {
          break;
        }
      }
      kafka.flush();
      loadCpuAtEnd = load.cpuSeconds();
      endReading = CpuReading.now(child.pid());
      if (refused.get() > 0) {
        Bench.progress("streaming %d/s: Kafka refused %,d sends", rate, refused.get());
      }
      productionEndMs = System.currentTimeMillis();
      // 3. Drain: until every event is seen, or the limit.
      drainLimitMs =
          Math.max(60, config.windowSeconds() + config.maxOutOfOrdernessSeconds() + 60) * 1000L;
      long nextDrainProgress = 10_000;
      while (child.isAlive()
          && System.currentTimeMillis() - productionEndMs < drainLimitMs
          && (run.chSeen.get() < count || run.pqSeen.get() < count)) {
        Thread.sleep(250);
        long elapsedMs = System.currentTimeMillis() - productionStartMs;
        if (elapsedMs >= nextSample) {
          lag.add(new long[] {elapsedMs, run.produced.get(), run.chSeen.get(), run.pqSeen.get()});
          nextSample += 1000;
        }
        if (System.currentTimeMillis() - productionEndMs >= nextDrainProgress) {
          Bench.progress(
              "streaming %d/s: draining, %,d of %,d in ClickHouse, %,d in finished files",
              rate, run.chSeen.get(), count, run.pqSeen.get());
          nextDrainProgress += 10_000;
        }
      }
      drainTimedOut =
          child.isAlive() && System.currentTimeMillis() - productionEndMs >= drainLimitMs;
      long lastCh = 0;
      for (long t : run.clickhouseMs) {
        lastCh = Math.max(lastCh, t);
      }
      drain =
          run.chSeen.get() == count ? Math.max(0, lastCh - productionEndMs) / 1000.0 : Double.NaN;
    } finally {
      run.stop.set(true);
      result = child.stop();
      poller.join(5000);
      watcher.join(5000);
    }
    // Results.
    List<Double> chF = new ArrayList<>();
    List<Double> pqF = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      if (run.clickhouseMs[i] > 0) {
        chF.add((run.clickhouseMs[i] - run.sentMs[i]) / 1000.0);
      }
      if (run.parquetMs[i] > 0) {
        pqF.add((run.parquetMs[i] - run.sentMs[i]) / 1000.0);
      }
    }
    double[] ch5 = quantiles(chF);
    double[] pq5 = quantiles(pqF);
    long lost = count - run.chSeen.get();
    long lostPq = count - run.pqSeen.get();
    double sentPerSecond =
        run.produced.get() / Math.max(0.001, (productionEndMs - productionStartMs) / 1000.0);
    // Sustained: rows that became visible during the second half of the offered period, per second.
    long half = productionStartMs + (productionEndMs - productionStartMs) / 2;
    long visibleInSecondHalf = 0;
    for (int i = 0; i < count; i++) {
      if (run.clickhouseMs[i] >= half && run.clickhouseMs[i] <= productionEndMs) {
        visibleInSecondHalf++;
      }
    }
    double sustained = visibleInSecondHalf / Math.max(0.001, (productionEndMs - half) / 1000.0);
    double throughput = throughputPerSecond(ch, database, half, productionEndMs);
    long maxLag = 0;
    for (long[] s : lag) {
      if (s[0] <= productionEndMs - productionStartMs) {
        maxLag = Math.max(maxLag, s[1] - s[2]);
      }
    }
    double slope =
        lagSlope(
            lag, (productionEndMs - productionStartMs) / 2, productionEndMs - productionStartMs);
    boolean growing = slope > Math.max(5, 0.02 * rate);
    String trouble = logTrouble(child.log());
    // A stall: rows stopped arriving in ClickHouse long before the end while some were missing.
    long lastIncreaseMs = 0;
    long lastEndMs = lag.isEmpty() ? 0 : lag.get(lag.size() - 1)[0];
    for (int i = 1; i < lag.size(); i++) {
      if (lag.get(i)[2] > lag.get(i - 1)[2]) {
        lastIncreaseMs = lag.get(i)[0];
      }
    }
    if (lost > 0 && lastEndMs - lastIncreaseMs > 30_000) {
      trouble =
          (trouble.isEmpty() ? "" : trouble + ", ")
              + String.format(
                  "STALLED: no new row in ClickHouse for the last %.0f s",
                  (lastEndMs - lastIncreaseMs) / 1000.0);
    }
    ok = result.exitCode() != -1 && lost == 0 && chF.size() == count;
    // A job far behind its backlog may still be writing when the drain's time is up: rows missing
    // then are late, not lost, and the report must not call them lost.
    boolean stillArriving =
        lost > 0 && drainTimedOut && lastIncreaseMs > 0 && lastEndMs - lastIncreaseMs <= 30_000;
    check =
        String.format(
            "%s%s%s%s",
            lost == 0
                ? "all in ClickHouse"
                : stillArriving
                    ? String.format(
                        "%d not yet in ClickHouse when the drain's %d s ran out (still arriving)",
                        lost, drainLimitMs / 1000)
                    : lost + " never in ClickHouse",
            lostPq == 0
                ? ", all in finished files"
                : ", " + lostPq + " not in finished files by the end",
            run.pollError != null
                ? " (" + run.pollErrors.get() + " failed polls, last: " + run.pollError + ")"
                : "",
            trouble.isEmpty() ? "" : "; " + trouble);
    Results.CoresUsed coresUsed = CpuReading.between(halfReading, endReading);
    Bench.progress(
        "streaming %d/s%s: sent %.0f/s, sustained %.0f/s (the job: %.0f/s); ClickHouse freshness p50 %.2f s p95 %.2f s p99 %.2f s; Parquet p50 %.1f s p95 %.1f s; max lag %,d, lag slope %.1f/s (%s); RSS %s MB, heap %s MB; %s",
        rate,
        load.processCount() > 0 ? " (loaded)" : "",
        sentPerSecond,
        sustained,
        throughput,
        ch5[0],
        ch5[1],
        ch5[2],
        pq5[0],
        pq5[1],
        maxLag,
        slope,
        growing ? "GROWING" : "flat",
        Bench.mb(result.rss()),
        Bench.mb(result.peakHeapBytes()),
        check);
    if (coresUsed != null) {
      Bench.progress(
          "streaming %d/s%s: the second half, %s",
          rate, load.processCount() > 0 ? " (loaded)" : "", coresUsed.describe(throughput));
    }
    // Clean up.
    Services.deleteTopics(config, topics.values());
    if (!config.keep()) {
      try {
        LocalServices.dropWarehouse(ch, database);
      } catch (RuntimeException e) {
        Bench.progress("cleanup: could not drop %s: %s", database, e.getMessage());
      }
      InputFiles.deleteTree(lake);
    }
    return new Results.StreamRun(
        rate,
        config.cores(),
        config.durationSeconds(),
        run.produced.get(),
        producedBytes,
        startup,
        sentPerSecond,
        sustained,
        throughput,
        run.chSeen.get(),
        ch5,
        run.pqSeen.get(),
        pq5,
        lost,
        lostPq,
        maxLag,
        slope,
        growing,
        drain,
        lag,
        result.rss(),
        result.peakHeapBytes(),
        result.peakLiveBytes(),
        result.exitCode(),
        ok,
        check,
        config.out().relativize(child.log()).toString(),
        load.processCount(),
        load.processCount() == 0
            ? 0
            : (loadCpuAtEnd - loadCpuAtStart)
                / Math.max(0.001, (productionEndMs - productionStartMs) / 1000.0),
        coresUsed,
        catchUp);
  }

  /**
   * Produces at {@code rate} for {@code --warmup} seconds, then on until the job has caught up (it
   * is at most {@link #CAUGHT_UP_MS} behind the producer), has stopped gaining on it ({@link
   * #gaining}), or for {@code --catch-up} seconds more. Null with {@code --catch-up 0}: the
   * measured period starts right after the warm-up, whatever it left behind.
   */
  private Results.CatchUp warmUp(
      Run run,
      ClickHouseClient ch,
      KafkaProducer<String, String> kafka,
      Map<RecordKind, String> topics,
      EventPool events,
      ChildJvm child,
      int rate,
      AtomicLong refused)
      throws InterruptedException {
    long warmupCount = (long) rate * config.warmupSeconds();
    long limit = warmupCount + (long) rate * config.catchUpSeconds();
    long[] sentMs = new long[(int) limit];
    List<long[]> behind = new ArrayList<>(); // {ms since the catch-up began, ms behind}
    long warmupStart = System.nanoTime();
    long catchUpStart = 0;
    int i = 0;
    boolean caughtUp = false;
    for (; i < limit && child.isAlive(); i++) {
      if (i >= warmupCount && (i - warmupCount) % rate == 0) {
        // Once a second of the catch-up: how far behind the producer the job is.
        long now = System.currentTimeMillis();
        catchUpStart = catchUpStart == 0 ? now : catchUpStart;
        long ms = behindMs(run, ch, sentMs, i, now);
        behind.add(new long[] {now - catchUpStart, ms});
        if (ms <= CAUGHT_UP_MS) {
          caughtUp = true;
          break;
        }
        if (!gaining(behind)) {
          break;
        }
      }
      waitForTurn(warmupStart, i, rate);
      EventGenerator.Event e = events.next(WARMUP_AT_RATE + i, Instant.now());
      sentMs[i] = System.currentTimeMillis();
      send(kafka, topics.get(e.kind()), e, refused);
    }
    if (config.catchUpSeconds() == 0) {
      Bench.progress(
          "streaming %d/s: warmed up for %d s at the offered rate; measuring now",
          rate, config.warmupSeconds());
      return null;
    }
    double extra = Math.max(0, i - warmupCount) / (double) rate;
    double behindSeconds = behind.isEmpty() ? 0 : behind.get(behind.size() - 1)[1] / 1000.0;
    Bench.progress(
        caughtUp
            ? "streaming %d/s: warmed up for %d s at the offered rate, and %.0f s more until the job"
                + " caught up (%.1f s behind the producer); measuring now"
            : "streaming %d/s: warmed up for %d s at the offered rate, and %.0f s more without the"
                + " job catching up (%.1f s behind the producer%s); measuring now, behind that"
                + " backlog",
        rate,
        config.warmupSeconds(),
        extra,
        behindSeconds,
        !child.isAlive()
            ? ", the pipeline exited"
            : i >= limit ? ", --catch-up ran out" : ", gaining less than 1 s in 30 s");
    return new Results.CatchUp(extra, caughtUp, behindSeconds);
  }

  /**
   * How far behind the producer the job is at {@code now}: the time since the newest warm-up event
   * it has put into ClickHouse was sent, for the kind furthest behind (the time since the warm-up's
   * first event when a kind shows none yet). {@code sentMs} holds the send times of the warm-up
   * events at the offered rate, {@code sent} of them so far.
   */
  private long behindMs(Run run, ClickHouseClient ch, long[] sentMs, int sent, long now) {
    StringBuilder sql = new StringBuilder("SELECT k, max(i) FROM (SELECT '' AS k, '' AS i");
    for (RecordKind kind : RecordKinds.builtIn().all()) {
      appendIdRange(
          sql,
          run,
          kind,
          firstOfKind(kind, WARMUP_AT_RATE),
          firstOfKind(kind, WARMUP_AT_RATE + sent) - RecordKinds.builtIn().all().size());
    }
    sql.append(") GROUP BY k FORMAT TabSeparated");
    long oldestNewest = Long.MAX_VALUE;
    int kinds = 0;
    try {
      for (String line : ch.execute(sql.toString()).split("\n")) {
        int tab = line.indexOf('\t');
        if (tab <= 0 || tab == line.length() - 1) {
          continue;
        }
        RecordKind kind = RecordKinds.builtIn().byName(line.substring(0, tab));
        long index = run.seq(kind, line.substring(tab + 1)) - WARMUP_AT_RATE;
        if (index >= 0 && index < sent) {
          oldestNewest = Math.min(oldestNewest, sentMs[(int) index]);
          kinds++;
        }
      }
    } catch (RuntimeException e) {
      Bench.progress("could not ask ClickHouse how far behind the job is: %s", e.getMessage());
    }
    if (kinds < RecordKinds.builtIn().all().size()) {
      return now - sentMs[0];
    }
    return now - oldestNewest;
  }

  /** The first event number from {@code from} on that is of {@code kind}. */
  private static long firstOfKind(RecordKind kind, long from) {
    long n = from;
    while (EventGenerator.kindOf(n) != kind) {
      n++;
    }
    return n;
  }

  /**
   * Whether a job still gains on the producer: given how far behind it was at moments of the
   * catch-up ({ms since it began, ms behind}, in order), whether it is at least {@link
   * #MIN_GAIN_MS} less behind than {@link #GAIN_WINDOW_MS} before (true until the catch-up has run
   * that long).
   */
  static boolean gaining(List<long[]> behind) {
    long[] last = behind.get(behind.size() - 1);
    if (last[0] < GAIN_WINDOW_MS) {
      return true;
    }
    long[] before = behind.get(0);
    for (long[] b : behind) {
      if (b[0] <= last[0] - GAIN_WINDOW_MS) {
        before = b;
      }
    }
    return before[1] - last[1] >= MIN_GAIN_MS;
  }

  /**
   * The CPU seconds so far of the pipeline JVM's threads, of the benchmark's own JVM and of the
   * local services, at one moment: two of them say where a stream's cores went in between.
   */
  private record CpuReading(
      long nanos,
      Map<Long, ProcessCpu.ThreadReading> pipeline,
      double benchmark,
      Map<String, ProcessCpu.Reading> services) {

    static CpuReading now(long pipelinePid) {
      return new CpuReading(
          System.nanoTime(),
          ProcessCpu.threads(pipelinePid),
          ProcessCpu.seconds(ProcessHandle.current().pid()),
          ProcessCpu.services());
    }

    /** What was used from {@code before} to this reading; null when either is missing. */
    static Results.CoresUsed between(CpuReading before, CpuReading after) {
      if (before == null || after == null || after.pipeline.isEmpty()) {
        return null;
      }
      return new Results.CoresUsed(
          (after.nanos - before.nanos) / 1e9,
          ProcessCpu.usedByKind(before.pipeline, after.pipeline),
          after.benchmark - before.benchmark,
          ProcessCpu.used(before.services, after.services));
    }
  }

  private static final java.util.regex.Pattern ATTEMPT =
      java.util.regex.Pattern.compile("\\(\\d+/\\d+\\)#(\\d+)");

  /** Failed checkpoints and task restarts the pipeline's log shows, if any. */
  static String logTrouble(Path log) {
    long failedCheckpoints = 0;
    int attempts = 0;
    String cause = null;
    try (Stream<String> lines = Files.lines(log, StandardCharsets.UTF_8)) {
      for (String line : (Iterable<String>) lines::iterator) {
        if (line.contains("Could not materialize checkpoint")
            || line.contains("Checkpoint") && line.contains("declined")) {
          failedCheckpoints++;
        }
        if (cause == null
            && line.contains("larger than the maximum permitted memory-backed state")) {
          cause = "state larger than the memory-backed checkpoint storage allows";
        }
        java.util.regex.Matcher m = ATTEMPT.matcher(line);
        while (m.find()) {
          attempts = Math.max(attempts, Integer.parseInt(m.group(1)));
        }
      }
    } catch (IOException | java.io.UncheckedIOException e) {
      return "";
    }
    List<String> out = new ArrayList<>();
    if (failedCheckpoints > 0) {
      out.add(
          failedCheckpoints + " failed checkpoints" + (cause != null ? " (" + cause + ")" : ""));
    }
    if (attempts > 0) {
      out.add("tasks restarted (attempt #" + attempts + " seen)");
    }
    return String.join(", ", out);
  }

  private List<String> jvmArgs() {
    List<String> out = new ArrayList<>();
    for (String a : config.clickhouseJvmArgs().trim().split("\\s+")) {
      if (!a.isEmpty()) {
        out.add(a);
      }
    }
    return out;
  }

  /** p50, p95, p99, max. */
  private static double[] quantiles(List<Double> values) {
    double[] s = Bench.sorted(values);
    return new double[] {
      Bench.percentile(s, 0.50),
      Bench.percentile(s, 0.95),
      Bench.percentile(s, 0.99),
      s.length == 0 ? Double.NaN : s[s.length - 1]
    };
  }

  /**
   * Records of every kind, the warm-up's backlog included, that reached ClickHouse per second
   * between two times (ms): what the job did, where the sustained rate counts only the measured
   * events. Reading in the order produced, a job with a backlog works through older records first,
   * so the measured ones wait and the sustained rate says little of its speed. Counted by the
   * primary tables' {@code _inserted_at} (the server's whole seconds, so over whole seconds inside
   * the span); NaN when the span is under 2 s or the count fails.
   */
  private static double throughputPerSecond(
      ClickHouseClient ch, String database, long fromMs, long toMs) {
    long from = (fromMs + 999) / 1000;
    long to = toMs / 1000;
    if (to - from < 2) {
      return Double.NaN;
    }
    StringBuilder sql = new StringBuilder("SELECT sum(c) FROM (");
    String union = "";
    for (PrimaryTables.Primary p : PrimaryTables.BY_KIND.values()) {
      sql.append(union)
          .append("SELECT count() AS c FROM `")
          .append(database)
          .append("`.`")
          .append(p.table())
          .append("` WHERE `")
          .append(WarehouseTables.INSERTED_AT)
          .append("` >= toDateTime(")
          .append(from)
          .append(") AND `")
          .append(WarehouseTables.INSERTED_AT)
          .append("` < toDateTime(")
          .append(to)
          .append(") AND ")
          .append(PrimaryTables.inputRowsWhere(p.table()));
      union = " UNION ALL ";
    }
    sql.append(") FORMAT TabSeparated");
    try {
      return Long.parseLong(ch.execute(sql.toString()).trim()) / (double) (to - from);
    } catch (RuntimeException e) {
      Bench.progress("could not count the job's rows in ClickHouse: %s", e.getMessage());
      return Double.NaN;
    }
  }

  /** Least-squares slope (records per second) of the ClickHouse lag between two times (ms). */
  private static double lagSlope(List<long[]> lag, long fromMs, long toMs) {
    double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (long[] s : lag) {
      if (s[0] < fromMs || s[0] > toMs) {
        continue;
      }
      double x = s[0] / 1000.0;
      double y = s[1] - s[2];
      n++;
      sx += x;
      sy += y;
      sxx += x * x;
      sxy += x * y;
    }
    if (n < 3) {
      return Double.NaN;
    }
    return (n * sxy - sx * sy) / (n * sxx - sx * sx);
  }

  // ---------------------------------------------------------------------------- ClickHouse --

  private void poll(Run run, ClickHouseClient ch) {
    long nextStuckCheck = System.currentTimeMillis() + STUCK_POLL_MS;
    // The server's clock at the previous poll: rows inserted since then (less a margin) are new.
    // Polling "every id from the oldest unseen one" alone returned every row inserted since that
    // id, again and again, so what each poll sent back grew with the lag.
    String since = null;
    while (!run.stop.get()) {
      long started = System.currentTimeMillis();
      try {
        StringBuilder sql = new StringBuilder("SELECT '' AS k, toString(now()) AS i");
        for (RecordKind kind : RecordKinds.builtIn().all()) {
          ConcurrentSkipListSet<Long> unseen = run.unseen.get(kind);
          // Events missing for long are looked up by id, not kept as the start of the range.
          Long low;
          while ((low = unseen.isEmpty() ? null : unseen.first()) != null
              && isStuck(run, low, started)) {
            unseen.remove(low);
            run.stuck.get(kind).add(low);
          }
          if (low == null) {
            continue;
          }
          appendInsertedSince(sql, run, kind, low, since);
        }
        if (started >= nextStuckCheck) {
          // Every stuck id is looked up, by ranges over runs of STUCK_CHUNK consecutive stuck ids
          // (rows of other events inside a range are filtered out here). A cap on how many are
          // checked would make a late burst look later than it is; one range over all of them
          // would return every row in between when a kind's partitions drift apart.
          for (RecordKind kind : RecordKinds.builtIn().all()) {
            List<Long> stuck = new ArrayList<>(run.stuck.get(kind));
            for (int from = 0; from < stuck.size(); from += STUCK_CHUNK) {
              appendIdRange(
                  sql,
                  run,
                  kind,
                  stuck.get(from),
                  stuck.get(Math.min(stuck.size(), from + STUCK_CHUNK) - 1));
            }
          }
          nextStuckCheck = started + STUCK_POLL_MS;
        }
        String body = ch.execute(sql + " FORMAT TabSeparated");
        for (String line : body.split("\n")) {
          int tab = line.indexOf('\t');
          if (tab < 0) {
            continue;
          }
          if (tab == 0) {
            since = line.substring(1);
            continue;
          }
          RecordKind kind = RecordKinds.builtIn().byName(line.substring(0, tab));
          try {
            run.seenInClickHouse(kind, run.seq(kind, line.substring(tab + 1)), started);
          } catch (RuntimeException e) {
            // an id of another run
          }
        }
      } catch (RuntimeException e) {
        // Until the pipeline's first row is in ClickHouse, its database and tables may not exist
        // yet and queries fail: not an error of the run. (A poll with no table to ask may
        // succeed before that, so a success alone does not say the tables are there.)
        if (run.firstWarmupSeenMs.get() != 0) {
          run.pollErrors.incrementAndGet();
          run.pollError =
              e.getMessage() == null
                  ? e.toString()
                  : e.getMessage().substring(0, Math.min(200, e.getMessage().length()));
        }
      }
      long sleep = POLL_MS - (System.currentTimeMillis() - started);
      if (sleep > 0) {
        try {
          Thread.sleep(sleep);
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }

  /**
   * Sleeps until event {@code i} of a steady {@code rate} per second started at {@code startNanos}
   * is due.
   */
  private static void waitForTurn(long startNanos, long i, int rate) throws InterruptedException {
    long wait = startNanos + (long) (i * 1e9 / rate) - System.nanoTime();
    if (wait > 0) {
      Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
    }
  }

  /**
   * Seconds of rows each poll reads again: {@code _inserted_at} is whole seconds, taken when the
   * server writes an insert's block, and an insert becomes visible a moment later. A row that
   * became visible later than this after its stamp is found by the stuck-id lookup after {@link
   * #STUCK_MS}, so it can only make the figures look worse.
   */
  private static final int REREAD_SECONDS = 2;

  /**
   * Adds to the poll a query for the kind's primary ids from event {@code first} on that the server
   * wrote since {@code since} (its clock at the previous poll; null: since the start).
   */
  private static void appendInsertedSince(
      StringBuilder sql, Run run, RecordKind kind, long first, String since) {
    appendIdRange(sql, run, kind, first, null);
    if (since != null) {
      sql.append(" AND `")
          .append(WarehouseTables.INSERTED_AT)
          .append("` >= toDateTime('")
          .append(since)
          .append("') - ")
          .append(REREAD_SECONDS);
    }
  }

  /**
   * Adds to the poll a query for the kind's primary ids from event {@code first} to {@code last}
   * (null: no end).
   */
  private static void appendIdRange(
      StringBuilder sql, Run run, RecordKind kind, long first, Long last) {
    PrimaryTables.Primary p = PrimaryTables.BY_KIND.get(kind);
    sql.append(" UNION ALL ")
        .append("SELECT '")
        .append(kind.name())
        .append("' AS k, `")
        .append(p.idColumn())
        .append("` AS i FROM `")
        .append(run.database)
        .append("`.`")
        .append(p.table())
        .append("` WHERE i >= '")
        .append(run.id(first))
        .append("' AND ")
        .append(PrimaryTables.inputRowsWhere(p.table()));
    if (last != null) {
      sql.append(" AND i <= '").append(run.id(last)).append('\'');
    }
  }

  private static boolean isStuck(Run run, long seq, long now) {
    if (seq >= MEASURED) {
      long sent = run.sentMs[(int) (seq - MEASURED)];
      return sent > 0 && now - sent > STUCK_MS;
    }
    Long sent = run.warmupSent.get(seq);
    return sent != null && now - sent > STUCK_MS;
  }

  // ------------------------------------------------------------------------------- Parquet --

  private void watchFiles(Run run) {
    Map<String, Schema> projections = new java.util.HashMap<>();
    for (PrimaryTables.Primary p : PrimaryTables.BY_KIND.values()) {
      Schema full = LakeTables.byName(p.table()).avroSchema();
      Schema.Field f = full.getField(p.idColumn());
      Schema projection =
          Schema.createRecord(
              full.getName(),
              null,
              full.getNamespace(),
              false,
              List.of(new Schema.Field(f.name(), f.schema(), null, f.defaultVal())));
      projections.put(p.table(), projection);
    }
    while (!run.stop.get()) {
      long now = System.currentTimeMillis();
      for (Map.Entry<RecordKind, PrimaryTables.Primary> e : PrimaryTables.BY_KIND.entrySet()) {
        Path dir = run.lake.resolve(e.getValue().table());
        if (!Files.isDirectory(dir)) {
          continue;
        }
        List<Path> found;
        try (Stream<Path> walk = Files.walk(dir)) {
          found =
              walk.filter(
                      p -> p.getFileName().toString().endsWith(".parquet") && !hidden(run.lake, p))
                  .toList();
        } catch (IOException | java.io.UncheckedIOException ex) {
          continue;
        }
        for (Path file : found) {
          if (run.files.add(file)) {
            readIds(
                run,
                e.getKey(),
                file,
                projections.get(e.getValue().table()),
                e.getValue().idColumn(),
                now);
          }
        }
      }
      try {
        Thread.sleep(FILE_POLL_MS);
      } catch (InterruptedException ex) {
        return;
      }
    }
  }

  private static boolean hidden(Path lake, Path file) {
    for (Path part : lake.relativize(file)) {
      if (part.toString().startsWith(".")) {
        return true;
      }
    }
    return false;
  }

  private static final Map<Schema, Configuration> READ_CONFIGURATIONS = new ConcurrentHashMap<>();

  private static void readIds(
      Run run, RecordKind kind, Path file, Schema projection, String idColumn, long seenMs) {
    // One configuration per projection: a new one per file parsed Hadoop's defaults again, which
    // was a third of the benchmark JVM's CPU, taken from the pipeline it measures.
    Configuration conf =
        READ_CONFIGURATIONS.computeIfAbsent(
            projection,
            p -> {
              Configuration c = new Configuration();
              AvroReadSupport.setRequestedProjection(c, p);
              return c;
            });
    try (ParquetReader<GenericRecord> reader =
        AvroParquetReader.<GenericRecord>builder(new LocalInputFile(file)).withConf(conf).build()) {
      GenericRecord r;
      while ((r = reader.read()) != null) {
        Object id = r.get(idColumn);
        if (id == null) {
          continue;
        }
        long seq;
        try {
          seq = run.seq(kind, id.toString());
        } catch (RuntimeException e) {
          continue;
        }
        if (seq >= MEASURED && seq < MEASURED + run.count) {
          int i = (int) (seq - MEASURED);
          if (run.parquetMs[i] == 0) {
            run.parquetMs[i] = seenMs;
            run.pqSeen.incrementAndGet();
            run.parquetUnseen.remove(seq);
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      run.files.remove(file); // retry on the next pass
    }
  }

  /**
   * Sends one event; a send Kafka refuses is counted and reported, so that it is not taken for an
   * event the pipeline lost.
   */
  private static void send(
      KafkaProducer<String, String> kafka,
      String topic,
      EventGenerator.Event e,
      AtomicLong refused) {
    var unused =
        kafka.send(
            new ProducerRecord<>(topic, e.key(), e.value()),
            (metadata, error) -> {
              if (error != null) {
                refused.incrementAndGet();
              }
            });
  }
}
