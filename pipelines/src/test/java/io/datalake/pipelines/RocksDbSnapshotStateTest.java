package io.datalake.pipelines;

import static org.junit.Assert.assertArrayEquals;

import io.datalake.transforms.model.LakeRow;
import io.datalake.transforms.snapshot.Months;
import io.datalake.transforms.snapshot.SnapshotHistory;
import io.datalake.transforms.snapshot.StreamEntitySnapshots;
import java.nio.charset.StandardCharsets;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

/**
 * Flink's RocksDB state backend, as {@code --stateBackend=rocksdb} selects it, resolves and loads
 * here: the native frocksdbjni opens a database, and the snapshot roll-up's stateful step runs on
 * the embedded Flink with its state in RocksDB (checkpointed every 100 ms) and writes exactly the
 * rows of the DirectRunner's ({@link SnapshotHistory#expectedRows()}).
 */
public class RocksDbSnapshotStateTest {
  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  @Test
  public void theNativeLibraryLoadsAndStoresBytes() throws Exception {
    RocksDB.loadLibrary();
    try (Options options = new Options().setCreateIfMissing(true);
        RocksDB db = RocksDB.open(options, temp.newFolder("db").getAbsolutePath())) {
      byte[] key = "739224\0e1".getBytes(StandardCharsets.UTF_8);
      db.put(key, new byte[] {1, 2, 3});
      assertArrayEquals(new byte[] {1, 2, 3}, db.get(key));
    }
  }

  @Test
  public void theSnapshotStateLivesInRocksDbOnFlink() throws Exception {
    FlinkPipelineOptions options = PipelineOptionsFactory.create().as(FlinkPipelineOptions.class);
    options.setRunner(FlinkRunner.class);
    options.setFlinkMaster("[local]");
    options.setStreaming(true);
    options.setParallelism(1);
    options.setStateBackend("rocksdb");
    options.setStateBackendStoragePath(temp.newFolder("checkpoints").toURI().toString());
    options.setCheckpointingInterval(100L);
    // With checkpointing, finished sources otherwise stay up forever, and so the job.
    options.setShutdownSourcesAfterIdleMs(1000L);
    Pipeline pipeline = Pipeline.create(options);

    TestStream.Builder<LakeRow> stream =
        TestStream.create(LakeRow.Coder.of())
            .advanceWatermarkTo(Instant.parse("2024-01-01T00:00:00Z"));
    for (int month = 1; month <= 5; month++) {
      List<TimestampedValue<LakeRow>> of = new ArrayList<>();
      for (LakeRow op : SnapshotHistory.OPS.values()) {
        if (Months.ofMicros(op.eventTimeMicros()) == Months.index(YearMonth.of(2024, month))) {
          of.add(TimestampedValue.of(op, new Instant(op.eventTimeMicros() / 1000L)));
        }
      }
      @SuppressWarnings("unchecked")
      TimestampedValue<LakeRow>[] rest = of.subList(1, of.size()).toArray(new TimestampedValue[0]);
      stream =
          stream
              .addElements(of.get(0), rest)
              .advanceWatermarkTo(
                  Instant.parse(String.format("2024-%02d-01T12:00:00Z", month + 1)));
    }
    PCollection<LakeRow> snapshots =
        pipeline
            .apply(stream.advanceWatermarkToInfinity())
            .apply(StreamEntitySnapshots.withAllowedLateness(Duration.standardDays(1)))
            .apply("ThroughMay", SnapshotHistory.throughLast());
    PAssert.that(snapshots).containsInAnyOrder(SnapshotHistory.expectedRows());
    pipeline.run().waitUntilFinish();
  }
}
