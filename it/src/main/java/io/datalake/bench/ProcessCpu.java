package io.datalake.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
