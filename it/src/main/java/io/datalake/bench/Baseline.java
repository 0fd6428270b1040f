package io.datalake.bench;

import io.datalake.transforms.io.JsonLines;
import io.datalake.transforms.io.LakePaths;
import io.datalake.transforms.io.LineRange;
import io.datalake.transforms.io.ReadJsonLines;
import io.datalake.transforms.io.WriteDeadLetters;
import io.datalake.transforms.io.WriteLakeTables;
import io.datalake.transforms.kinds.RecordKind;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.model.DeadLetter;
import io.datalake.transforms.model.RecordRejectedException;
import io.datalake.transforms.parse.DroppedFields;
import io.datalake.transforms.parse.RecordParser;
import io.datalake.transforms.pii.PiiCipher;
import io.datalake.transforms.pii.PiiEncryptor;
import io.datalake.transforms.pii.PiiKeyset;
import io.datalake.transforms.pii.PiiPolicy;
import io.datalake.transforms.schema.LakeTables;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPInputStream;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * The yardstick: the pipeline's per-record work in plain Java, no Beam. It reads the same JSON
 * lines files ({@link JsonLines}, as {@code ReadJsonLines} does), and for each record does what
 * {@code ParseRecords} and {@code WriteLakeTables} do, with the same code: {@link RecordParser}
 * parses (Jackson, trailing tokens rejected), drops the configured fields, encrypts PII (Tink
 * AES-SIV), maps to table rows and restores types into Avro records; then it places each row in its
 * Hive partition ({@link LakePaths}) and write one Parquet file per partition with parquet-avro's
 * {@link AvroParquetWriter} under the same settings as the pipeline's sink (same Avro schemas,
 * codec, row-group size, write mode, file names), to a temporary name first and renamed at the end
 * as FileIO does. Rejected records become dead letters (randomized encryption, JSON lines).
 *
 * <p>Threads: with {@code --threads=1} one thread reads and works. With {@code --threads=N} one
 * reader thread splits the files (largest first) into batches of lines and feeds N workers through
 * a bounded queue: work finer than whole files, so no worker idles while another finishes a large
 * file. Each worker has its own parser and cipher, as a DoFn instance has, and its own Parquet file
 * per partition (shard i of N, as FileIO names shards), so no lock is on the hot path; a partition
 * gets up to N files, holding together the same rows as the 1-thread run's one file.
 *
 * <p>Prints one line {@code BASELINE key=value ...} with its counts and its processing time.
 */
public final class Baseline {
  /** The pipeline's default --maxRecordBytes. */
  private static final int MAX_RECORD_BYTES = 16 * 1024 * 1024;

  private final Path lake;
  private final Path temp;
  private final String runId;
  private final CompressionCodecName codec;
  private final PiiKeyset keyset = PiiKeyset.development();
  private final PiiPolicy policy = PiiPolicy.defaults();
  private final DroppedFields dropped;
  private final AtomicLong files = new AtomicLong();
  private final Map<String, AtomicLong> rowsByTable = new ConcurrentHashMap<>();
  private final AtomicLong read = new AtomicLong();
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong rejected = new AtomicLong();

  private Baseline(Path lake, String runId, String compression, String dropFields) {
    this.lake = lake;
    this.temp = lake.resolve(".temp-baseline-" + runId);
    this.runId = runId;
    this.codec = CompressionCodecName.valueOf(compression.toUpperCase());
    this.dropped = DroppedFields.parse(dropFields);
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> flags =
        flags(
            "Baseline",
            args,
            java.util.Set.of(
                "input", "lake", "threads", "runId", "parquetCompression", "dropFields"));
    Path input = Path.of(required(flags, "input"));
    Path lake = Path.of(required(flags, "lake"));
    int threads = Integer.parseInt(flags.getOrDefault("threads", "1"));
    Baseline baseline =
        new Baseline(
            lake,
            flags.getOrDefault("runId", "bench"),
            flags.getOrDefault("parquetCompression", "SNAPPY"),
            flags.getOrDefault("dropFields", "checkout-orders:customData"));
    long t0 = System.nanoTime();
    long cpu0 = processCpuNanos();
    baseline.run(input, threads);
    double seconds = (System.nanoTime() - t0) / 1e9;
    // CPU time over wall time: how many cores the run kept busy (GC and JIT included). On a
    // loaded machine the N-thread run can scale only as far as the cores it is given.
    double cpu = (processCpuNanos() - cpu0) / 1e9;
    StringBuilder line = new StringBuilder("BASELINE");
    line.append(" threads=")
        .append(threads)
        .append(" read=")
        .append(baseline.read.get())
        .append(" accepted=")
        .append(baseline.accepted.get())
        .append(" rejected=")
        .append(baseline.rejected.get())
        .append(" files=")
        .append(baseline.files.get())
        .append(" cpu=")
        .append(String.format(java.util.Locale.ROOT, "%.3f", cpu))
        .append(" seconds=")
        .append(String.format(java.util.Locale.ROOT, "%.3f", seconds));
    for (Map.Entry<String, AtomicLong> e : new TreeMap<>(baseline.rowsByTable).entrySet()) {
      line.append(" rows.").append(e.getKey()).append('=').append(e.getValue().get());
    }
    System.out.println(line);
  }

