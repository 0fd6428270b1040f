package io.datalake.transforms.io;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;

import io.datalake.transforms.Fixtures;
import io.datalake.transforms.kinds.JourneyEvents;
import io.datalake.transforms.model.DeadLetter;
import io.datalake.transforms.model.LakeRow;
import io.datalake.transforms.parse.ParseRecords;
import io.datalake.transforms.pii.PiiKeyset;
import io.datalake.transforms.pii.PiiPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.io.LocalInputFile;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class WriteLakeTablesTest {
  /**
   * The DirectRunner encodes every element between steps to check it can: a row that does not fit
   * its schema would fail there, before the sink. Off, the row reaches the sink as it would on a
   * runner that chains the steps (Flink passes objects between chained operators).
   */
  private static PipelineOptions lenient() {
    return PipelineOptionsFactory.fromArgs(
            "--enforceEncodability=false", "--enforceImmutability=false")
        .create();
  }

  @Rule public final transient TestPipeline pipeline = TestPipeline.fromOptions(lenient());
  @Rule public final transient TemporaryFolder temp = new TemporaryFolder();

  /** A journey_events row whose record misses every required value: not convertible. */
  static class BrokenRowFn extends DoFn<String, LakeRow> {
    @ProcessElement
    public void process(@Element String tenant, OutputReceiver<LakeRow> out) {
      GenericRecord empty = new GenericData.Record(JourneyEvents.TABLE.avroSchema());
      out.output(new LakeRow("journey_events", tenant, 1_700_000_000_000_000L, empty));
    }
  }

  @Test
  public void aRowThatDoesNotConvertIsADeadLetterAndTheOthersAreWritten() throws IOException {
    Path lake = temp.newFolder("lake").toPath();
    PCollection<LakeRow> good =
        pipeline
            .apply(
                "Records",
                Create.of(
                        Fixtures.record(
                            JourneyEvents.KIND,
                            "f:1",
                            Fixtures.analytics(
                                "good", "739224", "created_at", "2026-01-02T03:04:05Z")))
                    .withCoder(io.datalake.transforms.model.SourceRecord.Coder.of()))
            .apply(ParseRecords.of(PiiKeyset.development(), PiiPolicy.defaults()))
            .get(ParseRecords.ROWS);
    PCollection<LakeRow> broken =
        pipeline
            .apply("Tenant", Create.of("739224"))
            .apply("Broken", ParDo.of(new BrokenRowFn()))
            .setCoder(LakeRow.Coder.of());
    PCollection<DeadLetter> letters =
        PCollectionList.of(good)
            .and(broken)
            .apply(Flatten.pCollections())
            .apply(
                WriteLakeTables.to(lake + "/", "r1").withDeadLetterKeyset(PiiKeyset.development()));
    PAssert.that(letters)
        .satisfies(
            all -> {
              List<DeadLetter> seen = new ArrayList<>();
              all.forEach(seen::add);
              assertThat(seen.size(), is(1));
              DeadLetter letter = seen.get(0);
              assertThat(letter.kind, is("journey-events"));
              assertThat(letter.step, is("lake"));
              assertThat(letter.error, startsWith("journey_events: "));
              assertThat(letter.error, containsString("Exception at "));
              assertThat(
                  letter.source,
                  matchesPattern("lake:journey_events:739224@2023-11-14T22:13:20Z#[0-9a-f]{12}"));
              assertThat(letter.encryptedRecord, notNullValue());
              return null;
            });
    pipeline.run().waitUntilFinish();

    List<String> ids = new ArrayList<>();
    try (Stream<Path> files = Files.walk(lake.resolve("journey_events"))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".parquet")).toList()) {
        try (ParquetReader<GenericRecord> reader =
            AvroParquetReader.<GenericRecord>builder(new LocalInputFile(file)).build()) {
          for (GenericRecord r = reader.read(); r != null; r = reader.read()) {
            Object id = r.get("id");
            ids.add(id instanceof Utf8 u ? u.toString() : String.valueOf(id));
          }
        }
      }
    }
    assertThat(ids, containsInAnyOrder("good"));
  }

  @Test
  public void settingsAreCopiesWithDefaultsAndShowInDisplayData() {
    WriteLakeTables base = WriteLakeTables.to("s3://lake/", "run-7");
    WriteLakeTables hourly = base.withHourlyPartitions(true).withShardsPerPartition(4);
    DisplayData shown = DisplayData.from(base);
    assertThat(
        shown.items().stream().map(i -> i.getKey() + "=" + i.getValue()).toList(),
        hasItem("shardsPerPartition=" + WriteLakeTables.DEFAULT_SHARDS_PER_PARTITION));
    List<String> items =
        DisplayData.from(hourly.withCompression("zstd")).items().stream()
            .map(i -> i.getKey() + "=" + i.getValue())
            .toList();
    assertThat(items, hasItem("lake=s3://lake/"));
    assertThat(items, hasItem("runId=run-7"));
    assertThat(items, hasItem("hourlyPartitions=true"));
    assertThat(items, hasItem("shardsPerPartition=4"));
    assertThat(items, hasItem("compression=ZSTD"));
  }
}
