package io.datalake.transforms.io;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.matchesPattern;

import io.datalake.transforms.Fixtures;
import io.datalake.transforms.kinds.JourneyEvents;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.model.DeadLetter;
import io.datalake.transforms.model.LakeRow;
import io.datalake.transforms.model.SourceRecord;
import io.datalake.transforms.parse.ParseRecords;
import io.datalake.transforms.pii.PiiKeyset;
import io.datalake.transforms.pii.PiiPolicy;
import io.datalake.transforms.snapshot.SnapshotRows;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalInputFile;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The batch lake writer without a shuffle: every row once, FileIO's names, reruns replace. */
public class WriteFilesPerWorkerTest {
  private static final String DAY_ONE = "journey_events/org_id=739224/year=2026/month=01/day=02";
  private static final String DAY_TWO = "journey_events/org_id=739224/year=2026/month=01/day=03";

  @Rule public final transient TestPipeline pipeline = TestPipeline.create();
  @Rule public final transient TemporaryFolder temp = new TemporaryFolder();

  /** Journey events alternating between two days: two partitions, rows interleaved. */
  private PCollection<LakeRow> rows(int count) {
    List<SourceRecord> records = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String day = i % 2 == 0 ? "2026-01-02" : "2026-01-03";
      records.add(
          Fixtures.record(
              JourneyEvents.KIND,
              "f:" + i,
              Fixtures.analytics("e" + i, "739224", "created_at", day + "T03:04:05Z")));
    }
    return pipeline
        .apply("Records", Create.of(records).withCoder(SourceRecord.Coder.of()))
        .apply(ParseRecords.of(PiiKeyset.development(), PiiPolicy.defaults()))
        .get(ParseRecords.ROWS);
  }

  @Test
  public void everyRowIsWrittenOnceUnderShardNamesAndARerunRemovesItsStaleFiles()
      throws IOException {
    Path lake = temp.newFolder("lake").toPath();
    // What an earlier run with the same id left: a shard this run does not write again (stale;
    // this run's bundles are far fewer than 99),
    // and files of another writer and another run (kept).
    Files.createDirectories(lake.resolve(DAY_ONE));
    Files.writeString(lake.resolve(DAY_ONE).resolve("part-r1-00042-of-00099.parquet"), "old");
    Files.writeString(lake.resolve(DAY_ONE).resolve("part-r1-late-00000-of-00001.parquet"), "x");
    Files.writeString(lake.resolve(DAY_ONE).resolve("part-r2-00000-of-00001.parquet"), "x");
    // Unpublished files of a killed attempt of this run, and of another writer still writing.
    Path killed = Files.createDirectories(lake.resolve(".temp-datalake/part-r1/killed"));
    Files.writeString(killed.resolve("a.parquet"), "x");
    Path other = Files.createDirectories(lake.resolve(".temp-datalake/part-r1-late/busy"));
    Files.writeString(other.resolve("b.parquet"), "x");

    PCollection<DeadLetter> letters =
        rows(10)
            .apply(
                WriteLakeTables.to(lake + "/", "r1")
                    .withFilesPerWorker(true)
                    .withDeadLetterKeyset(PiiKeyset.development()));
    PAssert.that(letters).empty();
    pipeline.run().waitUntilFinish();

    assertThat(
        ids(lake), containsInAnyOrder("e0", "e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8", "e9"));
    List<String> dayOne = names(lake.resolve(DAY_ONE));
    assertThat(
        dayOne.stream().filter(n -> n.startsWith("part-r1-0")).toList(),
        everyItem(matchesPattern("part-r1-\\d{5}-of-\\d{5}\\.parquet")));
    assertThat(dayOne.contains("part-r1-00042-of-00099.parquet"), is(false));
    assertThat(dayOne.contains("part-r1-late-00000-of-00001.parquet"), is(true));
    assertThat(dayOne.contains("part-r2-00000-of-00001.parquet"), is(true));
    assertThat(Files.exists(lake.resolve(".temp-datalake/part-r1")), is(false));
    assertThat(Files.exists(other.resolve("b.parquet")), is(true));
  }

  @Test
  public void aWorkerWithMoreDestinationsThanOpenFilesFinishesFilesEarlyAndLosesNoRow()
      throws IOException {
    Path lake = temp.newFolder("lake").toPath();
    rows(8)
        .apply(
            new WriteFilesPerWorker(
                lake + "/",
                "part-r1",
                false,
                CompressionCodecName.SNAPPY,
                RecordKinds.builtIn(),
                1));
    pipeline.run().waitUntilFinish();

    assertThat(ids(lake), containsInAnyOrder("e0", "e1", "e2", "e3", "e4", "e5", "e6", "e7"));
    // One open file, rows alternating between two days: each day gets several files.
    assertThat(names(lake.resolve(DAY_ONE)).size(), greaterThan(1));
    assertThat(names(lake.resolve(DAY_TWO)).size(), greaterThan(1));
    assertThat(Files.exists(lake.resolve(".temp-datalake")), is(false));
  }

  /**
   * A batch with --snapshots after ./datalake snapshot: once its files are in a partition, the
   * command's month files there go (the later writer's copy stays, not both); elsewhere, other
   * writers' files and its own stay. Both ways of writing a batch.
   */
  @Test
  public void aWriterPerWorkerReplacingFilesDeletesThemOnlyWhereItWrote() throws IOException {
    replacesFilesOnlyWhereItWrote(true);
  }

  @Test
  public void aGroupedWriterReplacingFilesDeletesThemOnlyWhereItWrote() throws IOException {
    replacesFilesOnlyWhereItWrote(false);
  }

  private void replacesFilesOnlyWhereItWrote(boolean perWorker) throws IOException {
    Path lake = temp.newFolder("lake-" + perWorker).toPath();
    String command = "part-snapshot-2026-01-00000-of-00001.parquet";
    Path untouched =
        Files.createDirectories(
            lake.resolve("journey_events/org_id=739224/year=2026/month=01/day=04"));
    for (Path folder :
        List.of(
            Files.createDirectories(lake.resolve(DAY_ONE)),
            Files.createDirectories(lake.resolve(DAY_TWO)),
            untouched)) {
      Files.writeString(folder.resolve(command), "the command's copy");
      Files.writeString(folder.resolve("part-r2-00000-of-00001.parquet"), "another run");
    }
    // A stream's file of a run id "snapshot" (refused now, see RunPlan) is no command's file.
    // Named as before and as now (no colons: LakeFileNaming).
    String streamFile =
        "part-snapshot-2026-01-02T00:00:00.000Z-2026-01-02T00:01:00.000Z-0-00000-of-00001.parquet";
    String streamFileNow =
        "part-snapshot-2026-01-02T000000.000Z-2026-01-02T000100.000Z-0-00000-of-00001.parquet";
    Files.writeString(lake.resolve(DAY_ONE).resolve(streamFile), "a stream's operations");
    Files.writeString(lake.resolve(DAY_ONE).resolve(streamFileNow), "a stream's operations");
    rows(6)
        .apply(
            WriteLakeTables.to(lake + "/", "r1")
                .withBranch("snapshot")
                .withFilesPerWorker(perWorker)
                .withShardsPerPartition(1)
                .withReplacedFiles(SnapshotRows.COMMAND_FILE_NAMES));
    pipeline.run().waitUntilFinish();

    for (String day : List.of(DAY_ONE, DAY_TWO)) {
      List<String> names = names(lake.resolve(day));
      assertThat(perWorker + " " + day, names.contains(command), is(false));
      assertThat(names.contains("part-r2-00000-of-00001.parquet"), is(true));
      assertThat(!day.equals(DAY_ONE) || names.contains(streamFile), is(true));
      assertThat(!day.equals(DAY_ONE) || names.contains(streamFileNow), is(true));
      assertThat(
          names.stream().filter(n -> n.startsWith("part-r1-snapshot-")).count(), greaterThan(0L));
    }
    assertThat(names(untouched), containsInAnyOrder(command, "part-r2-00000-of-00001.parquet"));
  }

  /** Whatever the pattern says, a writer's own files stay. */
  @Test
  public void aWriterNeverReplacesItsOwnFiles() throws IOException {
    Path lake = temp.newFolder("lake").toPath();
    Files.createDirectories(lake.resolve(DAY_ONE));
    Files.writeString(lake.resolve(DAY_ONE).resolve("part-r2-00000-of-00001.parquet"), "x");
    rows(4)
        .apply(
            WriteLakeTables.to(lake + "/", "r1")
                .withFilesPerWorker(true)
                .withReplacedFiles("part-.*\\.parquet"));
    pipeline.run().waitUntilFinish();
    assertThat(ids(lake), containsInAnyOrder("e0", "e1", "e2", "e3"));
    assertThat(names(lake.resolve(DAY_ONE)).contains("part-r2-00000-of-00001.parquet"), is(false));
  }

  private static List<String> names(Path folder) throws IOException {
    try (Stream<Path> files = Files.list(folder)) {
      return files.map(f -> f.getFileName().toString()).toList();
    }
  }

  private static List<String> ids(Path lake) throws IOException {
    List<String> ids = new ArrayList<>();
    try (Stream<Path> files = Files.walk(lake.resolve("journey_events"))) {
      for (Path file :
          files.filter(f -> f.getFileName().toString().matches("part-r1-\\d.*")).toList()) {
        try (ParquetReader<GenericRecord> reader =
            AvroParquetReader.<GenericRecord>builder(new LocalInputFile(file)).build()) {
          for (GenericRecord r = reader.read(); r != null; r = reader.read()) {
            Object id = r.get("id");
            ids.add(id instanceof Utf8 u ? u.toString() : String.valueOf(id));
          }
        }
      }
    }
    return ids;
  }
}