  /** The CPU time of this process so far (all threads, GC and JIT included). */
  static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** A child program's --name=value flags (no switches), or its usage error and exit. */
  static Map<String, String> flags(String program, String[] args, java.util.Set<String> valued) {
    return Bench.parseOrExit(program, () -> Bench.flags(args, valued, java.util.Set.of()));
  }

  static String required(Map<String, String> flags, String name) {
    String v = flags.get(name);
    if (v == null) {
      throw new IllegalArgumentException("--" + name + " is required");
    }
    return v;
  }

  record InputFile(RecordKind kind, Path path, long size) {}

  /** The input files of every built-in kind, largest first. */
  static List<InputFile> inputFiles(Path input) throws IOException {
    List<InputFile> files = new ArrayList<>();
    for (RecordKind kind : RecordKinds.builtIn().all()) {
      Path dir = input.resolve(kind.folder());
      if (!Files.isDirectory(dir)) {
        continue;
      }
      try (var list = Files.list(dir)) {
        for (Path p : list.toList()) {
          if (Files.isRegularFile(p) && ReadJsonLines.isInputFile(p.getFileName().toString())) {
            files.add(new InputFile(kind, p, Files.size(p)));
          }
        }
      }
    }
    files.sort(Comparator.comparingLong(InputFile::size).reversed());
    return files;
  }

