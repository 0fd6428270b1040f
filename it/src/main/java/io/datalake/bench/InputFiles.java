package io.datalake.bench;

import io.datalake.pipelines.cli.EventGenerator;
import io.datalake.transforms.kinds.RecordKind;
import io.datalake.transforms.kinds.RecordKinds;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The batch input of one size, generated once and kept: {@code <dir>/<kind>/part-K.jsonl}, {@link
 * #FILES_PER_KIND} files per kind, made by the same {@link EventGenerator} as {@code ./datalake
 * produce} with a fixed seed, a fixed clock (event times spread over one UTC day, 2025-03-01), ids
 * that embed the event number, and only templates the pipeline accepts (no dead letters): the same
 * size always gives the same bytes.
 */
final class InputFiles {
  static final int FILES_PER_KIND = 4;
  static final long SEED = 42;
  static final Instant DAY = Instant.parse("2025-03-01T00:00:30Z");
  private static final String VERSION =
      "v2 accepted-templates seed=" + SEED + " files=" + FILES_PER_KIND + " day=" + DAY;
  private static final long ID_TAG = 0x5eed_0000_0000_4000L;

  private InputFiles() {}

  /** A generated input: its folder, records and bytes. */
  record Input(Path dir, long records, long bytes) {
    double megabytes() {
      return bytes / 1e6;
    }
  }

  /** The id of event n: a UUID whose low 64 bits are n, so ids sort like n. */
  static String id(long tag, long n) {
    return new UUID(tag, n).toString();
  }

  /** The input of {@code records} events under {@code root}, generated when missing. */
  static Input ensure(Path root, Path samples, long records) throws IOException {
    Path dir = root.resolve(Long.toString(records));
    Path manifest = dir.resolve("MANIFEST");
    if (Files.exists(manifest)) {
      String[] lines = Files.readString(manifest).split("\n");
      if (lines.length >= 3 && lines[0].equals(VERSION)) {
        return new Input(dir, Long.parseLong(lines[1]), Long.parseLong(lines[2]));
      }
    }
    Bench.progress("input: generating %,d records into %s", records, dir);
    long t0 = System.nanoTime();
    deleteTree(dir);
    Files.createDirectories(dir);
    // Event times spread evenly over one day (less the generator's 20 s of disorder).
    Duration span = Duration.ofHours(24).minusSeconds(60);
    long[] clockN = {0};
    EventGenerator generator =
        new EventGenerator(
            samples,
            SEED,
            () -> DAY.plusMillis(span.toMillis() * clockN[0] / Math.max(1, records)),
            n -> id(ID_TAG, n),
            true);
    Map<RecordKind, BufferedWriter[]> writers = new LinkedHashMap<>();
    try {
      for (RecordKind kind : RecordKinds.builtIn().all()) {
        Path kindDir = Files.createDirectories(dir.resolve(kind.folder()));
        BufferedWriter[] files = new BufferedWriter[FILES_PER_KIND];
        for (int i = 0; i < FILES_PER_KIND; i++) {
          files[i] =
              Files.newBufferedWriter(
                  kindDir.resolve("part-" + i + ".jsonl"), StandardCharsets.UTF_8);
        }
        writers.put(kind, files);
      }
      long bytes = 0;
      int kinds = RecordKinds.builtIn().all().size();
      for (long n = 0; n < records; n++) {
        clockN[0] = n;
        EventGenerator.Event event = generator.next(n, 0, 0);
        BufferedWriter out = writers.get(event.kind())[(int) ((n / kinds) % FILES_PER_KIND)];
        out.write(event.value());
        out.write('\n');
        bytes += event.value().getBytes(StandardCharsets.UTF_8).length + 1;
        if (n > 0 && n % 100_000 == 0) {
          Bench.progress("input: %,d / %,d records", n, records);
        }
      }
      for (BufferedWriter[] files : writers.values()) {
        for (BufferedWriter w : files) {
          w.close();
        }
      }
      writers.clear();
      Files.writeString(manifest, VERSION + "\n" + records + "\n" + bytes + "\n");
      Bench.progress(
          "input: %,d records, %.1f MB in %.1f s",
          records, bytes / 1e6, (System.nanoTime() - t0) / 1e9);
      return new Input(dir, records, bytes);
    } finally {
      for (BufferedWriter[] files : writers.values()) {
        for (BufferedWriter w : files) {
          try {
            w.close();
          } catch (IOException e) {
            // already failing
          }
        }
      }
    }
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
