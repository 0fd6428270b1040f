package io.datalake.transforms.io;

import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.model.LakeRow;
import io.datalake.transforms.stream.EventTimeWindowing;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.WritableByteChannel;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.beam.sdk.coders.BooleanCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.MoveOptions;
import org.apache.beam.sdk.io.fs.ResolveOptions.StandardResolveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.state.BagState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.transforms.windowing.WindowFn;
import org.apache.beam.sdk.util.MimeTypes;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.joda.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The streaming lake's writer of event-time windows: one Parquet file per partition, window pane
 * and shard, as Beam's {@code FileIO} writes them, but with the rows that wait for their window on
 * disk instead of in the heap.
 *
 * <p>Why: a window's rows wait until the watermark passes its end, the window plus the
 * out-of-orderness (by default 300 s plus 60 s). Grouped by {@code FileIO}, they waited in the
 * runner's state, in the heap: at 4,000 records/s with 10 s windows and 20 s of out-of-orderness
 * that was 250,000 rows and 350 MB of a 1 GiB heap, and the garbage collector's work over them (a
 * quarter of a core) was what kept the stream from keeping up (the benchmark diary, "Thirty-seventh
 * look"). At the defaults that would be minutes of rows.
 *
 * <p>How, per worker ({@link SpillAndWritePanesFn}, keyed by partition):
 *
 * <ul>
 *   <li>Each row is appended to the bundle's buffer of its partition and window, and the name of
 *       the bundle's spill file is added to that partition and window's state once per bundle.
 *   <li>When the bundle ends (at the latest before each checkpoint: Flink ends a bundle before it
 *       takes a snapshot) the buffers become one spill file under {@code
 *       <lake>/.temp-datalake/spill/<prefix>/} ({@link SpillFile}): the state a checkpoint holds
 *       names only files that are complete.
 *   <li>When the watermark passes the window's end (and again for late rows, a late-pane delay
 *       after the first of them, and at the window's expiry), the partition's segments are read
 *       back from their files and written as one Parquet file, first under a temporary name and
 *       then renamed to {@code <partition>/part-<runId>-<window>-<pane>-<shard>-of-<n>.parquet}:
 *       the name a restore from a checkpoint gives the same pane again. A replay may split the rows
 *       into panes differently (the watermark moves otherwise), so the lake stays at least once, as
 *       it was with FileIO.
 *   <li>Every segment read is counted per spill file ({@link CountReadSegmentsFn}); a file whose
 *       segments have all been written is deleted ({@link DeleteSpillFileFn}) once a checkpoint
 *       holds that (the step is {@code @RequiresStableInput}), so a restore never needs a deleted
 *       file. The count and the deletion are two steps: Beam's Flink runner hands a stateful step's
 *       stable input over without setting each element's key, so a count kept there mixed the
 *       files' counts and deleted files still to be read.
 * </ul>
 *
 * <p>Spill files written after the last checkpoint of a job that crashed are read by no restore:
 * the rows are read again from Kafka. They stay in the spill folder; a stopped job's files stay for
 * its {@code --resume}. Only the newest checkpoint (or savepoint) can be restored: an older one
 * names spill files deleted since. Flink keeps one completed checkpoint unless configured otherwise
 * ({@code state.checkpoints.num-retained}).
 */
final class WriteSpilledWindows
    extends PTransform<PCollection<LakeRow>, PCollection<KV<String, String>>> {
  private static final Logger LOG = LoggerFactory.getLogger(WriteSpilledWindows.class);

  /** Where a writer's spill files are, below the lake root: never inside a table. */
  static final String SPILL_ROOT = WriteFilesPerWorker.TEMP_ROOT + "spill/";

  /** A bundle's rows are written out early when their buffers pass this many bytes. */
  static final int MAX_BUFFERED_BYTES = 32 * 1024 * 1024;

  /** Files written by a pane, per partition. */
  static final TupleTag<KV<String, String>> FILES = new TupleTag<>() {};

  /** Per spill file, one element per segment read: how many segments the file holds. */
  static final TupleTag<KV<String, Integer>> SEGMENTS_READ = new TupleTag<>() {};

  private final String lake;
  private final String prefix;
  private final boolean hourly;
  private final int shards;
  private final CompressionCodecName codec;
  private final RecordKinds kinds;

  WriteSpilledWindows(
      String lake,
      String prefix,
      boolean hourly,
      int shards,
      CompressionCodecName codec,
      RecordKinds kinds) {
    this.lake = lake;
    this.prefix = prefix;
    this.hourly = hourly;
    this.shards = Math.max(1, shards);
    this.codec = codec;
    this.kinds = kinds;
  }

  /** Whether rows in these windows are written by this writer: a stream's event-time windows. */
  static boolean writes(PCollection<LakeRow> rows) {
    return rows.isBounded() == PCollection.IsBounded.UNBOUNDED
        && !(rows.getWindowingStrategy().getWindowFn() instanceof GlobalWindows);
  }

  @Override
  public PCollection<KV<String, String>> expand(PCollection<LakeRow> rows) {
    WindowFn<?, ?> windowFn = rows.getWindowingStrategy().getWindowFn();
    if (!(windowFn.windowCoder().equals(IntervalWindow.getCoder()))) {
      throw new IllegalArgumentException(
          "The spilled window writer takes rows in interval windows, got " + windowFn);
    }
    Duration lateDelay =
        windowFn instanceof FixedWindows fixed
            ? EventTimeWindowing.lateDelay(fixed.getSize())
            : Duration.standardMinutes(1);
    Duration allowedLateness = rows.getWindowingStrategy().getAllowedLateness();
    boolean hourlyPartitions = hourly;
    int shardCount = shards;
    PCollectionTuple written =
        rows.apply(
                "KeyByPartition",
                MapElements.into(
                        TypeDescriptors.kvs(
                            TypeDescriptors.strings(), TypeDescriptor.of(LakeRow.class)))
                    .via((LakeRow row) -> KV.of(key(row, hourlyPartitions, shardCount), row)))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), LakeRow.Coder.of(kinds)))
            .apply(
                "SpillAndWritePanes",
                ParDo.of(
                        new SpillAndWritePanesFn(
                            lake, prefix, shards, codec, kinds, lateDelay, allowedLateness))
                    .withOutputTags(FILES, TupleTagList.of(SEGMENTS_READ)));
    written
        .get(SEGMENTS_READ)
        .setCoder(KvCoder.of(StringUtf8Coder.of(), VarIntCoder.of()))
        .apply("SpillFilesInOneWindow", Window.into(new GlobalWindows()))
        .apply("CountReadSegments", ParDo.of(new CountReadSegmentsFn()))
        .setCoder(StringUtf8Coder.of())
        .apply("DeleteReadSpillFiles", ParDo.of(new DeleteSpillFileFn()));
    return written.get(FILES).setCoder(KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of()));
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder.add(
        DisplayData.item("spillFolder", lake + SPILL_ROOT + prefix + "/")
            .withLabel("Where rows wait for their window"));
  }

  /** The row's partition, and its shard when a partition is written in more than one file. */
  static String key(LakeRow row, boolean hourly, int shards) {
    String partition =
        LakePaths.partition(row.table(), row.tenant(), row.eventTimeMicros(), hourly);
    if (shards == 1) {
      return partition;
    }
    // The same row lands in the same shard on a replay. Mixed (MurmurHash3's finalizer): event
    // times in whole milliseconds share their low bits, which a modulo of 2, 4 or 8 would keep.
    long h = row.eventTimeMicros() * 31 + row.tenant().hashCode();
    h = (h ^ (h >>> 33)) * 0xff51afd7ed558ccdL;
    h = (h ^ (h >>> 33)) * 0xc4ceb9fe1a85ec53L;
    int shard = (int) Math.floorMod(h ^ (h >>> 33), (long) shards);
    return partition + SHARD_SEPARATOR + shard;
  }

  /** Between a partition and its shard in a key; never in a partition path (escaped there). */
  private static final char SHARD_SEPARATOR = '#';

  static String partitionOf(String key) {
    int at = key.lastIndexOf(SHARD_SEPARATOR);
    return at < 0 ? key : key.substring(0, at);
  }

  static int shardOf(String key) {
    int at = key.lastIndexOf(SHARD_SEPARATOR);
    return at < 0 ? 0 : Integer.parseInt(key.substring(at + 1));
  }

  /**
   * Keyed by partition (and shard): gathers each bundle's rows into a spill file, keeps the names
   * of the files that hold a partition's rows of a window, and writes the window's panes from them.
   */
  static class SpillAndWritePanesFn extends DoFn<KV<String, LakeRow>, KV<String, String>> {
    /** Index entries kept per worker: a pane reads the index of each file once. */
    private static final int CACHED_INDEXES = 512;

    private final String lake;
    private final String prefix;
    private final int shards;
    private final CompressionCodecName codec;
    private final RecordKinds kinds;
    private final Duration lateDelay;
    private final Duration allowedLateness;

    @StateId("spillFiles")
    private final StateSpec<BagState<String>> spillFilesSpec = StateSpecs.bag(StringUtf8Coder.of());

    @StateId("panes")
    private final StateSpec<ValueState<Integer>> panesSpec = StateSpecs.value(VarIntCoder.of());

    @StateId("latePaneDue")
    private final StateSpec<ValueState<Boolean>> latePaneDueSpec =
        StateSpecs.value(BooleanCoder.of());

    @TimerId("onTime")
    private final TimerSpec onTimeSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    @TimerId("latePane")
    private final TimerSpec latePaneSpec = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

    @TimerId("expiry")
    private final TimerSpec expirySpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    private transient LakeRow.Coder coder;
    private transient ResourceId spillFolder;
    private transient ResourceId lakeFolder;

    /** The current bundle's rows, by partition key and window, and the file they will go to. */
    private transient Map<SpillFile.SegmentId, SpillFile.Buffer> buffers;

    private transient String bufferFile;
    private transient long bufferedBytes;
    private transient Map<String, SpillFile.Index> indexes;

    SpillAndWritePanesFn(
        String lake,
        String prefix,
        int shards,
        CompressionCodecName codec,
        RecordKinds kinds,
        Duration lateDelay,
        Duration allowedLateness) {
      this.lake = lake;
      this.prefix = prefix;
      this.shards = shards;
      this.codec = codec;
      this.kinds = kinds;
      this.lateDelay = lateDelay;
      this.allowedLateness = allowedLateness;
    }

    @Setup
    public void setup() {
      coder = LakeRow.Coder.of(kinds);
      lakeFolder = FileSystems.matchNewResource(lake, true);
      spillFolder =
          lakeFolder.resolve(SPILL_ROOT + prefix, StandardResolveOptions.RESOLVE_DIRECTORY);
      buffers = new LinkedHashMap<>();
      indexes =
          new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, SpillFile.Index> eldest) {
              return size() > CACHED_INDEXES;
            }
          };
    }

    @ProcessElement
    public void process(
        @Element KV<String, LakeRow> element,
        BoundedWindow window,
        @StateId("spillFiles") BagState<String> spillFiles,
        @StateId("panes") ValueState<Integer> panes,
        @StateId("latePaneDue") ValueState<Boolean> latePaneDue,
        @TimerId("onTime") Timer onTime,
        @TimerId("latePane") Timer latePane,
        @TimerId("expiry") Timer expiry)
        throws IOException {
      SpillFile.SegmentId id = new SpillFile.SegmentId(element.getKey(), (IntervalWindow) window);
      SpillFile.Buffer buffer = buffers.get(id);
      if (buffer == null) {
        if (bufferFile == null) {
          bufferFile =
              spillFolder
                  .resolve(
                      UUID.randomUUID() + SpillFile.SUFFIX, StandardResolveOptions.RESOLVE_FILE)
                  .toString();
        }
        buffer = new SpillFile.Buffer();
        buffers.put(id, buffer);
        // Once per partition, window and spill file: the state holds names, never rows.
        spillFiles.add(bufferFile);
        if (panes.read() == null) {
          onTime.set(window.maxTimestamp());
        } else if (latePaneDue.read() == null) {
          // The window has fired: its late rows gather for a while, so that a trickle of them
          // makes a file a minute, not a file a row; the expiry writes what is left before the
          // window's state is dropped.
          latePane.offset(lateDelay).setRelative();
          expiry.set(window.maxTimestamp().plus(allowedLateness));
          latePaneDue.write(true);
        }
      }
      long before = buffer.bytes.size();
      coder.encode(element.getValue(), buffer.bytes);
      buffer.rows++;
      bufferedBytes += buffer.bytes.size() - before;
      if (bufferedBytes > MAX_BUFFERED_BYTES) {
        spill();
      }
    }

    @FinishBundle
    public void finishBundle() throws IOException {
      spill();
    }

    @OnTimer("onTime")
    public void onTime(
        @Key String key,
        BoundedWindow window,
        @StateId("spillFiles") BagState<String> spillFiles,
        @StateId("panes") ValueState<Integer> panes,
        @StateId("latePaneDue") ValueState<Boolean> latePaneDue,
        MultiOutputReceiver out)
        throws IOException {
      writePane(
          key,
          (IntervalWindow) window,
          PaneInfo.Timing.ON_TIME,
          false,
          spillFiles,
          panes,
          latePaneDue,
          out);
    }

    @OnTimer("latePane")
    public void latePane(
        @Key String key,
        BoundedWindow window,
        @StateId("spillFiles") BagState<String> spillFiles,
        @StateId("panes") ValueState<Integer> panes,
        @StateId("latePaneDue") ValueState<Boolean> latePaneDue,
        MultiOutputReceiver out)
        throws IOException {
      writePane(
          key,
          (IntervalWindow) window,
          PaneInfo.Timing.LATE,
          false,
          spillFiles,
          panes,
          latePaneDue,
          out);
    }

    @OnTimer("expiry")
    public void expiry(
        @Key String key,
        BoundedWindow window,
        @StateId("spillFiles") BagState<String> spillFiles,
        @StateId("panes") ValueState<Integer> panes,
        @StateId("latePaneDue") ValueState<Boolean> latePaneDue,
        MultiOutputReceiver out)
        throws IOException {
      writePane(
          key,
          (IntervalWindow) window,
          PaneInfo.Timing.LATE,
          true,
          spillFiles,
          panes,
          latePaneDue,
          out);
    }

    /** Writes the bundle's buffers as one spill file; the next row starts another. */
    private void spill() throws IOException {
      if (buffers.isEmpty()) {
        return;
      }
      ResourceId file = FileSystems.matchNewResource(bufferFile, false);
      indexes.put(bufferFile, SpillFile.write(file, buffers));
      buffers = new LinkedHashMap<>();
      bufferFile = null;
      bufferedBytes = 0;
    }

    /**
     * Reads the partition's segments of the window from the files its state names and writes them
     * as the window's next pane: {@code last} at the window's expiry. Nothing when no row came
     * since the last pane.
     */
    private void writePane(
        String key,
        IntervalWindow window,
        PaneInfo.Timing timing,
        boolean last,
        BagState<String> spillFiles,
        ValueState<Integer> panes,
        ValueState<Boolean> latePaneDue,
        MultiOutputReceiver out)
        throws IOException {
      // This bundle's rows may be among the pane's: they are read back from their file too.
      spill();
      Set<String> files = new LinkedHashSet<>();
      spillFiles.read().forEach(files::add);
      latePaneDue.clear();
      if (files.isEmpty()) {
        return;
      }
      Integer written = panes.read();
      int paneIndex = written == null ? 0 : written;
      PaneInfo pane =
          PaneInfo.createPane(
              paneIndex == 0, last, timing, paneIndex, timing == PaneInfo.Timing.ON_TIME ? 0 : -1);
      String partition = partitionOf(key);
      FileIO.Write.FileNaming naming =
          LakeFileNaming.of(partition + "/" + prefix, WriteLakeTables.PARQUET_SUFFIX);
      ResourceId target =
          lakeFolder.resolve(
              naming.getFilename(window, pane, shards, shardOf(key), Compression.UNCOMPRESSED),
              StandardResolveOptions.RESOLVE_FILE);
      ResourceId temp =
          spillFolder.resolve(
              UUID.randomUUID() + WriteLakeTables.PARQUET_SUFFIX,
              StandardResolveOptions.RESOLVE_FILE);
      SpillFile.SegmentId id = new SpillFile.SegmentId(key, window);
      LakeParquetSink sink =
          new LakeParquetSink(kinds.table(WriteLakeTables.tableOf(partition)).avroSchema(), codec);
      Map<String, Integer> segmentsPerFile = new HashMap<>();
      long rows = 0;
      WritableByteChannel channel = FileSystems.create(temp, MimeTypes.BINARY);
      try {
        sink.open(channel);
        for (String name : files) {
          SpillFile.Index index = index(name);
          SpillFile.Segment segment = index.segments().get(id);
          if (segment == null) {
            throw new IllegalStateException(
                "The spill file "
                    + name
                    + " has no rows of "
                    + key
                    + " in "
                    + window
                    + ", which the state of that pane names");
          }
          try (InputStream in =
              SpillFile.openSegment(FileSystems.matchNewResource(name, false), segment)) {
            for (int i = 0; i < segment.rows(); i++) {
              sink.write(coder.decode(in).detachedRecord());
            }
          }
          rows += segment.rows();
          segmentsPerFile.put(name, index.size());
        }
        sink.flush();
      } catch (IOException | RuntimeException e) {
        // The rows stay in their spill files and the pane is retried; the part written is not kept.
        sink.abandon(channel, e);
        try {
          FileSystems.delete(List.of(temp), MoveOptions.StandardMoveOptions.IGNORE_MISSING_FILES);
        } catch (IOException | RuntimeException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      }
      // No options: a missing temporary file fails the pane instead of losing its rows.
      FileSystems.rename(List.of(temp), List.of(target));
      LOG.debug("Wrote {} rows of {} from {} spill file(s) to {}", rows, key, files.size(), target);
      out.get(FILES).output(KV.of(partition, target.toString()));
      segmentsPerFile.forEach(
          (name, segments) -> out.get(SEGMENTS_READ).output(KV.of(name, segments)));
      spillFiles.clear();
      panes.write(paneIndex + 1);
    }

    private static boolean isMissing(String name, Exception failure) {
      try {
        MatchResult match = FileSystems.match(List.of(name)).get(0);
        return match.status() == MatchResult.Status.NOT_FOUND
            || (match.status() == MatchResult.Status.OK && match.metadata().isEmpty());
      } catch (IOException | RuntimeException e) {
        failure.addSuppressed(e);
        return false;
      }
    }

    private SpillFile.Index index(String name) throws IOException {
      SpillFile.Index index = indexes.get(name);
      if (index == null) {
        index = readIndex(name);
        indexes.put(name, index);
      }
      return index;
    }

    /** A spill file's index; a file that is gone says why that happens and what to do. */
    static SpillFile.Index readIndex(String name) throws IOException {
      try {
        return SpillFile.readIndex(FileSystems.matchNewResource(name, false));
      } catch (IOException | RuntimeException e) {
        // Each file system says "missing" its own way (S3 with a runtime exception): ask.
        if (isMissing(name, e)) {
          throw new IOException(
              "The spill file "
                  + name
                  + " that this window's state names is gone: the job was restored from a"
                  + " checkpoint older than its newest one (only the newest can restore, older"
                  + " ones name spill files deleted since), or after a drained stop that failed."
                  + " Cancel the job at once and start it again without --resume: Kafka gives the"
                  + " rows since the consumer group's committed offsets again (README, 'Upgrading"
                  + " a running streaming job')",
              e);
        }
        throw e;
      }
    }
  }

  /** Counts the segments read per spill file, and hands on a file once all of them are. */
  static class CountReadSegmentsFn extends DoFn<KV<String, Integer>, String> {
    @StateId("read")
    private final StateSpec<ValueState<Integer>> readSpec = StateSpecs.value(VarIntCoder.of());

    @ProcessElement
    public void process(
        @Element KV<String, Integer> segmentRead,
        @StateId("read") ValueState<Integer> read,
        OutputReceiver<String> out) {
      Integer before = read.read();
      int segments = before == null ? 1 : before + 1;
      if (segments < segmentRead.getValue()) {
        read.write(segments);
      } else {
        read.clear();
        out.output(segmentRead.getKey());
      }
    }
  }

  /**
   * Deletes a spill file all of whose segments are written. {@code RequiresStableInput}: on Flink a
   * file is deleted only once the checkpoint holding the panes that read it has completed, so no
   * restore goes back to a state that names a deleted file.
   */
  static class DeleteSpillFileFn extends DoFn<String, Void> {
    @RequiresStableInput
    @ProcessElement
    public void process(@Element String file) {
      try {
        FileSystems.delete(
            List.of(FileSystems.matchNewResource(file, false)),
            MoveOptions.StandardMoveOptions.IGNORE_MISSING_FILES);
      } catch (IOException | RuntimeException e) {
        // Its rows are written: the file is only disk. Failing here would restart the job from
        // its last checkpoint (and turn a drained stop into a failover) for no row; FileIO leaves
        // a temporary file it cannot delete the same way.
        LOG.warn(
            "Could not delete the spill file {} (its rows are written; it can be deleted): {}",
            file,
            e.toString());
      }
    }
  }
}
