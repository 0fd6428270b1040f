package io.datalake.bench;

import io.datalake.transforms.model.LakeRow;
import io.datalake.transforms.model.RecordRejectedException;
import io.datalake.transforms.parse.RecordParser;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a lake row costs between the per-record step and a writer, one thread, over rows held in
 * memory: the check before a writer in the same thread ({@link LakeRow#checked()}, Avro's {@code
 * validate}) and the row's coder (Avro binary, what Flink's shuffles and state hold). For comparing
 * two builds (interleave their runs); not a test, it asserts nothing.
 *
 * <p>{@code java -cp <it classes>:<bundled jar> io.datalake.bench.RowEncodingBench INPUT_DIR
 * [RECORDS_PER_KIND] [SECONDS]}: the rows the per-record step makes of the first RECORDS_PER_KIND
 * lines of each kind (default 3000), checked and encoded over and over, 5 s of warm-up, then
 * SECONDS (default 20) measured; prints rows per CPU second of the thread.
 */
public final class RowEncodingBench {
  private RowEncodingBench() {}

  public static void main(String[] args) throws IOException {
    Path input = Path.of(args[0]);
    int perKind = args.length > 1 ? Integer.parseInt(args[1]) : 3000;
    int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 20;
    ParseStepBench.Sample sample = ParseStepBench.Sample.read(input, perKind);
    RecordParser parser = ParseStepBench.parser();
    List<LakeRow> rows = new ArrayList<>();
    for (int i = 0; i < sample.payloads().size(); i++) {
      try {
        RecordParser.ParsedRecord parsed =
            parser.parse(sample.kinds().get(i), sample.payloads().get(i));
        for (RecordParser.TypedRow row : parsed.rows()) {
          rows.add(
              new LakeRow(row.table(), parsed.tenant(), parsed.eventTimeMicros(), row.record()));
        }
      } catch (RecordRejectedException e) {
        // A bench input has none; a rejected line simply makes no rows.
      }
    }
    loop(rows, 5_000);
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long cpu0 = threads.getCurrentThreadCpuTime();
    long done = loop(rows, seconds * 1000L);
    double cpu = (threads.getCurrentThreadCpuTime() - cpu0) / 1e9;
    System.out.printf(
        Locale.ROOT,
        "row-encoding: %,d rows of %,d records x %d passes (%.1f s CPU): %,.0f rows per CPU"
            + " second%n",
        rows.size(),
        sample.payloads().size(),
        done / Math.max(1, rows.size()),
        cpu,
        done / cpu);
  }

  /** Checks and encodes the rows until {@code millis} have passed: the rows done. */
  private static long loop(List<LakeRow> rows, long millis) throws IOException {
    LakeRow.Coder coder = LakeRow.Coder.of();
    OutputStream discard = OutputStream.nullOutputStream();
    long end = System.currentTimeMillis() + millis;
    long done = 0;
    while (System.currentTimeMillis() < end) {
      for (LakeRow row : rows) {
        coder.encode(row.checked(), discard);
        done++;
      }
    }
    return done;
  }
}
