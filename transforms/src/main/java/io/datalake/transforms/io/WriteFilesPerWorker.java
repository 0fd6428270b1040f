package io.datalake.transforms.io;

import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.model.LakeRow;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.MoveOptions;
import org.apache.beam.sdk.io.fs.ResolveOptions.StandardResolveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.util.MimeTypes;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The batch lake writer without a shuffle: each worker writes the rows it has straight into its own
 * Parquet file per partition, as they come, and the files are published under their final names
 * once all are written. The grouped alternative ({@code FileIO} with a fixed number of shards)
 * sorts every row by partition first, which encodes, spills and decodes each row once more: a fifth
 * of a Flink batch's CPU in the benchmark's profile.
 *
 * <p>A partition gets one file per worker that had rows of it (in a Flink batch a bundle is a
 * worker's whole share of the input), named as {@code FileIO} names shards: {@code
 * <prefix>-00000-of-00002.parquet}. Runners with small bundles (the DirectRunner, Dataflow) give a
 * file per bundle and partition: use the grouped writer there.
 *
 * <p>Memory: a Parquet writer keeps its current row group in memory. The open files of all workers
 * in a JVM keep at most an eighth of its heap ({@link #bufferBudgetBytes}); past that a worker
 * writes out the row group of its largest file ({@link RowGroupFlush}), which stays open, so a
 * partition's file gets smaller row groups rather than the partition more files. A worker keeps at
 * most {@link #MAX_OPEN_FILES} files open, finishing the least recently written. Files are written
 * on the worker's local disk and copied to the lake when finished, so an open file holds no upload
 * buffer (S3 gives every file being written one of 8 MiB or more).
 *
 * <p>Publishing: finished files wait under {@code <lake>/.temp-datalake/<prefix>/<id>/}; then each
 * partition's files are renamed to their final names, and files of an earlier run with the same run
 * id and writer that this run did not write again are deleted, so a rerun replaces its files even
 * when it splits a partition differently. Files of a failed attempt never reach the rename; the
 * temporary folders of the run and writer are emptied at the end, also those a killed earlier
 * attempt of the same run left.
 */
class WriteFilesPerWorker
    extends PTransform<PCollection<LakeRow>, PCollection<KV<String, String>>> {
  private static final Logger LOG = LoggerFactory.getLogger(WriteFilesPerWorker.class);

  /** Open files per worker at most; the least recently written is finished to open another. */
  static final int MAX_OPEN_FILES = 256;

  private final int maxOpenFiles;

  /** Rows between two looks at the memory the open files buffer. */
  private static final int ROWS_BETWEEN_MEMORY_CHECKS = 1_000;

  /** Where finished files wait to be published, below the lake root: never inside a table. */
  static final String TEMP_ROOT = ".temp-datalake/";

  /** Bytes buffered by the open files of every worker in this JVM. */
  private static final AtomicLong BUFFERED = new AtomicLong();

  private final String lake;
  private final String prefix;
  private final boolean hourly;
  private final CompressionCodecName codec;
  private final RecordKinds kinds;
  private final String tempFolder;

  WriteFilesPerWorker(
      String lake, String prefix, boolean hourly, CompressionCodecName codec, RecordKinds kinds) {
    this(lake, prefix, hourly, codec, kinds, MAX_OPEN_FILES);
  }

  /** With at most {@code maxOpenFiles} open files per worker (tests: fewer than partitions). */
  WriteFilesPerWorker(
      String lake,
      String prefix,
      boolean hourly,
      CompressionCodecName codec,
      RecordKinds kinds,
      int maxOpenFiles) {
    this.maxOpenFiles = maxOpenFiles;
    this.lake = lake;
    this.prefix = prefix;
    this.hourly = hourly;
    this.codec = codec;
    this.kinds = kinds;
    this.tempFolder = TEMP_ROOT + prefix + "/" + UUID.randomUUID() + "/";
  }

  /**
   * The bytes all open files of a JVM may buffer: an eighth of its heap, counted as the column
   * writers' allocated buffers (partly filled slabs included; the dictionaries' hash tables are not
   * counted). Counted as encoded bytes, the heap taken was about twice the count (a quarter of the
   * heap left a Flink batch at 500k records with 770 MB of 1 GB live).
   */
  static long bufferBudgetBytes() {
    return Runtime.getRuntime().maxMemory() / 8;
  }

  @Override
  public PCollection<KV<String, String>> expand(PCollection<LakeRow> rows) {
    PCollection<KV<String, String>> published =
        rows.apply(
                "WriteWorkerFiles",
                ParDo.of(
                    new WriteWorkerFilesFn(lake, tempFolder, hourly, codec, kinds, maxOpenFiles)))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of()))
            .apply("GroupFilesByPartition", GroupByKey.create())
            .apply("PublishFiles", ParDo.of(new PublishFilesFn(lake, prefix)))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of()));
    // Runs once every partition is published (a global combine fires also on no input).
    published
        .apply("CountPublished", Combine.globally(Count.<KV<String, String>>combineFn()))
        .apply("RemoveTempFiles", ParDo.of(new RemoveTempFilesFn(lake, prefix)));
    return published;
  }

  /** Partition to the temporary lake file holding a worker's rows of it. */
  static class WriteWorkerFilesFn extends DoFn<LakeRow, KV<String, String>> {
    private final String lake;
    private final String tempFolder;
    private final boolean hourly;
    private final CompressionCodecName codec;
    private final RecordKinds kinds;
    private final int maxOpenFiles;

    /** Open files by partition, least recently written first. */
    private transient LinkedHashMap<String, OpenFile> open;

    private transient long rowsSinceCheck;
    private transient long reported;

    WriteWorkerFilesFn(
        String lake,
        String tempFolder,
        boolean hourly,
        CompressionCodecName codec,
        RecordKinds kinds,
        int maxOpenFiles) {
      this.lake = lake;
      this.maxOpenFiles = maxOpenFiles;
      this.tempFolder = tempFolder;
      this.hourly = hourly;
      this.codec = codec;
      this.kinds = kinds;
    }

    @StartBundle
    public void startBundle() {
      open = new LinkedHashMap<>(64, 0.75f, true);
      rowsSinceCheck = 0;
      reported = 0;
    }

    @ProcessElement
    public void process(@Element LakeRow row, OutputReceiver<KV<String, String>> out)
        throws IOException {
      String partition =
          LakePaths.partition(row.table(), row.tenant(), row.eventTimeMicros(), hourly);
      OpenFile file = open.get(partition);
      if (file == null) {
        if (open.size() >= maxOpenFiles) {
          finish(open.keySet().iterator().next(), out);
        }
        file = new OpenFile(partition, row.table());
        open.put(partition, file);
      }
      file.write(row.detachedRecord());
      if (++rowsSinceCheck >= ROWS_BETWEEN_MEMORY_CHECKS) {
        rowsSinceCheck = 0;
        keepWithinBudget(out);
      }
    }

    /**
     * When the JVM's open files buffer more than the budget, writes out the row group of this
     * worker's largest file (or, without {@link RowGroupFlush}, finishes that file).
     */
    private void keepWithinBudget(OutputReceiver<KV<String, String>> out) throws IOException {
      long mine = 0;
      OpenFile largest = null;
      for (OpenFile file : open.values()) {
        long buffered = file.bufferedBytes();
        mine += buffered;
        if (largest == null || buffered > largest.lastBuffered) {
          largest = file;
        }
      }
      long total = BUFFERED.addAndGet(mine - reported);
      reported = mine;
      if (total > bufferBudgetBytes() && largest != null) {
        if (RowGroupFlush.available()) {
          LOG.debug(
              "Open lake files buffer {} MB, more than an eighth of the heap: writing the row group"
                  + " of {} ({} MB)",
              total >> 20,
              largest.partition,
              largest.lastBuffered >> 20);
          long before = largest.lastBuffered;
          RowGroupFlush.flush(largest.writer);
          long freed = before - largest.bufferedBytes();
          BUFFERED.addAndGet(-freed);
          reported -= freed;
        } else {
          LOG.info(
              "Open lake files buffer {} MB, more than an eighth of the heap: finishing {} ({} MB)"
                  + " early; its later rows go into another file",
              total >> 20,
              largest.partition,
              largest.lastBuffered >> 20);
          finish(largest.partition, out);
        }
      }
    }

    private void finish(String partition, OutputReceiver<KV<String, String>> out)
        throws IOException {
      OpenFile file = open.remove(partition);
      String published = file.finish();
      BUFFERED.addAndGet(-file.lastBuffered);
      reported -= file.lastBuffered;
      out.output(KV.of(partition, published));
    }

    @FinishBundle
    public void finishBundle(FinishBundleContext context) throws IOException {
      for (Iterator<OpenFile> it = open.values().iterator(); it.hasNext(); ) {
        OpenFile file = it.next();
        it.remove();
        context.output(
            KV.of(file.partition, file.finish()),
            GlobalWindow.INSTANCE.maxTimestamp(),
            GlobalWindow.INSTANCE);
      }
      BUFFERED.addAndGet(-reported);
      reported = 0;
    }

    @Teardown
    public void teardown() {
      // A failed bundle leaves its local files: remove them (its lake files are never published).
      if (open != null) {
        for (OpenFile file : open.values()) {
          file.discard();
        }
        open.clear();
        BUFFERED.addAndGet(-reported);
        reported = 0;
      }
    }

    /** One partition's Parquet file on the local disk, copied to the lake when finished. */
    private final class OpenFile {
      private final String partition;
      private final Path local;
      private final ParquetWriter<GenericRecord> writer;
      private long lastBuffered;

      OpenFile(String partition, String table) throws IOException {
        this.partition = partition;
        this.local = Files.createTempFile("datalake-", ".parquet");
        this.writer =
            WriteLakeTables.localParquetWriter(local, kinds.table(table).avroSchema(), codec);
      }

      void write(GenericRecord record) throws IOException {
        writer.write(record);
      }

      /**
       * The heap the row group takes: its buffers' allocated capacity ({@link
       * RowGroupFlush#allocatedBytes}), or, without access to it, what the writer holds less what
       * it has written to disk (the encoded bytes, less than the heap they take).
       */
      long bufferedBytes() throws IOException {
        lastBuffered =
            RowGroupFlush.available()
                ? RowGroupFlush.allocatedBytes(writer)
                : Math.max(0, writer.getDataSize() - Files.size(local));
        return lastBuffered;
      }

      /** Closes the file and copies it into the lake's temporary folder; its lake name. */
      String finish() throws IOException {
        try {
          writer.close();
          ResourceId target =
              FileSystems.matchNewResource(lake, true)
                  .resolve(tempFolder, dir())
                  .resolve(UUID.randomUUID() + WriteLakeTables.PARQUET_SUFFIX, file());
          // Closing the stream closes the channel, once: S3's channel completes its upload on
          // close and fails on a second one.
          WritableByteChannel channel = FileSystems.create(target, MimeTypes.BINARY);
          try (OutputStream stream = Channels.newOutputStream(channel)) {
            Files.copy(local, stream);
          }
          return target.toString();
        } finally {
          Files.deleteIfExists(local);
        }
      }

      void discard() {
        try {
          writer.close();
        } catch (IOException | RuntimeException e) {
          // the file is deleted below either way
        }
        try {
          Files.deleteIfExists(local);
        } catch (IOException e) {
          LOG.warn("Could not delete the local file {}", local, e);
        }
      }
    }
  }

  /**
   * Renames each partition's files to their final names, {@code <prefix>-<i>-of-<n>.parquet}, and
   * deletes this run's and writer's files there that the run did not write again. Safe to retry: a
   * file renamed by an earlier attempt is not renamed again.
   */
  static class PublishFilesFn extends DoFn<KV<String, Iterable<String>>, KV<String, String>> {
    private final String lake;
    private final String prefix;

    PublishFilesFn(String lake, String prefix) {
      this.lake = lake;
      this.prefix = prefix;
    }

    @ProcessElement
    public void process(
        @Element KV<String, Iterable<String>> partitionFiles,
        OutputReceiver<KV<String, String>> out)
        throws IOException {
      String partition = partitionFiles.getKey();
      List<String> temps = new ArrayList<>();
      partitionFiles.getValue().forEach(temps::add);
      Collections.sort(temps); // the same order on a retry
      ResourceId folder = FileSystems.matchNewResource(lake, true).resolve(partition, dir());
      FileIO.Write.FileNaming naming = LakeFileNaming.of(prefix, WriteLakeTables.PARQUET_SUFFIX);
      List<ResourceId> from = new ArrayList<>();
      List<ResourceId> to = new ArrayList<>();
      Set<String> names = new HashSet<>();
      for (int i = 0; i < temps.size(); i++) {
        String name =
            naming.getFilename(
                GlobalWindow.INSTANCE,
                PaneInfo.NO_FIRING,
                temps.size(),
                i,
                Compression.UNCOMPRESSED);
        names.add(name);
        from.add(FileSystems.matchNewResource(temps.get(i), false));
        to.add(folder.resolve(name, file()));
      }
      FileSystems.rename(from, to, MoveOptions.StandardMoveOptions.IGNORE_MISSING_FILES);
      List<ResourceId> stale = new ArrayList<>();
      MatchResult earlier =
          FileSystems.match(
              folder
                  .resolve(prefix + "-*-of-*" + WriteLakeTables.PARQUET_SUFFIX, file())
                  .toString(),
              EmptyMatchTreatment.ALLOW);
      for (MatchResult.Metadata metadata : earlier.metadata()) {
        String name = metadata.resourceId().getFilename();
        if (!names.contains(name) && isShardName(name)) {
          stale.add(metadata.resourceId());
        }
      }
      if (!stale.isEmpty()) {
        LOG.info("Deleting {} file(s) of an earlier run in {}", stale.size(), partition);
        FileSystems.delete(stale, MoveOptions.StandardMoveOptions.IGNORE_MISSING_FILES);
      }
      for (ResourceId published : to) {
        out.output(KV.of(partition, published.toString()));
      }
    }

    /**
     * {@code <prefix>-<digits>-of-<digits>.parquet}: not another writer's {@code <prefix>-x-...}.
     */
    private boolean isShardName(String name) {
      String rest =
          name.substring(
              prefix.length() + 1, name.length() - WriteLakeTables.PARQUET_SUFFIX.length());
      return rest.matches("\\d+-of-\\d+");
    }
  }

  /**
   * Deletes what is left in this run's and writer's temporary folders: files of failed attempts,
   * also those of an earlier attempt of the same run that was killed before it could clean up.
   */
  static class RemoveTempFilesFn extends DoFn<Long, Void> {
    private final String lake;
    private final String prefix;

    RemoveTempFilesFn(String lake, String prefix) {
      this.lake = lake;
      this.prefix = prefix;
    }

    @ProcessElement
    public void process(@Element Long published) throws IOException {
      ResourceId folder =
          FileSystems.matchNewResource(lake, true).resolve(TEMP_ROOT + prefix, dir());
      MatchResult left =
          FileSystems.match(folder.resolve("*/*", file()).toString(), EmptyMatchTreatment.ALLOW);
      List<ResourceId> files = new ArrayList<>();
      for (MatchResult.Metadata metadata : left.metadata()) {
        files.add(metadata.resourceId());
      }
      if (!files.isEmpty()) {
        LOG.info(
            "Removing {} unpublished file(s) of failed attempts from {}", files.size(), folder);
        FileSystems.delete(files, MoveOptions.StandardMoveOptions.IGNORE_MISSING_FILES);
      }
      if ("file".equals(folder.getScheme())) {
        removeEmptyFolders(Path.of(folder.toString()));
      }
      LOG.info("Published {} lake file(s) of {}", published, prefix);
    }

    /** A local file system keeps empty folders: this writer's, and .temp-datalake when empty. */
    private static void removeEmptyFolders(Path writerFolder) throws IOException {
      if (Files.isDirectory(writerFolder)) {
        try (Stream<Path> attempts = Files.list(writerFolder)) {
          for (Path attempt : attempts.toList()) {
            deleteIfEmpty(attempt);
          }
        }
      }
      deleteIfEmpty(writerFolder);
      deleteIfEmpty(writerFolder.getParent());
    }

    private static void deleteIfEmpty(Path folder) throws IOException {
      try {
        Files.deleteIfExists(folder);
      } catch (DirectoryNotEmptyException e) {
        // another writer's files, or one still being written: its own cleanup removes them
      }
    }
  }

  private static StandardResolveOptions dir() {
    return StandardResolveOptions.RESOLVE_DIRECTORY;
  }

  private static StandardResolveOptions file() {
    return StandardResolveOptions.RESOLVE_FILE;
  }
}
