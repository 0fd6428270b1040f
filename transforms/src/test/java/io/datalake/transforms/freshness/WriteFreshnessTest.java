package io.datalake.transforms.freshness;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.datalake.transforms.kinds.JourneyEvents;
import io.datalake.transforms.model.LakeRow;
import io.datalake.transforms.schema.AvroSchemas;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** A batch run's freshness records: one JSON line per table and tenant, in the lake. */
public class WriteFreshnessTest {
  @Rule public final transient TestPipeline pipeline = TestPipeline.create();
  @Rule public final transient TemporaryFolder temp = new TemporaryFolder();

  private static final long T0 = 1_700_000_000_000_000L;

  private static LakeRow row(String tenant, long micros, boolean late) {
    GenericRecord record = new GenericData.Record(JourneyEvents.TABLE.avroSchema());
    record.put(AvroSchemas.LATE, late);
    return new LakeRow("journey_events", tenant, micros, record);
  }

  @Test
  public void aBatchWritesOneLinePerTableAndTenantWithItsCountsAndEventTimes() throws Exception {
    Path lake = temp.newFolder("lake").toPath();
    pipeline
        .apply(
            Create.of(
                    row("a", T0, false),
                    row("a", T0 + 5_000_000, true),
                    row("a", T0 - 1_000_000, false),
                    row("b", T0, false))
                .withCoder(LakeRow.Coder.of()))
        .apply(WriteFreshness.to(lake.toString(), "run1"));
    pipeline.run().waitUntilFinish();

    List<Path> files;
    // The folder's own files only: FileIO's windowed writes may leave their temporary folder
    // (.temp-beam-*) behind, with a file still in it while the machine is loaded.
    try (Stream<Path> listed = Files.list(lake.resolve(WriteFreshness.FOLDER))) {
      files =
          listed
              .filter(Files::isRegularFile)
              .filter(p -> !p.getFileName().toString().startsWith("."))
              .toList();
    }
    assertThat(files.toString(), files.size(), equalTo(1));
    assertThat(files.get(0).getFileName().toString().startsWith("part-run1"), equalTo(true));
    ObjectMapper json = new ObjectMapper();
    List<String> summaries = new ArrayList<>();
    for (String line : Files.readAllLines(files.get(0))) {
      JsonNode node = json.readTree(line);
      summaries.add(
          String.join(
              " ",
              node.get("run_id").asText(),
              node.get("table").asText(),
              node.get("org_id").asText(),
              node.get("rows").asText(),
              node.get("late_rows").asText(),
              node.get("oldest_event_time").asText(),
              node.get("newest_event_time").asText()));
      assertThat(node.get("written_at").asText().isEmpty(), equalTo(false));
    }
    assertThat(
        summaries,
        containsInAnyOrder(
            "run1 journey_events a 3 1 2023-11-14T22:13:19Z 2023-11-14T22:13:25Z",
            "run1 journey_events b 1 0 2023-11-14T22:13:20Z 2023-11-14T22:13:20Z"));
  }

  /** Summed per bundle and then per key, each window keeps its own sums. */
  @Test
  public void theBundlesSumsAddUpToTheKeyedSumInEveryWindow() {
    Duration minute = Duration.standardMinutes(1);
    Instant start = new Instant(0);
    List<TimestampedValue<KV<String, WriteFreshness.Figures>>> rows = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      long micros = (i % 120) * 1_000_000L; // two windows of a minute
      String key = "journey_events\t" + (i % 3 == 0 ? "a" : "b");
      rows.add(
          TimestampedValue.of(
              KV.of(key, new WriteFreshness.Figures(1, i % 7 == 0 ? 1 : 0, micros, micros)),
              start.plus(Duration.millis(micros / 1000))));
    }
    PCollection<KV<String, WriteFreshness.Figures>> sums =
        pipeline
            .apply(
                Create.timestamped(rows)
                    .withCoder(KvCoder.of(StringUtf8Coder.of(), WriteFreshness.FiguresCoder.of())))
            .apply(Window.into(FixedWindows.of(minute)))
            .apply(ParDo.of(new WriteFreshness.SumPerBundleFn()))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), WriteFreshness.FiguresCoder.of()))
            .apply(Combine.perKey(new WriteFreshness.SumFigures()));
    Map<IntervalWindow, List<KV<String, WriteFreshness.Figures>>> expected = new HashMap<>();
    for (TimestampedValue<KV<String, WriteFreshness.Figures>> row : rows) {
      IntervalWindow window =
          new IntervalWindow(new Instant(row.getTimestamp().getMillis() / 60_000 * 60_000), minute);
      List<KV<String, WriteFreshness.Figures>> sumsOfWindow =
          expected.computeIfAbsent(window, w -> new ArrayList<>());
      KV<String, WriteFreshness.Figures> value = row.getValue();
      int at = -1;
      for (int i = 0; i < sumsOfWindow.size(); i++) {
        if (sumsOfWindow.get(i).getKey().equals(value.getKey())) {
          at = i;
        }
      }
      if (at < 0) {
        sumsOfWindow.add(value);
      } else {
        sumsOfWindow.set(
            at, KV.of(value.getKey(), sumsOfWindow.get(at).getValue().plus(value.getValue())));
      }
    }
    assertThat(expected.size(), equalTo(2));
    expected.forEach(
        (window, sumsOfWindow) ->
            PAssert.that(sums).inWindow(window).containsInAnyOrder(sumsOfWindow));
    pipeline.run().waitUntilFinish();
  }

  /**
   * A streaming Flink job snapshots heap state while the task goes on, and with --fasterCopy the
   * state value is not copied first: an accumulator changed in place fails the checkpoint. Each
   * step must leave the accumulator it was given as it was.
   */
  @Test
  public void summingFiguresNeverChangesAnAccumulatorInPlace() throws Exception {
    WriteFreshness.SumFigures sum = new WriteFreshness.SumFigures();
    WriteFreshness.Figures empty = sum.createAccumulator();
    WriteFreshness.Figures one = new WriteFreshness.Figures(1, 0, 10, 10);
    WriteFreshness.Figures two = sum.addInput(sum.addInput(empty, one), one);
    WriteFreshness.Figures merged = sum.mergeAccumulators(List.of(two, one));

    assertThat(empty, equalTo(sum.createAccumulator()));
    assertThat(two, equalTo(new WriteFreshness.Figures(2, 0, 10, 10)));
    assertThat(merged, equalTo(new WriteFreshness.Figures(3, 0, 10, 10)));
    assertThat(CoderUtils.clone(WriteFreshness.FiguresCoder.of(), merged), equalTo(merged));
  }
}
