package io.datalake.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * CPU time of processes, from {@code /proc/<pid>/stat}: what a run cost the machine, not only its
 * own JVM. The local services (ClickHouse, S3Proxy, Kafka) run on the same two cores as the
 * pipeline, so a variant that writes to them is measured with their share: their CPU seconds during
 * the run say where the cores went.
 */
final class ProcessCpu {
  /** The local services whose CPU a run reports, by the name of their pid file. */
  static final List<String> SERVICES = List.of("clickhouse", "s3proxy", "kafka", "postgres");

  /** A service's process and its CPU seconds so far, at one moment. */
  record Reading(long pid, double seconds) {}

  /**
   * Clock ticks per second of {@code utime} and {@code stime}: USER_HZ, which Linux fixes at 100 on
   * every architecture the benchmark runs on (the kernel's own HZ does not show through).
   */
  private static final double TICKS_PER_SECOND = 100;

  private ProcessCpu() {}

  /** User plus system CPU seconds of a process so far; NaN when it is gone or unreadable. */
  static double seconds(long pid) {
    try {
      return parse(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  /**
   * utime + stime of a {@code /proc/<pid>/stat} line. The command name (field 2) is in parentheses
   * and may hold spaces and parentheses itself, so the fields are counted from the last ')': state
   * is field 3, utime 14, stime 15.
   */
  static double parse(String stat) {
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
    return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND;
  }

  /**
   * What a JVM's threads spent, in CPU seconds by kind, from {@code /proc/<pid>/task/<tid>/stat}
   * (the thread's name is the kernel's {@code comm}, the JVM's name cut to 15 characters): {@code
   * jit} the JIT compilers ("C1 CompilerThre", "C2 CompilerThre"), {@code gc} the collector's
   * threads ("GC Thread#0", "G1 Conc#0", "G1 Refine#0", "G1 Service", "VM Thread"), {@code app}
   * every other thread (the work, the runner, the start-up). Threads that ended before the reading
   * are not in it: call this often and keep each thread's last figure ({@link ThreadCpu}).
   */
  static Map<Long, ThreadReading> threads(long pid) {
    Map<Long, ThreadReading> readings = new LinkedHashMap<>();
    Path tasks = Path.of("/proc", Long.toString(pid), "task");
    try (var dirs = Files.list(tasks)) {
      for (Path task : (Iterable<Path>) dirs::iterator) {
        try {
          String stat = Files.readString(task.resolve("stat"));
          String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
          readings.put(
              Long.parseLong(task.getFileName().toString()),
              new ThreadReading(kindOf(comm), parse(stat)));
        } catch (IOException | RuntimeException e) {
          // the thread ended between the listing and the read
        }
      }
    } catch (IOException | RuntimeException e) {
      // the process is gone
    }
    return readings;
  }

  /**
   * CPU seconds by kind ({@code app}, {@code jit}, {@code gc}) that a JVM's threads used between
   * two readings of {@link #threads}: a thread in both counts its difference, a thread started in
   * between all it has; a thread that ended in between is missed (it is not in the later reading).
   */
  static Map<String, Double> usedByKind(
      Map<Long, ThreadReading> before, Map<Long, ThreadReading> after) {
    Map<String, Double> kinds = noneByKind();
    after.forEach(
        (tid, now) -> {
          ThreadReading then = before.get(tid);
          double used = then == null ? now.seconds() : Math.max(0, now.seconds() - then.seconds());
          kinds.merge(now.kind(), used, Double::sum);
        });
    return kinds;
  }

  /** Every kind of thread ({@link #kindOf}), in the order reports give them, at 0 CPU seconds. */
  private static Map<String, Double> noneByKind() {
    Map<String, Double> kinds = new LinkedHashMap<>();
    for (String kind : List.of("app", "jit", "gc")) {
      kinds.put(kind, 0.0);
    }
    return kinds;
  }

  /** One thread's kind ({@link #threads}) and CPU seconds so far. */
  record ThreadReading(String kind, double seconds) {}

  static String kindOf(String comm) {
    if (comm.contains("CompilerThre")) {
      return "jit";
    }
    if (comm.startsWith("GC ") || comm.startsWith("G1 ") || comm.equals("VM Thread")) {
      return "gc";
    }
    return "app";
  }

  /** Each thread's last reading over a run, summed by kind at the end. */
  static final class ThreadCpu {
    private final Map<Long, ThreadReading> last = new ConcurrentHashMap<>();

    void sample(long pid) {
      last.putAll(threads(pid));
    }

    /** CPU seconds by kind (jit, gc, app); empty when nothing was read. */
    Map<String, Double> byKind() {
      if (last.isEmpty()) {
        return Map.of();
      }
      Map<String, Double> kinds = noneByKind();
      last.values().forEach(r -> kinds.merge(r.kind(), r.seconds(), Double::sum));
      return kinds;
    }
  }

  /**
   * Each running local service's process and CPU seconds so far, by name: the pids in {@code
   * <datalake.home>/run/<name>.pid} (the launcher's pid files). Empty without datalake.home.
   */
  static Map<String, Reading> services() {
    Map<String, Reading> readings = new LinkedHashMap<>();
    String home = System.getProperty("datalake.home", "");
    if (home.isEmpty()) {
      return readings;
    }
    for (String service : SERVICES) {
      try {
        long pid =
            Long.parseLong(
                Files.readString(Path.of(home, "run", service + ".pid")).trim().split("\\s+")[0]);
        double s = seconds(pid);
        if (!Double.isNaN(s)) {
          readings.put(service, new Reading(pid, s));
        }
      } catch (IOException | RuntimeException e) {
        // not running here: not reported
      }
    }
    return readings;
  }

  /**
   * The CPU seconds each service used between two readings of {@link #services()}; a service that
   * was started again in between (another pid) is left out, its use unknown.
   */
  static Map<String, Double> used(Map<String, Reading> before, Map<String, Reading> after) {
    Map<String, Double> used = new LinkedHashMap<>();
    after.forEach(
        (service, now) -> {
          Reading then = before.get(service);
          if (then != null && then.pid() == now.pid()) {
            used.put(service, now.seconds() - then.seconds());
          }
        });
    return used;
  }
}
