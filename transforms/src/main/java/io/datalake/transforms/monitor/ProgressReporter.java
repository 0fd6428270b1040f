package io.datalake.transforms.monitor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The progress line of one DoFn instance, logged every few seconds while it lives: per series
 * (records in, out, dead-lettered; late rows) the rate since the last line, the first series also
 * per label (kind), then the totals. The figures are the increments of this instance's {@link
 * PipelineMetrics.Counters}: the Beam metrics are the job-wide figures, but a worker cannot read
 * them back, and they are readable from outside a running job only on some runners, so each
 * instance says in its worker's log how it is doing.
 *
 * <p>Owned by its DoFn: made and {@link #start started} in {@code @Setup}, {@link #stop stopped} in
 * {@code @Teardown}. Nothing is shared between instances or kept after them.
 */
public final class ProgressReporter {
  private static final Logger LOG = LoggerFactory.getLogger(ProgressReporter.class);

  private final Map<String, Series> series = new LinkedHashMap<>();
  private ScheduledExecutorService timer;
  private Snapshot last;
  private long lastNanos;

  /** A reporter whose line shows these series, in this order (e.g. "in", "out"). */
  public static ProgressReporter of(String... seriesNames) {
    ProgressReporter reporter = new ProgressReporter();
    for (String name : seriesNames) {
      reporter.series.put(name, new Series());
    }
    return reporter;
  }

  private ProgressReporter() {}

  /** The series of this name; {@link PipelineMetrics.Counters#reportingTo} feeds it. */
  public Series series(String name) {
    Series s = series.get(name);
    if (s == null) {
      throw new IllegalArgumentException("no progress series " + name + " in " + series.keySet());
    }
    return s;
  }

  /** Logs a line every {@code seconds}, from a daemon thread of this instance; 0 or less: never. */
  public synchronized void start(int seconds) {
    if (seconds <= 0 || timer != null) {
      return;
    }
    last = snapshot();
    lastNanos = System.nanoTime();
    timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread thread = new Thread(r, "datalake-progress");
              thread.setDaemon(true);
              return thread;
            });
    // Nothing waits on the task: stop() shuts the timer down, and report() logs, never throws.
    var unused = timer.scheduleAtFixedRate(this::report, seconds, seconds, TimeUnit.SECONDS);
  }

  /** Stops the line; the instance is being torn down. */
  public synchronized void stop() {
    if (timer != null) {
      timer.shutdownNow();
      timer = null;
    }
  }

  private synchronized void report() {
    long now = System.nanoTime();
    Snapshot current = snapshot();
    LOG.info(line(current, last, Math.max(0.001, (now - lastNanos) / 1e9)));
    last = current;
    lastNanos = now;
  }

  /** The counts of every series now. */
  public Snapshot snapshot() {
    Map<String, Map<String, Long>> counts = new LinkedHashMap<>();
    series.forEach((name, s) -> counts.put(name, s.snapshot()));
    return new Snapshot(counts);
  }

  /**
   * The line for the change from {@code before} to {@code now} over {@code seconds}, e.g. {@code
   * progress: in 62/s [journey-events 62], out 62/s, dead-lettered 0.4/s; totals in=312 out=310
   * dead-lettered=2}.
   */
  public static String line(Snapshot now, Snapshot before, double seconds) {
    List<String> rates = new ArrayList<>();
    StringJoiner totals = new StringJoiner(" ");
    boolean first = true;
    for (Map.Entry<String, Map<String, Long>> e : now.counts().entrySet()) {
      Map<String, Long> previous = before.counts().getOrDefault(e.getKey(), Map.of());
      String rate = e.getKey() + " " + format((total(e.getValue()) - total(previous)) / seconds);
      rates.add(rate + "/s" + (first ? perLabel(e.getValue(), previous, seconds) : ""));
      totals.add(e.getKey() + "=" + total(e.getValue()));
      first = false;
    }
    return "progress: " + String.join(", ", rates) + "; totals " + totals;
  }

  private static String perLabel(Map<String, Long> now, Map<String, Long> before, double seconds) {
    StringJoiner labels = new StringJoiner(", ", " [", "]");
    labels.setEmptyValue("");
    now.forEach(
        (label, count) -> {
          long delta = count - before.getOrDefault(label, 0L);
          if (delta > 0) {
            labels.add(label + " " + format(delta / seconds));
          }
        });
    return labels.toString();
  }

  private static long total(Map<String, Long> counts) {
    return counts.values().stream().mapToLong(Long::longValue).sum();
  }

  private static String format(double perSecond) {
    return perSecond >= 10 || perSecond == 0
        ? String.valueOf(Math.round(perSecond))
        : String.format("%.1f", perSecond);
  }

  /** Counts per label (kind) of one series, added to by the instance's threads. */
  public static final class Series {
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

    void add(String label, long n) {
      count(label).add(n);
    }

    /** The count of {@code label}, for a caller that adds to it often. */
    LongAdder count(String label) {
      return counts.computeIfAbsent(label, l -> new LongAdder());
    }

    Map<String, Long> snapshot() {
      Map<String, Long> snapshot = new TreeMap<>();
      counts.forEach((label, adder) -> snapshot.put(label, adder.sum()));
      return snapshot;
    }
  }

  /** Every series' counts per label at one moment. */
  public record Snapshot(Map<String, Map<String, Long>> counts) {}
}
