package io.datalake.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.startsWith;

import com.fasterxml.jackson.databind.JsonNode;
import io.datalake.transforms.kinds.JourneyEvents;
import io.datalake.transforms.model.SourceRecord;
import io.datalake.transforms.pii.PiiKeyset;
import io.datalake.transforms.pii.PiiPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.io.LocalInputFile;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The streaming graph into a local lake: on-time, late, too-late and future records. Too-late rows
 * are written by the late branch, pane after pane, beside the windows' files and without
 * overwriting them or each other; the record dated 2099 is a dead letter.
 */
public class StreamingLakeTest {
  @Rule public final transient TestPipeline pipeline = TestPipeline.create();
  @Rule public final transient TemporaryFolder temp = new TemporaryFolder();

  private static SourceRecord event(String id, Instant time) {
    return Fixtures.record(
        JourneyEvents.KIND,
        "topic/0/" + id,
        Fixtures.analytics(id, "739224", "created_at", time.toString()));
  }

  @Test
  public void everyRowLandsOnceAndTooLateOnesWithoutWaitingForTheWatermark() throws IOException {
    Path lake = temp.newFolder("lake").toPath();
    Instant now = Instant.now();
    Instant threeDaysAgo = now.minus(Duration.standardDays(3));
    TestStream.Builder<SourceRecord> stream =
        TestStream.create(SourceRecord.Coder.of())
            .advanceWatermarkTo(now.minus(Duration.standardMinutes(10)))
            .addElements(event("future", Instant.parse("2099-01-01T00:00:00Z")))
            .addElements(
                event("on-time-1", now.minus(Duration.standardMinutes(2))), event("on-time-2", now))
            .addElements(event("late", now.minus(Duration.standardMinutes(40))));
    // Two panes of too-late rows of one partition, a processing-time delay apart.
    for (int pane = 0; pane < 2; pane++) {
      List<SourceRecord> old = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        old.add(
            event("too-late-" + pane + "-" + i, threeDaysAgo.plus(Duration.standardSeconds(i))));
      }
      stream =
          stream
              .addElements(old.get(0), old.subList(1, old.size()).toArray(new SourceRecord[0]))
              .advanceProcessingTime(Duration.standardMinutes(2));
    }
    pipeline
        .apply(
            stream
                .advanceWatermarkTo(now.plus(Duration.standardMinutes(10)))
                .advanceWatermarkToInfinity())
        .apply(
            DatalakeGraph.of(
                    PiiKeyset.development(), PiiPolicy.defaults(), lake.toString() + "/", "r1")
                .withEventTimeWindows(
                    Duration.standardMinutes(5),
                    Duration.standardHours(1),
                    Duration.standardSeconds(60)));
    pipeline.run().waitUntilFinish();

    Map<String, List<String>> idsByFile = new TreeMap<>();
    for (Path file : files(lake.resolve("journey_events"), ".parquet")) {
      try (ParquetReader<GenericRecord> reader =
          AvroParquetReader.<GenericRecord>builder(new LocalInputFile(file)).build()) {
        for (GenericRecord r = reader.read(); r != null; r = reader.read()) {
          idsByFile
              .computeIfAbsent(lake.relativize(file).toString(), f -> new ArrayList<>())
              .add(r.get("id") + (Boolean.TRUE.equals(r.get("late")) ? " late" : ""));
        }
      }
    }
    List<String> all = new ArrayList<>();
    idsByFile.values().forEach(all::addAll);
    assertThat(
        "every row exactly once, too-late ones flagged",
        all,
        containsInAnyOrder(
            "on-time-1",
            "on-time-2",
            "late",
            "too-late-0-0 late",
            "too-late-0-1 late",
            "too-late-0-2 late",
            "too-late-1-0 late",
            "too-late-1-1 late",
            "too-late-1-2 late"));
    String oldDay =
        "journey_events/org_id=739224/"
            + DateTimeFormatter.ofPattern("'year='yyyy/'month='MM/'day='dd")
                .withZone(ZoneOffset.UTC)
                .format(java.time.Instant.ofEpochMilli(threeDaysAgo.getMillis()));
    Map<String, List<String>> lateFiles = new TreeMap<>();
    idsByFile.forEach(
        (file, ids) -> {
          if (ids.get(0).endsWith(" late")) {
            lateFiles.put(file, ids);
          }
        });
    assertThat(
        "one file per late pane, in the rows' own partition, named by the late branch",
        new ArrayList<>(lateFiles.keySet()),
        equalTo(
            List.of(
                oldDay + "/part-r1-late-0-00000-of-00001.parquet",
                oldDay + "/part-r1-late-1-00000-of-00001.parquet")));
    assertThat(
        "each pane holds the rows that arrived before it fired",
        new ArrayList<>(lateFiles.values()),
        equalTo(
            List.of(
                List.of("too-late-0-0 late", "too-late-0-1 late", "too-late-0-2 late"),
                List.of("too-late-1-0 late", "too-late-1-1 late", "too-late-1-2 late"))));
    List<String> windowFiles = new ArrayList<>(idsByFile.keySet());
    windowFiles.removeAll(lateFiles.keySet());
    assertThat(
        windowFiles.stream().map(f -> f.substring(f.lastIndexOf('/') + 1)).toList(),
        everyItem(startsWith("part-r1-20")));

    List<String> deadLetters = new ArrayList<>();
    for (Path file : files(lake.resolve("_dead_letters"), ".jsonl")) {
      for (String line : Files.readAllLines(file)) {
        JsonNode letter = Fixtures.JSON.readTree(line);
        deadLetters.add(
            letter.get("source").asText()
                + " "
                + letter.get("step").asText()
                + ": "
                + letter.get("error").asText());
      }
    }
    assertThat(
        deadLetters,
        equalTo(
            List.of(
                "topic/0/future parse: created_at is more than 86400 s ahead of the clock (--maxFutureSeconds)")));
  }

  private static List<Path> files(Path dir, String suffix) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.filter(p -> p.getFileName().toString().endsWith(suffix))
          .filter(
              p ->
                  !dir.relativize(p).toString().contains("/.")
                      && !dir.relativize(p).toString().startsWith("."))
          .sorted()
          .toList();
    }
  }
}
