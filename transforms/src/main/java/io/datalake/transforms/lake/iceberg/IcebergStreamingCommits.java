package io.datalake.transforms.lake.iceberg;

import io.datalake.transforms.lake.iceberg.WriteIcebergTables.CommittableFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.AfterProcessingTime;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Repeatedly;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.joda.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The streaming commits of the Iceberg lake: exactly once at Flink checkpoints. The writers' data
 * files are stamped with the time they were handed over, gathered per table in a global window that
 * fires every {@code interval} of processing time, and committed by {@link CommitFilesFn}, one
 * {@code AppendFiles} per table and pane.
 *
 * <p>Why this is exactly once on the FlinkRunner:
 *
 * <ul>
 *   <li>{@link CommitFilesFn} is {@code @RequiresStableInput}: Flink buffers its input in the
 *       operator's state and hands it over only once the checkpoint holding it has completed (the
 *       runner refuses the pipeline without checkpointing). A file reaches the commit only when the
 *       Kafka offsets and window state that produced it are in a completed checkpoint, so a restore
 *       never writes its rows into a second file that is committed too.
 *   <li>A crash after the checkpoint and before, during or after the commit restores that
 *       checkpoint, whose buffer hands the same files to the commit again. Iceberg's own Flink
 *       committer recognises such a replay by the max-committed-checkpoint-id it records in the
 *       snapshot summary; a Beam step never sees checkpoint ids, so this one looks at what the
 *       table's snapshots added instead: files some snapshot already added are left out, and a pane
 *       whose files are all committed commits nothing. Only snapshots from the files' stamp (less
 *       {@link #CLOCK_SKEW}) on are read: a file cannot have been committed before it was written,
 *       so the work stays a few manifests per commit, also after a restore.
 *   <li>Files written but never handed to a completed checkpoint's commit (a crash between writing
 *       and the checkpoint) are in no snapshot: readers never see them; they stay as orphans under
 *       the table's {@code data/} until a clean-up removes files no snapshot references.
 *   <li>The exception, a drained stop ({@code --enableStableInputDrain}, which every stream gets):
 *       the commits a checkpoint still in flight holds run as the drain ends. Should that
 *       checkpoint and then the savepoint both fail, the restore of the one before writes those
 *       rows again and commits them a second time (README, "Upgrading a running streaming job").
 * </ul>
 *
 * <p>Each snapshot's summary records the run ({@value IcebergCommits#RUN_ID}), the writer ({@value
 * IcebergCommits#WRITER}), a digest of the files it added ({@value IcebergCommits#FILES_HASH}) and
 * {@value #COMMIT_KIND}={@value #STREAMING}. On the DirectRunner {@code @RequiresStableInput}
 * buffers nothing and the run cannot be resumed: the commits happen at each interval, and a crashed
 * DirectRunner run gives no guarantee (for trials only).
 */
public final class IcebergStreamingCommits
    extends PTransform<PCollection<KV<String, CommittableFile>>, PDone> {
  private static final Logger LOG = LoggerFactory.getLogger(IcebergStreamingCommits.class);

  /** The summary key saying how a snapshot was committed, and its value for streaming commits. */
  public static final String COMMIT_KIND = "datalake.commit";

  public static final String STREAMING = "stream";

  /** How far the workers' clocks may be apart: snapshots this much before a stamp are read too. */
  static final Duration CLOCK_SKEW = Duration.standardMinutes(10);

  private final IcebergCatalogConfig catalog;
  private final String runId;
  private final String writer;
  private final Duration interval;
  private final StreamingSnapshotExpiry expiry;

  private IcebergStreamingCommits(
      IcebergCatalogConfig catalog,
      String runId,
      String writer,
      Duration interval,
      StreamingSnapshotExpiry expiry) {
    this.catalog = catalog;
    this.runId = runId;
    this.writer = writer;
    this.interval = interval;
    this.expiry = expiry;
  }

  /**
   * Commits the files of run {@code runId}'s writer {@code writer} to the tables of {@code catalog}
   * every {@code interval} (and no sooner than the checkpoint after them on Flink).
   */
  public static IcebergStreamingCommits every(
      Duration interval, IcebergCatalogConfig catalog, String runId, String writer) {
    if (interval == null || !interval.isLongerThan(Duration.ZERO)) {
      throw new IllegalArgumentException(
          "--icebergCommitIntervalSeconds must be at least 1, got " + interval);
    }
    return new IcebergStreamingCommits(
        Objects.requireNonNull(catalog, "catalog"),
        Objects.requireNonNull(runId, "runId"),
        Objects.requireNonNull(writer, "writer"),
        interval,
        StreamingSnapshotExpiry.never());
  }

  /**
   * After a commit, expires the table's snapshots older than {@code keepDays} days, at most once an
   * hour per table ({@link StreamingSnapshotExpiry}); -1 (the default): never.
   */
  public IcebergStreamingCommits withSnapshotExpiry(int keepDays) {
    return new IcebergStreamingCommits(
        catalog, runId, writer, interval, new StreamingSnapshotExpiry(keepDays));
  }

  @Override
  public PDone expand(PCollection<KV<String, CommittableFile>> files) {
    files
        .apply("StampFiles", ParDo.of(new StampFn()))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), new StampedFile.Coder()))
        .apply(
            "CommitPanes",
            Window.<KV<String, StampedFile>>into(new GlobalWindows())
                .triggering(
                    Repeatedly.forever(
                        AfterProcessingTime.pastFirstElementInPane().plusDelayOf(interval)))
                .withAllowedLateness(Duration.ZERO)
                .discardingFiredPanes())
        .apply("GroupFilesByTable", GroupByKey.create())
        .apply("CommitAtCheckpoints", ParDo.of(new CommitFilesFn(catalog, runId, writer, expiry)));
    return PDone.in(files.getPipeline());
  }

  /**
   * A data file and when its writer handed it over (ms since the epoch, the writer's clock): no
   * snapshot before that can hold it.
   */
  public record StampedFile(CommittableFile file, long stampMillis) implements Serializable {
    /** The data file's own coder and the stamp. */
    static final class Coder extends CustomCoder<StampedFile> {
      private final CommittableFile.Coder file = new CommittableFile.Coder();

      @Override
      public void encode(StampedFile value, OutputStream out) throws IOException {
        file.encode(value.file(), out);
        VarLongCoder.of().encode(value.stampMillis(), out);
      }

      @Override
      public StampedFile decode(InputStream in) throws IOException {
        return new StampedFile(file.decode(in), VarLongCoder.of().decode(in));
      }
    }
  }

  /** Stamps each file with the clock as its writer hands it over. */
  static class StampFn extends DoFn<KV<String, CommittableFile>, KV<String, StampedFile>> {
    @ProcessElement
    public void process(
        @Element KV<String, CommittableFile> file, OutputReceiver<KV<String, StampedFile>> out) {
      out.output(
          KV.of(file.getKey(), new StampedFile(file.getValue(), System.currentTimeMillis())));
    }
  }

  /**
   * Commits one table's files of a pane ({@link #commit}), once the runner holds them stable: on
   * Flink, after the checkpoint that holds them has completed.
   */
  static class CommitFilesFn extends CatalogDoFn<KV<String, Iterable<StampedFile>>, Void> {
    private final String runId;
    private final String writer;
    private final StreamingSnapshotExpiry expiry;
    private final Counter expiryFailures =
        Metrics.counter(IcebergStreamingCommits.class, "snapshotExpiryFailures");

    CommitFilesFn(
        IcebergCatalogConfig config, String runId, String writer, StreamingSnapshotExpiry expiry) {
      super(config);
      this.runId = runId;
      this.writer = writer;
      this.expiry = expiry;
    }

    @RequiresStableInput
    @ProcessElement
    public void process(@Element KV<String, Iterable<StampedFile>> files) {
      List<DataFile> dataFiles = new ArrayList<>();
      long oldestStamp = Long.MAX_VALUE;
      for (StampedFile f : files.getValue()) {
        dataFiles.add(f.file().file());
        oldestStamp = Math.min(oldestStamp, f.stampMillis());
      }
      if (dataFiles.isEmpty()) {
        return;
      }
      Table table = catalog.loadTable(config.id(files.getKey()));
      Result result = commit(table, runId, writer, dataFiles, oldestStamp);
      if (result.appended() > 0) {
        expireAfterCommit(table);
      }
    }

    /**
     * Upkeep, not the commit: a failed expiry (e.g. a conflict with another writer) is counted and
     * logged, the commit stands, and the next commit an hour later tries again.
     */
    private void expireAfterCommit(Table table) {
      try {
        expiry.afterCommit(table, java.time.Instant.now());
      } catch (RuntimeException e) {
        expiryFailures.inc();
        LOG.warn(
            "datalake: snapshot expiry of {} failed; retried after a later commit",
            table.name(),
            e);
      }
    }
  }

  /** What one streaming commit did. */
  public record Result(int appended, int alreadyCommitted, Snapshot snapshot) {}

  /**
   * Appends those of {@code files} that no snapshot of {@code table} added yet, in one snapshot
   * recording run {@code runId}'s writer {@code writer}; nothing when all are committed. {@code
   * notBeforeMillis}: when the oldest file was handed over (snapshots older than that, less {@link
   * #CLOCK_SKEW}, are not read).
   */
  public static Result commit(
      Table table, String runId, String writer, List<DataFile> files, long notBeforeMillis) {
    // One file per location, in a fixed order: the digest of a replayed pane is the same.
    Map<String, DataFile> byLocation = new LinkedHashMap<>();
    List<DataFile> sorted = new ArrayList<>(files);
    sorted.sort(Comparator.comparing(DataFile::location));
    for (DataFile file : sorted) {
      byLocation.putIfAbsent(file.location(), file);
    }
    table.refresh();
    Set<String> committed = committedSince(table, notBeforeMillis - CLOCK_SKEW.getMillis());
    List<DataFile> fresh = new ArrayList<>();
    for (DataFile file : byLocation.values()) {
      if (!committed.contains(file.location())) {
        fresh.add(file);
      }
    }
    int already = byLocation.size() - fresh.size();
    if (fresh.isEmpty()) {
      LOG.info(
          "datalake: {} already holds all {} files of this pane ({}): nothing to commit (a replay"
              + " after a restore)",
          table.name(),
          already,
          writer);
      return new Result(0, already, null);
    }
    AppendFiles append = table.newAppend();
    fresh.forEach(append::appendFile);
    append
        .set(IcebergCommits.RUN_ID, runId)
        .set(IcebergCommits.WRITER, writer)
        .set(IcebergCommits.FILES_HASH, IcebergCommits.hash(fresh))
        .set(COMMIT_KIND, STREAMING)
        .commit();
    Snapshot snapshot = table.currentSnapshot();
    LOG.info(
        "datalake: committed {} files to {} as run {} ({}){}",
        fresh.size(),
        table.name(),
        runId,
        writer,
        already == 0 ? "" : "; " + already + " files of the pane were committed before");
    return new Result(fresh.size(), already, snapshot);
  }

  /** Locations of the data files that the snapshots since {@code sinceMillis} added. */
  static Set<String> committedSince(Table table, long sinceMillis) {
    Set<String> locations = new HashSet<>();
    for (Snapshot snapshot : table.snapshots()) {
      if (snapshot.timestampMillis() < sinceMillis) {
        continue;
      }
      try {
        for (DataFile file : snapshot.addedDataFiles(table.io())) {
          locations.add(file.location());
        }
      } catch (UncheckedIOException e) {
        throw new UncheckedIOException(
            "cannot read what snapshot " + snapshot.snapshotId() + " of " + table.name() + " added",
            e.getCause());
      }
    }
    return locations;
  }
}
