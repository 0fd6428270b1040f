package io.datalake.bench;

import io.datalake.transforms.kinds.RecordKind;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.model.RecordRejectedException;
import io.datalake.transforms.parse.DroppedFields;
import io.datalake.transforms.parse.RecordParser;
import io.datalake.transforms.pii.PiiEncryptor;
import io.datalake.transforms.pii.PiiKeyset;
import io.datalake.transforms.pii.PiiPolicy;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The per-record step alone (parse, drop fields, encrypt PII, map, type: {@link RecordParser}), one
 * thread, over records held in memory: no reading, no writing, no Beam. For comparing two builds of
 * that step (interleave their runs on the same input; a shared machine is noisy). Not a test: it
 * asserts nothing.
 *
 * <p>{@code java -cp <it classes>:<bundled jar> io.datalake.bench.ParseStepBench INPUT_DIR
 * [RECORDS_PER_KIND] [SECONDS]}: INPUT_DIR is a bench input (one folder per kind), the first
 * RECORDS_PER_KIND lines of each kind (default 3000) are parsed over and over, 5 s of warm-up, then
 * SECONDS (default 20) measured; prints records/s, records per CPU second of the thread, MB/s.
 */
public final class ParseStepBench {
  private ParseStepBench() {}

  public static void main(String[] args) throws IOException {
    Path input = Path.of(args[0]);
    int perKind = args.length > 1 ? Integer.parseInt(args[1]) : 3000;
    int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 20;
    Sample sample = Sample.read(input, perKind);
    List<RecordKind> recordKinds = sample.kinds();
    List<byte[]> payloads = sample.payloads();
    long bytes = sample.bytes();
    // Interleave the kinds, as in the input the pipeline reads.
    int size = payloads.size();
    Integer[] order = new Integer[size];
    for (int i = 0; i < size; i++) {
      order[i] = i;
    }
    java.util.Collections.shuffle(java.util.Arrays.asList(order), new java.util.Random(42));
    RecordParser parser = parser();
    loop(parser, recordKinds, payloads, order, 5_000);
    // CPU time of this thread too: on a shared machine the wall rate says as much about the other
    // processes as about this step, records per CPU second much less.
    java.lang.management.ThreadMXBean threads =
        java.lang.management.ManagementFactory.getThreadMXBean();
    long cpu0 = threads.getCurrentThreadCpuTime();
    long t0 = System.nanoTime();
    long[] done = loop(parser, recordKinds, payloads, order, seconds * 1000L);
    double elapsed = (System.nanoTime() - t0) / 1e9;
    double cpu = (threads.getCurrentThreadCpuTime() - cpu0) / 1e9;
    double avgBytes = (double) bytes / size;
    System.out.printf(
        Locale.ROOT,
        "parse-step: %,d records (%,.0f B average) x %d passes in %.1f s (%.1f s CPU): %,.0f"
            + " records/s, %,.0f records per CPU second, %.1f MB/s, %d rejected%n",
        size,
        avgBytes,
        done[0] / size,
        elapsed,
        cpu,
        done[0] / elapsed,
        done[0] / cpu,
        done[0] * avgBytes / elapsed / 1e6,
        done[1]);
  }

  /** The first {@code perKind} lines of each kind's files in a bench input, with their kinds. */
  record Sample(List<RecordKind> kinds, List<byte[]> payloads, long bytes) {
    static Sample read(Path input, int perKind) throws IOException {
      List<RecordKind> recordKinds = new ArrayList<>();
      List<byte[]> payloads = new ArrayList<>();
      long bytes = 0;
      for (RecordKind kind : RecordKinds.builtIn().all()) {
        Path dir = input.resolve(kind.folder());
        if (!Files.isDirectory(dir)) {
          continue;
        }
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
          files = list.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList();
        }
        int n = 0;
        for (Path file : files) {
          try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line = reader.readLine();
                line != null && n < perKind;
                line = reader.readLine(), n++) {
              byte[] payload = line.getBytes(StandardCharsets.UTF_8);
              recordKinds.add(kind);
              payloads.add(payload);
              bytes += payload.length;
            }
          }
        }
      }
      return new Sample(recordKinds, payloads, bytes);
    }
  }

  /** The per-record step as the pipeline runs it, with the development keyset. */
  static RecordParser parser() {
    RecordKinds kinds = RecordKinds.builtIn();
    return new RecordParser(
        new PiiEncryptor(PiiKeyset.development().cipher()),
        PiiPolicy.defaults(kinds),
        DroppedFields.defaults(kinds));
  }

  /** Parses the records in {@code order} until {@code millis} have passed: {records, rejected}. */
  private static long[] loop(
      RecordParser parser,
      List<RecordKind> kinds,
      List<byte[]> payloads,
      Integer[] order,
      long millis) {
    long end = System.currentTimeMillis() + millis;
    long records = 0;
    long rejected = 0;
    long rows = 0;
    while (System.currentTimeMillis() < end) {
      for (int i : order) {
        try {
          rows += parser.parse(kinds.get(i), payloads.get(i)).rows().size();
        } catch (RecordRejectedException e) {
          rejected++;
        }
        records++;
      }
    }
    if (rows < 0) {
      throw new IllegalStateException(); // keeps the work observable
    }
    return new long[] {records, rejected};
  }
}
