package io.datalake.bench;

import io.datalake.transforms.io.JsonLines;
import io.datalake.transforms.io.LakePaths;
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
import java.io.UncheckedIOException;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPInputStream;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;

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
 * <p>Threads: {@code --threads=N} workers take whole input files, largest first, from a shared
 * queue (the pipeline also reads file by file). Each worker has its own parser and cipher, as a
 * DoFn instance has; rows are buffered per partition and appended under that partition's writer
 * lock, so every partition still gets exactly one file.
 *
 * <p>Prints one line {@code BASELINE key=value ...} with its counts and its processing time.
 */
public final class Baseline {
  /** The pipeline's default --maxRecordBytes. */
  private static final int MAX_RECORD_BYTES = 16 * 1024 * 1024;

  private static final int FLUSH_ROWS = 256;

  private final Path lake;
  private final Path temp;
  private final String runId;
  private final CompressionCodecName codec;
  private final PiiKeyset keyset = PiiKeyset.development();
  private final PiiPolicy policy = PiiPolicy.defaults();
  private final DroppedFields dropped;
  private final Map<String, PartitionWriter> writers = new ConcurrentHashMap<>();
  private final Map<String, BufferedWriter> deadLetters = new ConcurrentHashMap<>();
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
        Bench.parseOrExit(
            "Baseline",
            () ->
                Bench.flags(
                    args,
                    java.util.Set.of(
                        "input", "lake", "threads", "runId", "parquetCompression", "dropFields"),
                    java.util.Set.of()));
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
    baseline.run(input, threads);
    double seconds = (System.nanoTime() - t0) / 1e9;
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
        .append(baseline.writers.size())
        .append(" seconds=")
        .append(String.format("%.3f", seconds));
    for (Map.Entry<String, AtomicLong> e : new TreeMap<>(baseline.rowsByTable).entrySet()) {
      line.append(" rows.").append(e.getKey()).append('=').append(e.getValue().get());
    }
    System.out.println(line);
  }

  private static String required(Map<String, String> flags, String name) {
    String v = flags.get(name);
    if (v == null) {
      throw new IllegalArgumentException("--" + name + " is required");
    }
    return v;
  }

  private record InputFile(RecordKind kind, Path path, long size) {}

  void run(Path input, int threads) throws Exception {
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
    Files.createDirectories(temp);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> futures = new ArrayList<>();
      // One worker per thread, each pulling files from a shared queue: its mappers and cipher are
      // its own, like a DoFn instance's.
      java.util.concurrent.ConcurrentLinkedQueue<InputFile> queue =
          new java.util.concurrent.ConcurrentLinkedQueue<>(files);
      for (int t = 0; t < threads; t++) {
        futures.add(
            pool.submit(
                () -> {
                  Worker worker = new Worker();
                  InputFile file;
                  while ((file = queue.poll()) != null) {
                    worker.readFile(file);
                  }
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    // Finish: close every file, then move it to its final name.
    for (PartitionWriter w : writers.values()) {
      w.finish();
    }
    for (BufferedWriter w : deadLetters.values()) {
      w.close();
    }
    for (PartitionWriter w : writers.values()) {
      w.rename();
    }
    for (String kind : deadLetters.keySet()) {
      Path tmp = temp.resolve("dead-" + kind + ".jsonl");
      Path dest = lake.resolve(WriteDeadLetters.FOLDER).resolve(kind).resolve(fileName(".jsonl"));
      Files.createDirectories(dest.getParent());
      Files.move(tmp, dest, StandardCopyOption.REPLACE_EXISTING);
    }
    InputFiles.deleteTree(temp);
  }

  private String fileName(String suffix) {
    // FileIO's default naming for the global window, pane 0, shard 0 of 1.
    return WriteLakeTables.filePrefix(runId) + "-00000-of-00001" + suffix;
  }

  /** One worker's per-record state, as a DoFn instance's. */
  private final class Worker {
    private final PiiCipher cipher = keyset.cipher();
    private final RecordParser parser = new RecordParser(new PiiEncryptor(cipher), policy, dropped);
    private final Map<String, List<GenericRecord>> buffers = new HashMap<>();

    void readFile(InputFile file) throws IOException {
      String name = file.path().toString();
      InputStream raw = Files.newInputStream(file.path());
      if (name.endsWith(".gz")) {
        raw = new GZIPInputStream(raw, 1 << 16);
      }
      try (InputStream in = raw) {
        JsonLines.read(
            in,
            MAX_RECORD_BYTES,
            (lineNumber, bytes, length) ->
                record(file.kind(), name + ":" + lineNumber, bytes, length));
      }
      flush();
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
          List<GenericRecord> buffer = buffers.computeIfAbsent(partition, p -> new ArrayList<>());
          buffer.add(row.record());
          if (buffer.size() >= FLUSH_ROWS) {
            writer(partition).append(buffer);
            buffer.clear();
          }
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
                bytes == null ? null : cipher.encryptRandomized(bytes));
        BufferedWriter out = deadLetters.computeIfAbsent(kind.name(), k -> openDeadLetters(k));
        synchronized (out) {
          out.write(WriteDeadLetters.toJson(letter));
          out.write('\n');
        }
      }
    }

    void flush() throws IOException {
      for (Map.Entry<String, List<GenericRecord>> e : buffers.entrySet()) {
        if (!e.getValue().isEmpty()) {
          writer(e.getKey()).append(e.getValue());
          e.getValue().clear();
        }
      }
    }
  }

  private BufferedWriter openDeadLetters(String kind) {
    try {
      return Files.newBufferedWriter(
          temp.resolve("dead-" + kind + ".jsonl"), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private PartitionWriter writer(String partition) {
    return writers.computeIfAbsent(partition, PartitionWriter::new);
  }

  /** The one Parquet file of a partition, written under a lock. */
  private final class PartitionWriter {
    private final String partition;
    private final Path tempFile;
    private ParquetWriter<GenericRecord> writer;

    PartitionWriter(String partition) {
      this.partition = partition;
      this.tempFile = temp.resolve(java.util.UUID.randomUUID() + ".parquet");
    }

    synchronized void append(List<GenericRecord> records) throws IOException {
      if (writer == null) {
        String table = partition.substring(0, partition.indexOf('/'));
        writer =
            AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(tempFile))
                .withSchema(LakeTables.byName(table).avroSchema())
                .withCompressionCodec(codec)
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .withConf(WriteLakeTables.parquetConfiguration())
                .withRowGroupSize(WriteLakeTables.ROW_GROUP_BYTES)
                .build();
      }
      for (GenericRecord r : records) {
        writer.write(r);
      }
      rowsByTable
          .computeIfAbsent(partition.substring(0, partition.indexOf('/')), t -> new AtomicLong())
          .addAndGet(records.size());
    }

    synchronized void finish() throws IOException {
      if (writer != null) {
        writer.close();
      }
    }

    void rename() throws IOException {
      Path dest = lake.resolve(partition).resolve(fileName(".parquet"));
      Files.createDirectories(dest.getParent());
      Files.move(tempFile, dest, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