  void run(Path input, int threads) throws Exception {
    List<InputFile> files = inputFiles(input);
    Files.createDirectories(temp);
    List<Worker> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      workers.add(new Worker(t, threads));
    }
    if (threads == 1) {
      // One thread reads and works: no queue, no hand-over.
      Worker worker = workers.get(0);
      for (InputFile file : files) {
        read(file, worker::process);
      }
    } else {
      runParallel(files, workers);
    }
    // Finish: close every file, then move it to its final name.
    for (Worker w : workers) {
      w.finish();
    }
    for (Worker w : workers) {
      w.rename();
    }
    InputFiles.deleteTree(temp);
  }

  /**
   * N workers fed by one reader: the reader splits the files into batches of lines (finer than
   * whole files, so the workers stay busy to the end whatever the files' sizes) and hands them over
   * through a bounded queue (the reader waits when the workers are behind, so memory stays
   * bounded). Each worker writes its own Parquet file per partition: no lock on the hot path.
   */
  private void runParallel(List<InputFile> files, List<Worker> workers) throws Exception {
    int threads = workers.size();
    BlockingQueue<Batch> queue = new ArrayBlockingQueue<>(4 * threads);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (Worker worker : workers) {
        futures.add(
            pool.submit(
                () -> {
                  Batch batch;
                  while ((batch = queue.take()) != Batch.END) {
                    worker.process(batch);
                  }
                  return null;
                }));
      }
      try {
        for (InputFile file : files) {
          read(
              file,
              batch -> {
                // A failed worker takes nothing more: stop reading rather than wait forever.
                while (!queue.offer(batch, 1, TimeUnit.SECONDS)) {
                  for (Future<?> f : futures) {
                    if (f.isDone()) {
                      f.get();
                    }
                  }
                }
              });
        }
      } finally {
        for (int t = 0; t < threads; t++) {
          queue.put(Batch.END);
        }
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** Lines of one file, with their line numbers (null bytes: a line over the size limit). */
  record Batch(InputFile file, long[] lineNumbers, byte[][] lines, long[] lengths, int n) {
    static final Batch END = new Batch(null, new long[0], new byte[0][], new long[0], 0);
  }

  @FunctionalInterface
  interface BatchSink {
    void accept(Batch batch) throws Exception;
  }

  private static final int BATCH_LINES = 256;
  private static final long BATCH_BYTES = 1 << 20;

  /** Reads a file as batches of lines of at most BATCH_LINES lines or about BATCH_BYTES bytes. */
  static void read(InputFile file, BatchSink sink) throws Exception {
    String name = file.path().toString();
    InputStream raw = Files.newInputStream(file.path());
    if (LineRange.isGzip(name)) {
      raw = new GZIPInputStream(raw, 1 << 16);
    }
    long[][] numbers = {new long[BATCH_LINES]};
    byte[][][] lines = {new byte[BATCH_LINES][]};
    long[][] lengths = {new long[BATCH_LINES]};
    int[] n = {0};
    long[] bytes = {0};
    try (InputStream in = raw) {
      JsonLines.read(
          in,
          MAX_RECORD_BYTES,
          (lineNumber, line, length) -> {
            int i = n[0]++;
            numbers[0][i] = lineNumber;
            lines[0][i] = line;
            lengths[0][i] = length;
            bytes[0] += line == null ? 0 : line.length;
            if (n[0] == BATCH_LINES || bytes[0] >= BATCH_BYTES) {
              try {
                sink.accept(new Batch(file, numbers[0], lines[0], lengths[0], n[0]));
              } catch (IOException | RuntimeException e) {
                throw e;
              } catch (Exception e) {
                throw new IOException(e);
              }
              numbers[0] = new long[BATCH_LINES];
              lines[0] = new byte[BATCH_LINES][];
              lengths[0] = new long[BATCH_LINES];
              n[0] = 0;
              bytes[0] = 0;
            }
          });
    }
    if (n[0] > 0) {
      sink.accept(new Batch(file, numbers[0], lines[0], lengths[0], n[0]));
    }
  }

  /**
   * One worker's state, as a DoFn instance's: its parser and cipher, and its own Parquet file per
   * partition (shard {@code index} of {@code shards}, as FileIO names a bundle's shard) and its own
   * dead letter file per kind.
   */
  private final class Worker {
    private final PiiCipher cipher = keyset.cipher();
    private final RecordParser parser = new RecordParser(new PiiEncryptor(cipher), policy, dropped);
    private final Map<String, PartitionWriter> writers = new HashMap<>();
    private final Map<String, BufferedWriter> deadLetters = new HashMap<>();
    private final int index;
    private final int shards;

    Worker(int index, int shards) {
      this.index = index;
      this.shards = shards;
    }

    void process(Batch batch) throws IOException {
      String name = batch.file().path().toString();
      for (int i = 0; i < batch.n(); i++) {
        record(
            batch.file().kind(),
            name + ":" + batch.lineNumbers()[i],
            batch.lines()[i],
            batch.lengths()[i]);
      }
    }

    private void record(RecordKind kind, String position, byte[] bytes, long length)
        throws IOException {
      read.incrementAndGet();
      try {
        if (bytes == null) {
          throw new RecordRejectedException(
              "read", "record of " + length + " bytes exceeds --maxRecordBytes");
        }
        RecordParser.ParsedRecord parsed = parser.parse(kind, bytes);
        long micros = parsed.eventTimeMicros();
        for (RecordParser.TypedRow row : parsed.rows()) {
          String partition = LakePaths.partition(row.table(), parsed.tenant(), micros, false);
          PartitionWriter writer = writers.get(partition);
          if (writer == null) {
            writer = new PartitionWriter(partition, fileName(".parquet", index, shards));
            writers.put(partition, writer);
          }
          writer.append(row.record());
        }
        accepted.incrementAndGet();
      } catch (RecordRejectedException e) {
        rejected.incrementAndGet();
        DeadLetter letter =
            new DeadLetter(
                    kind.name(),
                    e.step(),
                    e.getMessage(),
                    position,
                    bytes == null ? null : cipher.encryptRandomized(bytes))
                .withTenant(e.tenant());
        BufferedWriter out = deadLetters.get(kind.name());
        if (out == null) {
          out =
              Files.newBufferedWriter(
                  temp.resolve("dead-" + kind.name() + "-" + index + ".jsonl"),
                  StandardCharsets.UTF_8);
          deadLetters.put(kind.name(), out);
        }
        out.write(WriteDeadLetters.toJson(letter));
        out.write('\n');
      }
    }

    void finish() throws IOException {
      for (PartitionWriter w : writers.values()) {
        w.finish();
      }
      for (BufferedWriter w : deadLetters.values()) {
        w.close();
      }
    }

    void rename() throws IOException {
      for (PartitionWriter w : writers.values()) {
        w.rename();
        files.incrementAndGet();
      }
      for (String kind : deadLetters.keySet()) {
        Path tmp = temp.resolve("dead-" + kind + "-" + index + ".jsonl");
        Path dest =
            lake.resolve(WriteDeadLetters.FOLDER)
                .resolve(kind)
                .resolve(fileName(".jsonl", index, shards));
        Files.createDirectories(dest.getParent());
        Files.move(tmp, dest, StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  private String fileName(String suffix, int shard, int shards) {
    // FileIO's default naming for the global window, pane 0: shard i of n.
    return String.format(
        java.util.Locale.ROOT,
        "%s-%05d-of-%05d%s",
        WriteLakeTables.filePrefix(runId),
        shard,
        shards,
        suffix);
  }

  /** One worker's Parquet file of one partition: only that worker writes it, no lock. */
  private final class PartitionWriter {
    private final String partition;
    private final String table;
    private final String finalName;
    private final Path tempFile;
    private final AtomicLong tableRows;
    private ParquetWriter<GenericRecord> writer;

    PartitionWriter(String partition, String finalName) {
      this.partition = partition;
      this.table = partition.substring(0, partition.indexOf('/'));
      this.finalName = finalName;
      this.tempFile = temp.resolve(java.util.UUID.randomUUID() + ".parquet");
      this.tableRows = rowsByTable.computeIfAbsent(table, t -> new AtomicLong());
    }

    void append(GenericRecord record) throws IOException {
      if (writer == null) {
        writer =
            WriteLakeTables.localParquetWriter(
                tempFile, LakeTables.byName(table).avroSchema(), codec);
      }
      writer.write(record);
      tableRows.incrementAndGet();
    }

    void finish() throws IOException {
      if (writer != null) {
        writer.close();
      }
    }

    void rename() throws IOException {
      Path dest = lake.resolve(partition).resolve(finalName);
      Files.createDirectories(dest.getParent());
      Files.move(tempFile, dest, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
