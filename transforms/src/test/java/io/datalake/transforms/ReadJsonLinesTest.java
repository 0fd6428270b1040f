package io.datalake.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;

import io.datalake.transforms.io.ReadJsonLines;
import io.datalake.transforms.model.SourceRecord;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.values.PCollection;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class ReadJsonLinesTest {
  @Rule public final transient TestPipeline pipeline = TestPipeline.create();
  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  @Test
  public void readsEveryLineWithItsPositionFromPlainAndGzippedFiles() throws IOException {
    Path input = temp.newFolder("in").toPath();
    Path orders = Files.createDirectories(input.resolve("checkout-orders"));
    Files.writeString(orders.resolve("a.jsonl"), "{\"a\":1}\r\n\n{\"a\":2}\n" + "x".repeat(100) + "\n{\"a\":3}");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(orders.resolve("b.json.gz")))) {
      out.write("{\"b\":1}\n{\"b\":2}\n".getBytes(StandardCharsets.UTF_8));
    }
    Files.writeString(orders.resolve("notes.txt"), "not input\n");
    Path events = Files.createDirectories(input.resolve("journey-events"));
    Files.writeString(events.resolve("e.jsonl"), "{\"e\":1}\n");

    PCollection<SourceRecord> records = pipeline.apply(new ReadJsonLines(input.toString(), 64));
    PAssert.that(records)
        .satisfies(
            all -> {
              List<String> seen = new ArrayList<>();
              for (SourceRecord r : all) {
                String file = r.position().substring(r.position().lastIndexOf('/') + 1);
                String body = r.payload() == null ? "<oversize " + r.oversizeBytes() + ">" : new String(r.payload(), StandardCharsets.UTF_8);
                seen.add(r.kind().folder() + " " + file + " " + body);
              }
              assertThat(
                  seen,
                  containsInAnyOrder(
                      "checkout-orders a.jsonl:1 {\"a\":1}",
                      "checkout-orders a.jsonl:2 ",
                      "checkout-orders a.jsonl:3 {\"a\":2}",
                      "checkout-orders a.jsonl:4 <oversize 100>",
                      "checkout-orders a.jsonl:5 {\"a\":3}",
                      "checkout-orders b.json.gz:1 {\"b\":1}",
                      "checkout-orders b.json.gz:2 {\"b\":2}",
                      "journey-events e.jsonl:1 {\"e\":1}"));
              return null;
            });
    pipeline.run();
  }

  @Test
  public void aLineLongerThanAReadBlockArrivesWhole() throws IOException {
    Path input = temp.newFolder("long").toPath();
    Path events = Files.createDirectories(input.resolve("portal-events"));
    String longLine = "{\"v\":\"" + "y".repeat(150_000) + "\"}";
    Files.writeString(events.resolve("e.jsonl"), longLine + "\r\n{\"v\":2}\n" + "z".repeat(200_001) + "\n");

    PCollection<SourceRecord> records = pipeline.apply(new ReadJsonLines(input.toString(), 200_000));
    PAssert.that(records)
        .satisfies(
            all -> {
              List<String> seen = new ArrayList<>();
              for (SourceRecord r : all) {
                seen.add(r.payload() == null ? "oversize " + r.oversizeBytes() : new String(r.payload(), StandardCharsets.UTF_8));
              }
              assertThat(seen, containsInAnyOrder(longLine, "{\"v\":2}", "oversize 200001"));
              return null;
            });
    pipeline.run();
  }
}
