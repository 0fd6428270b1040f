package io.datalake.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small helpers of the benchmark: progress lines, flags, percentiles, the machine. */
final class Bench {
  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

  private Bench() {}

  /** One progress line on standard output, with the wall-clock time. */
  static void progress(String format, Object... args) {
    System.out.println(
        "bench " + LocalTime.now().format(CLOCK) + " " + String.format(format, args));
    System.out.flush();
  }

  /** {@code --key=value} and {@code --key value} pairs; a bare {@code --flag} is "true". */
  static Map<String, String> flags(String[] args) {
    Map<String, String> flags = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument: " + arg);
      }
      String[] kv = arg.substring(2).split("=", 2);
      if (kv.length == 2) {
        flags.put(kv[0], kv[1]);
      } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
        flags.put(kv[0], args[++i]);
      } else {
        flags.put(kv[0], "true");
      }
    }
    return flags;
  }

  /** The q-quantile (0..1) of values, nearest rank; NaN when empty. */
  static double percentile(double[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int rank = (int) Math.ceil(q * sorted.length);
    return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
  }

  static double[] sorted(List<Double> values) {
    double[] a = values.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(a);
    return a;
  }

  /** The machine, for the report: CPU model, cores, memory, kernel, Java. */
  static Map<String, String> machine() {
    Map<String, String> m = new LinkedHashMap<>();
    String cpu = "?";
    String mem = "?";
    try {
      cpu =
          Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
              .filter(l -> l.startsWith("model name"))
              .map(l -> l.substring(l.indexOf(':') + 1).trim())
              .findFirst()
              .orElse("?");
      mem =
          Files.readAllLines(Path.of("/proc/meminfo")).stream()
              .filter(l -> l.startsWith("MemTotal"))
              .map(
                  l ->
                      String.format(
                          "%.1f GiB", Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024.0 / 1024.0))
              .findFirst()
              .orElse("?");
    } catch (IOException e) {
      // not Linux
    }
    m.put("cpu", cpu);
    m.put("cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
    m.put("memory", mem);
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    m.put(
        "java",
        System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
    m.put("load", loadAverage());
    return m;
  }

  static String loadAverage() {
    try {
      String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
      return parts[0] + " " + parts[1] + " " + parts[2];
    } catch (IOException e) {
      return "?";
    }
  }

  static String mb(long bytes) {
    return bytes <= 0 ? "-" : String.format("%,d", Math.round(bytes / 1024.0 / 1024.0));
  }
}
