package io.datalake.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedMethod;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Reads a JFR recording's execution samples ({@code jdk.ExecutionSample}, the threads running Java
 * code) and ranks methods: by self samples (the top frame), by inclusive samples (anywhere on the
 * stack, once per sample), our own ({@code io.datalake}) methods by inclusive samples, and the self
 * samples grouped by library.
 */
final class Profile {
  /**
   * JVM options that record a profile into file: sampling every 10 ms, deep stacks, and debug
   * information at every instruction of compiled code ({@code DebugNonSafepoints}). Without it a
   * sample in compiled code is charged to the nearest point the compiler kept debug information
   * for, often another inlined method: a stream's profile without it put 4% of the samples in
   * {@code StringUTF16} methods on input with no character above U+00FF.
   */
  static List<String> jvmArgs(Path file) {
    return List.of(
        "-XX:+UnlockDiagnosticVMOptions",
        "-XX:+DebugNonSafepoints",
        "-XX:FlightRecorderOptions:stackdepth=256",
        "-XX:StartFlightRecording=filename=" + file + ",settings=profile,dumponexit=true");
  }

  private static final String[][] LIBRARIES = {
    {"io.datalake.", "io.datalake (our code)"},
    {"com.fasterxml.jackson.", "Jackson (JSON)"},
    {"com.google.crypto.tink.", "Tink (PII encryption)"},
    {"com.google.protobuf.", "protobuf (Tink keys)"},
    {"org.apache.parquet.", "Parquet"},
    {"org.xerial.snappy.", "Snappy"},
    {"org.apache.avro.", "Avro"},
    {"org.apache.beam.", "Beam"},
    {"org.apache.flink.", "Flink"},
    {"org.apache.hadoop.", "Hadoop"},
    {"org.joda.", "Joda time"},
    {"java.time.", "java.time"},
    {"java.util.regex.", "java.util.regex"},
    {"java.", "JDK java.*"},
    {"javax.crypto.", "JDK crypto"},
    {"sun.", "JDK sun.*"},
    {"jdk.", "JDK jdk.*"},
    {"com.sun.", "JDK com.sun.*"},
  };

  private Profile() {}

  static Results.Profile analyse(String run, Path file, int top) throws IOException {
    Map<String, Long> self = new HashMap<>();
    Map<String, Long> inclusive = new HashMap<>();
    Map<String, Long> libraries = new HashMap<>();
    long samples = 0;
    try (RecordingFile recording = new RecordingFile(file)) {
      while (recording.hasMoreEvents()) {
        RecordedEvent event = recording.readEvent();
        if (!event.getEventType().getName().equals("jdk.ExecutionSample")) {
          continue;
        }
        RecordedStackTrace stack = event.getStackTrace();
        if (stack == null || stack.getFrames().isEmpty()) {
          continue;
        }
        samples++;
        List<RecordedFrame> frames = stack.getFrames();
        String topFrame = name(frames.get(0));
        self.merge(topFrame, 1L, Long::sum);
        libraries.merge(library(topFrame), 1L, Long::sum);
        Set<String> seen = new HashSet<>();
        for (RecordedFrame f : frames) {
          String n = name(f);
          if (seen.add(n)) {
            inclusive.merge(n, 1L, Long::sum);
          }
        }
      }
    }
    return new Results.Profile(
        run,
        file.toString(),
        samples,
        rank(self, samples, top, k -> true),
        rank(inclusive, samples, top, Profile::isWork),
        rank(
            inclusive,
            samples,
            top,
            k -> k.startsWith("io.datalake.") && !k.contains("$DoFnInvoker")),
        rank(libraries, samples, 20, k -> true));
  }

  private static final String[] RUNNER = {
    "java.lang.Thread.", "java.util.concurrent.", "org.apache.flink.runtime.",
        "org.apache.flink.streaming.runtime.",
    "org.apache.beam.runners.", "org.apache.beam.sdk.transforms.reflect.", "io.datalake.",
        "jdk.internal.reflect.",
    "java.lang.reflect.",
  };

  /** Not a frame of the runner's or the thread's plumbing, nor ours (listed apart). */
  private static boolean isWork(String frame) {
    for (String p : RUNNER) {
      if (frame.startsWith(p)) {
        return false;
      }
    }
    return !frame.contains("$DoFnInvoker") && !frame.contains("$$Lambda");
  }

  private static String name(RecordedFrame frame) {
    RecordedMethod m = frame.getMethod();
    if (m == null) {
      return "?";
    }
    return m.getType().getName() + "." + m.getName();
  }

  private static String library(String frame) {
    for (String[] l : LIBRARIES) {
      if (frame.startsWith(l[0])) {
        return l[1];
      }
    }
    int dot = frame.indexOf('.', frame.indexOf('.') + 1);
    return dot > 0 ? frame.substring(0, dot) : frame;
  }

  private static List<Results.Frame> rank(
      Map<String, Long> counts, long total, int top, java.util.function.Predicate<String> keep) {
    List<Map.Entry<String, Long>> entries = new ArrayList<>(counts.entrySet());
    entries.removeIf(e -> !keep.test(e.getKey()));
    entries.sort((a, b) -> Long.compare(b.getValue(), a.getValue()));
    List<Results.Frame> out = new ArrayList<>();
    for (Map.Entry<String, Long> e : entries.subList(0, Math.min(top, entries.size()))) {
      out.add(
          new Results.Frame(
              e.getKey(), e.getValue(), total == 0 ? 0 : 100.0 * e.getValue() / total));
    }
    return out;
  }
}
