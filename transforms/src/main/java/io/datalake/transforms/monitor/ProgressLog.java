package io.datalake.transforms.monitor;

import io.datalake.transforms.kinds.RecordKind;
import io.datalake.transforms.kinds.RecordKinds;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What this worker JVM has done, logged every few seconds: records per kind per second (in, out,
 * dead-lettered, late rows), the event-time watermark of the Kafka partitions it reads and their
 * backlog per topic. Beam's metrics are the durable, job-wide figures; they are only readable from
 * outside a running job on some runners, so each worker also says in its own log how it is doing.
 *
 * <p>One tally per JVM, shared by every DoFn instance in it, so the line covers all its subtasks.
 */
public final class ProgressLog {
  private static final Logger LOG = LoggerFactory.getLogger(ProgressLog.class);

  private static final Tally IN = new Tally();
  private static final Tally OUT = new Tally();
  private static final Tally DEAD = new Tally();
  private static final Tally LATE = new Tally();

  /** topic/partition to its latest watermark and backlog. */
  private static final Map<String, PartitionState> PARTITIONS = new ConcurrentHashMap<>();

  private static final AtomicLong STARTED_INTERVAL = new AtomicLong();

  private ProgressLog() {}

  public static void recordIn(RecordKind kind) {
    IN.add(kind);
  }

  public static void recordOut(RecordKind kind) {
    OUT.add(kind);
  }

  public static void deadLettered(RecordKind kind) {
    DEAD.add(kind);
  }

  public static void lateRow(RecordKind kind) {
    LATE.add(kind);
  }

  /** The Kafka source's view of one partition: its watermark and how many records lie ahead. */
  public static void partition(
      String topic, int partition, long watermarkMillis, long backlogRecords) {
    PARTITIONS.put(
        topic + "/" + partition, new PartitionState(topic, watermarkMillis, backlogRecords));
  }

  /** Starts the reporting thread of this JVM once; later calls do nothing. 0 or less: no lines. */
  public static void start(int intervalSeconds) {
    if (intervalSeconds <= 0 || !STARTED_INTERVAL.compareAndSet(0, intervalSeconds)) {
      return;
    }
    Thread reporter = new Thread(() -> report(intervalSeconds), "datalake-progress");
    reporter.setDaemon(true);
    reporter.start();
  }

  private static void report(int intervalSeconds) {
    Map<RecordKind, Long> lastIn = IN.snapshot();
    Map<RecordKind, Long> lastOut = OUT.snapshot();
    Map<RecordKind, Long> lastDead = DEAD.snapshot();
    Map<RecordKind, Long> lastLate = LATE.snapshot();
    long last = System.nanoTime();
    while (true) {
      try {
        Thread.sleep(intervalSeconds * 1000L);
      } catch (InterruptedException e) {
        return;
      }
      long now = System.nanoTime();
      double seconds = Math.max(0.001, (now - last) / 1e9);
      Map<RecordKind, Long> in = IN.snapshot();
      Map<RecordKind, Long> out = OUT.snapshot();
      Map<RecordKind, Long> dead = DEAD.snapshot();
      Map<RecordKind, Long> late = LATE.snapshot();
      LOG.info(
          "progress: in {}/s{}, out {}/s, dead-lettered {}/s, late rows {}/s;{} totals in={} out={} dead-lettered={} late rows={}",
          rate(in, lastIn, seconds),
          perKind(in, lastIn, seconds),
          rate(out, lastOut, seconds),
          rate(dead, lastDead, seconds),
          rate(late, lastLate, seconds),
          kafka(),
          total(in),
          total(out),
          total(dead),
          total(late));
      lastIn = in;
      lastOut = out;
      lastDead = dead;
      lastLate = late;
      last = now;
    }
  }

  private static String kafka() {
    if (PARTITIONS.isEmpty()) {
      return "";
    }
    long watermark = Long.MAX_VALUE;
    Map<String, Long> backlog = new TreeMap<>();
    for (PartitionState state : PARTITIONS.values()) {
      watermark = Math.min(watermark, state.watermarkMillis());
      long records = state.backlogRecords();
      backlog.merge(
          state.topic(), records < 0 ? -1 : records, (a, b) -> a < 0 || b < 0 ? -1 : a + b);
    }
    StringJoiner topics = new StringJoiner(", ");
    backlog.forEach((topic, records) -> topics.add(topic + "=" + (records < 0 ? "?" : records)));
    String mark;
    if (watermark < -9_000_000_000_000L) {
      mark = "none yet";
    } else {
      Instant at = Instant.ofEpochMilli(watermark).truncatedTo(ChronoUnit.SECONDS);
      mark =
          at
              + " ("
              + Math.max(0, (System.currentTimeMillis() - watermark) / 1000)
              + " s behind the clock)";
    }
    return " watermark " + mark + "; backlog " + topics + ";";
  }

  private static long total(Map<RecordKind, Long> counts) {
    return counts.values().stream().mapToLong(Long::longValue).sum();
  }

  private static String rate(
      Map<RecordKind, Long> now, Map<RecordKind, Long> before, double seconds) {
    return format((total(now) - total(before)) / seconds);
  }

  private static String perKind(
      Map<RecordKind, Long> now, Map<RecordKind, Long> before, double seconds) {
    StringJoiner kinds = new StringJoiner(", ", " [", "]");
    kinds.setEmptyValue("");
    for (RecordKind kind : now.keySet()) {
      long delta = now.getOrDefault(kind, 0L) - before.getOrDefault(kind, 0L);
      if (delta > 0) {
        kinds.add(kind.name() + " " + format(delta / seconds));
      }
    }
    return kinds.toString();
  }

  private static String format(double perSecond) {
    return perSecond >= 10 || perSecond == 0
        ? String.valueOf(Math.round(perSecond))
        : String.format("%.1f", perSecond);
  }

  private record PartitionState(String topic, long watermarkMillis, long backlogRecords) {}

  /** A count per kind that many threads add to. */
  private static final class Tally {
    private final Map<RecordKind, LongAdder> counts = new ConcurrentHashMap<>();

    void add(RecordKind kind) {
      counts.computeIfAbsent(kind, k -> new LongAdder()).increment();
    }

    /** The counts, the built-in kinds first in their order, then any others by name. */
    Map<RecordKind, Long> snapshot() {
      Map<RecordKind, Long> snapshot = new LinkedHashMap<>();
      for (RecordKind kind : RecordKinds.builtIn().all()) {
        LongAdder adder = counts.get(kind);
        snapshot.put(kind, adder == null ? 0L : adder.sum());
      }
      counts.keySet().stream()
          .filter(k -> !snapshot.containsKey(k))
          .sorted(Comparator.comparing(RecordKind::name))
          .forEach(k -> snapshot.put(k, counts.get(k).sum()));
      return snapshot;
    }
  }
}
