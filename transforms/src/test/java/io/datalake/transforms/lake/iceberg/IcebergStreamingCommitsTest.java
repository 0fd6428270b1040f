package io.datalake.transforms.lake.iceberg;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;

import io.datalake.transforms.Fixtures;
import io.datalake.transforms.kinds.JourneyEvents;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.model.DeadLetter;
import io.datalake.transforms.model.SourceRecord;
import io.datalake.transforms.parse.ParseRecords;
import io.datalake.transforms.pii.PiiKeyset;
import io.datalake.transforms.pii.PiiPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.options.StreamingOptions;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.io.CloseableIterable;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The streaming commits on a Hadoop catalog in a temporary folder: panes of a stream become append
 * snapshots, and files handed over again (the replay of a restored checkpoint's stable input) are
 * never committed twice.
 */
public class IcebergStreamingCommitsTest {
  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  private IcebergCatalogConfig prepared() throws Exception {
    IcebergCatalogConfig config = IcebergCatalogConfig.hadoop(temp.newFolder("wh").toString());
    IcebergLakeTables.prepare(config, RecordKinds.builtIn(), false, "SNAPPY");
    return config;
  }

  private static SourceRecord event(int n, String id, String time) {
    return Fixtures.record(
        JourneyEvents.KIND, "f:" + n, Fixtures.analytics(id, "739224", "created_at", time));
  }

  /** Two event-time windows of a stream, each a pane of its own, through the streaming sink. */
  private static void stream(IcebergCatalogConfig config, String runId) {
    StreamingOptions options = PipelineOptionsFactory.create().as(StreamingOptions.class);
    options.setStreaming(true);
    Pipeline pipeline = Pipeline.create(options);
    Instant t0 = Instant.parse("2026-01-02T03:00:00Z");
    TestStream<SourceRecord> input =
        TestStream.create(SourceRecord.Coder.of())
            .addElements(
                TimestampedValue.of(event(0, "a", "2026-01-02T03:00:10Z"), t0.plus(10_000)),
                TimestampedValue.of(event(1, "b", "2026-01-02T03:00:20Z"), t0.plus(20_000)))
            .advanceWatermarkTo(t0.plus(Duration.standardMinutes(1)))
            .advanceProcessingTime(Duration.standardSeconds(10))
            .addElements(
                TimestampedValue.of(
                    event(2, "c", "2026-01-02T03:01:10Z"), t0.plus(Duration.standardSeconds(70))))
            .advanceWatermarkTo(t0.plus(Duration.standardMinutes(2)))
            .advanceProcessingTime(Duration.standardSeconds(10))
            .advanceWatermarkToInfinity();
    PCollection<DeadLetter> letters =
        pipeline
            .apply(input)
            .apply(ParseRecords.of(PiiKeyset.development(), PiiPolicy.defaults()))
            .get(ParseRecords.ROWS)
            .apply(Window.into(FixedWindows.of(Duration.standardMinutes(1))))
            .apply(
                WriteIcebergTables.to(config, runId)
                    .withDeadLetterKeyset(PiiKeyset.development())
                    .withStreamingCommits(Duration.standardSeconds(5)));
    PAssert.that(letters).empty();
    pipeline.run().waitUntilFinish();
  }

  private static List<DataFile> liveFiles(Table table) throws Exception {
    List<DataFile> files = new ArrayList<>();
    try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
      tasks.forEach(t -> files.add(t.file()));
    }
    return files;
  }

  @Test
  public void aStreamsPanesAreAppendedEachFileInOneSnapshot() throws Exception {
    IcebergCatalogConfig config = prepared();
    stream(config, "stream1");
    Table table = config.catalog().loadTable(config.id("journey_events"));
    assertThat(
        WriteIcebergTablesTest.ids(table), containsInAnyOrder("a@739224", "b@739224", "c@739224"));
    Set<String> added = new HashSet<>();
    int addedFiles = 0;
    for (Snapshot snapshot : table.snapshots()) {
      assertThat(snapshot.operation(), is("append"));
      assertThat(
          snapshot.summary().get(IcebergStreamingCommits.COMMIT_KIND),
          is(IcebergStreamingCommits.STREAMING));
      assertThat(snapshot.summary().get(IcebergCommits.RUN_ID), is("stream1"));
      for (DataFile file : snapshot.addedDataFiles(table.io())) {
        added.add(file.location());
        addedFiles++;
      }
    }
    assertThat("no file added by two snapshots", added.size(), is(addedFiles));
    assertThat(liveFiles(table), hasSize(addedFiles));
  }

  @Test
  public void filesHandedOverAgainAfterARestoreAreNotCommittedTwice() throws Exception {
    IcebergCatalogConfig config = prepared();
    stream(config, "stream1");
    Table table = config.catalog().loadTable(config.id("journey_events"));
    List<DataFile> committed = liveFiles(table);
    long before = table.currentSnapshot().snapshotId();
    long stamp = System.currentTimeMillis() - 60_000;

    // The same pane again (a restored checkpoint's buffer): nothing is committed.
    IcebergStreamingCommits.Result replay =
        IcebergStreamingCommits.commit(table, "stream2", "main", committed, stamp);
    assertThat(replay.appended(), is(0));
    assertThat(replay.alreadyCommitted(), is(committed.size()));
    table.refresh();
    assertThat(table.currentSnapshot().snapshotId(), is(before));

    // A pane of which a part was committed before the crash: only the rest is, once.
    DataFile first = committed.get(0);
    String copy = first.location().replace(".parquet", "-copy.parquet");
    Files.copy(Path.of(first.location()), Path.of(copy));
    DataFile fresh = DataFiles.builder(table.spec()).copy(first).withPath(copy).build();
    List<DataFile> mixed = new ArrayList<>(committed);
    mixed.add(fresh);
    IcebergStreamingCommits.Result partly =
        IcebergStreamingCommits.commit(table, "stream2", "main", mixed, stamp);
    assertThat(partly.appended(), is(1));
    assertThat(partly.alreadyCommitted(), is(committed.size()));
    IcebergStreamingCommits.Result twice =
        IcebergStreamingCommits.commit(table, "stream2", "main", mixed, stamp);
    assertThat(twice.appended(), is(0));
    table.refresh();
    assertThat(liveFiles(table), hasSize(committed.size() + 1));
  }

  @Test
  public void snapshotsBeforeTheFilesStampAreNotRead() throws Exception {
    IcebergCatalogConfig config = prepared();
    stream(config, "stream1");
    Table table = config.catalog().loadTable(config.id("journey_events"));
    long future = System.currentTimeMillis() + IcebergStreamingCommits.CLOCK_SKEW.getMillis() * 2;
    assertThat(IcebergStreamingCommits.committedSince(table, future).isEmpty(), is(true));
    assertThat(
        IcebergStreamingCommits.committedSince(table, 0L).size(), is(liveFiles(table).size()));
  }
}
