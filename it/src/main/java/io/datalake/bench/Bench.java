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
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

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

  /**
   * The options among {@code args}, parsed by picocli: {@code --name=value} or {@code --name value}
   * for each of {@code valued}, a bare {@code --name} (value "true") for each of {@code switches}.
   * An unknown option, a missing value or a stray argument is a {@link ParameterException}.
   */
  static Map<String, String> flags(String[] args, Set<String> valued, Set<String> switches) {
    CommandSpec spec = CommandSpec.create();
    for (String name : valued) {
      spec.addOption(
          OptionSpec.builder("--" + name).type(String.class).paramLabel("VALUE").build());
    }
    for (String name : switches) {
      spec.addOption(
          OptionSpec.builder((name.length() == 1 ? "-" : "--") + name).type(boolean.class).build());
    }
    CommandLine line = new CommandLine(spec);
    ParseResult parsed = line.parseArgs(args);
    Map<String, String> flags = new LinkedHashMap<>();
    for (OptionSpec option : parsed.matchedOptions()) {
      flags.put(
          option.longestName().replaceFirst("^-+", ""), String.valueOf((Object) option.getValue()));
    }
    return flags;
  }

  /**
   * Runs {@code parse}; what the user typed wrong ends as one line {@code datalake: error: ...} and
   * exit code 2, as in every command of the launcher.
   */
  static <T> T parseOrExit(String command, java.util.function.Supplier<T> parse) {
    try {
      return parse.get();
    } catch (NumberFormatException e) {
      System.err.println(
          "datalake: error: a number was expected: "
              + e.getMessage()
              + " ("
              + command
              + " --help)");
      System.exit(2);
      throw new IllegalStateException("not reached", e);
    } catch (ParameterException | IllegalArgumentException e) {
      System.err.println(
          "datalake: error: "
              + String.valueOf(e.getMessage()).strip().replaceAll("\\s*\\R\\s*", " ")
              + " ("
              + command
              + " --help)");
      System.exit(2);
      throw new IllegalStateException("not reached", e);
    }
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
