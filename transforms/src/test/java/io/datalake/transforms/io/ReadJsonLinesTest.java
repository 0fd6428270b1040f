package io.datalake.transforms.io;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;

import io.datalake.transforms.kinds.JourneyEvents;
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

  /** Names of input files in any case; the others are not read (and the run warns of them). */
  @Test
  public void inputFilesAreJsonLinesByNameInAnyCase() {
    for (String name :
        List.of(
            "a.jsonl", "D.JSONL", "c.ndjson", "b.json", "e.jsonl.gz", "f.JSON.GZ", "g.ndjson.gz")) {
      assertThat(name, ReadJsonLines.isInputFile(name), equalTo(true));
    }
    for (String name : List.of("g.gz", "h.txt", "i.jsonl.bz2", "j.jsonl.zst", "jsonl", "k.csv")) {
      assertThat(name, ReadJsonLines.isInputFile(name), equalTo(false));
    }
  }

  @Test
  public void readsEveryLineWithItsPositionFromPlainAndGzippedFiles() throws IOException {
    Path input = temp.newFolder("in").toPath();
    Path orders = Files.createDirectories(input.resolve("checkout-orders"));
    Files.writeString(
        orders.resolve("a.jsonl"), "{\"a\":1}\r\n\n{\"a\":2}\n" + "x".repeat(100) + "\n{\"a\":3}");
    try (OutputStream out =
        new GZIPOutputStream(Files.newOutputStream(orders.resolve("b.json.gz")))) {
      out.write("{\"b\":1}\n{\"b\":2}\n".getBytes(StandardCharsets.UTF_8));
    }
    Files.writeString(orders.resolve("notes.txt"), "not input\n");
    Path events = Files.createDirectories(input.resolve("journey-events"));
    Files.writeString(events.resolve("e.jsonl"), "{\"e\":1}\n");

    PCollection<SourceRecord> records =
        pipeline.apply(ReadJsonLines.from(input.toString()).withMaxRecordBytes(64));
    PAssert.that(records)
        .satisfies(
            all -> {
              List<String> seen = new ArrayList<>();
              for (SourceRecord r : all) {
                String file = r.position().substring(r.position().lastIndexOf('/') + 1);
                String body =
                    r.payload() == null
                        ? "<oversize " + r.oversizeBytes() + ">"
                        : new String(r.payload(), StandardCharsets.UTF_8);
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
    Files.writeString(
        events.resolve("e.jsonl"), longLine + "\r\n{\"v\":2}\n" + "z".repeat(200_001) + "\n");

    PCollection<SourceRecord> records =
        pipeline.apply(ReadJsonLines.from(input.toString()).withMaxRecordBytes(200_000));
    PAssert.that(records)
        .satisfies(
            all -> {
              List<String> seen = new ArrayList<>();
              for (SourceRecord r : all) {
                seen.add(
                    r.payload() == null
                        ? "oversize " + r.oversizeBytes()
                        : new String(r.payload(), StandardCharsets.UTF_8));
              }
              assertThat(seen, containsInAnyOrder(longLine, "{\"v\":2}", "oversize 200001"));
              return null;
            });
    pipeline.run();
  }

  /** N lines {"n":i}, numbered from 1, as one string. */
  private static String lines(int from, int to) {
    StringBuilder b = new StringBuilder();
    for (int i = from; i <= to; i++) {
      b.append("{\"n\":").append(i).append("}\n");
    }
    return b.toString();
  }

  private static byte[] gzip(String text) throws IOException {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (OutputStream out = new GZIPOutputStream(bytes)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
    return bytes.toByteArray();
  }

  /** What ReadJsonLines gives for a folder: "file:line body", "file:line UNREADABLE <error>". */
  private static List<String> describe(Iterable<SourceRecord> all) {
    List<String> seen = new ArrayList<>();
    for (SourceRecord r : all) {
      String position = r.position().substring(r.position().lastIndexOf('/') + 1);
      seen.add(
          r.payload() != null
              ? position + " " + new String(r.payload(), StandardCharsets.UTF_8)
              : position + " UNREADABLE " + r.readError());
    }
    seen.sort(null);
    return seen;
  }

  @Test
  public void aLargePlainFileIsReadInRangesAndEveryLineKeepsItsNumberInTheFile()
      throws IOException {
    Path input = temp.newFolder("ranges").toPath();
    Path orders = Files.createDirectories(input.resolve("checkout-orders"));
    // 2,000 lines of 20-220 bytes (CRLF on every seventh, one line over the record limit, the
    // last without its line end) in ranges of about 4 KiB: about 90 ranges.
    StringBuilder text = new StringBuilder();
    List<String> expected = new ArrayList<>();
    java.util.Random random = new java.util.Random(3);
    for (int i = 1; i <= 2000; i++) {
      String line =
          i == 1234
              ? "{\"big\":\"" + "y".repeat(400) + "\"}"
              : "{\"n\":" + i + ",\"pad\":\"" + "x".repeat(random.nextInt(200)) + "\"}";
      text.append(line).append(i == 2000 ? "" : i % 7 == 0 ? "\r\n" : "\n");
      expected.add(
          "big.jsonl:"
              + i
              + " "
              + (i == 1234
                  ? "UNREADABLE record of " + line.length() + " bytes exceeds --maxRecordBytes"
                  : line));
    }
    Files.writeString(orders.resolve("big.jsonl"), text);
    Files.write(orders.resolve("small.jsonl.gz"), gzip(lines(1, 3)));
    for (int i = 1; i <= 3; i++) {
      expected.add("small.jsonl.gz:" + i + " {\"n\":" + i + "}");
    }
    expected.sort(null);

    PCollection<SourceRecord> records =
        pipeline.apply(
            ReadJsonLines.from(input.toString())
                .withMaxRecordBytes(300)
                .withDesiredBundleSizeBytes(4096));
    PAssert.that(records)
        .satisfies(
            all -> {
              List<String> seen = describe(all);
              List<String> missing = new ArrayList<>(expected);
              missing.removeAll(seen);
              List<String> extra = new ArrayList<>(seen);
              extra.removeAll(expected);
              assertThat("missing", missing, org.hamcrest.Matchers.empty());
              assertThat("not expected", extra, org.hamcrest.Matchers.empty());
              assertThat(seen.size(), org.hamcrest.Matchers.equalTo(expected.size()));
              return null;
            });
    pipeline.run().waitUntilFinish();
  }

  @Test
  public void aCorruptOrTruncatedGzipKeepsTheLinesBeforeAndOneUnreadableRecordStandsForTheRest()
      throws IOException {
    Path input = temp.newFolder("corrupt").toPath();
    Path events = Files.createDirectories(input.resolve("journey-events"));
    // Truncated: the first member whole (lines 1-3), the second cut in the middle of its data.
    byte[] second = gzip(lines(4, 2000));
    java.io.ByteArrayOutputStream truncated = new java.io.ByteArrayOutputStream();
    truncated.write(gzip(lines(1, 3)));
    truncated.write(second, 0, second.length / 2);
    Files.write(events.resolve("truncated.jsonl.gz"), truncated.toByteArray());
    // Garbage in the middle: a whole member, then one whose deflate data is overwritten (0xFF
    // starts a block of the reserved type 3, which every inflater rejects), then a whole member.
    byte[] damaged = gzip(lines(3, 5));
    java.util.Arrays.fill(damaged, 10, damaged.length - 8, (byte) 0xFF);
    java.io.ByteArrayOutputStream middle = new java.io.ByteArrayOutputStream();
    middle.write(gzip(lines(1, 2)));
    middle.write(damaged);
    middle.write(gzip(lines(6, 7)));
    Files.write(events.resolve("garbage.jsonl.gz"), middle.toByteArray());
    // Only the start of a gzip header.
    Files.write(events.resolve("header.jsonl.gz"), java.util.Arrays.copyOf(gzip(lines(1, 1)), 5));
    // Not gzip at all though named .gz: read as it is (as Beam's GZIP decoder passes a stream
    // without the gzip magic through), so its lines are records like any other.
    Files.writeString(events.resolve("plain.jsonl.gz"), lines(1, 2));
    // Bytes that are not a member after a whole member (a header overwritten), and a bad CRC.
    java.io.ByteArrayOutputStream trailing = new java.io.ByteArrayOutputStream();
    trailing.write(gzip(lines(1, 2)));
    trailing.write("not a member".getBytes(StandardCharsets.UTF_8));
    Files.write(events.resolve("trailing.jsonl.gz"), trailing.toByteArray());
    byte[] badCrc = gzip(lines(1, 2));
    badCrc[badCrc.length - 8] ^= 1;
    Files.write(events.resolve("crc.jsonl.gz"), badCrc);
    // A healthy file next to them is read whole.
    Files.write(events.resolve("good.jsonl.gz"), gzip(lines(1, 2)));

    PCollection<SourceRecord> records =
        pipeline.apply(ReadJsonLines.from(input.toString()).withMaxRecordBytes(1 << 20));
    PAssert.that(records)
        .satisfies(
            all -> {
              List<String> seen = describe(all);
              List<String> truncatedFile =
                  seen.stream().filter(l -> l.startsWith("truncated.")).toList();
              int kept = truncatedFile.size() - 1;
              // The whole first member and some of the second: every line from 1 on, none skipped.
              assertThat(
                  "lines kept before the truncation: " + kept,
                  kept > 3 && kept < 2000,
                  org.hamcrest.Matchers.is(true));
              for (int i = 1; i <= kept; i++) {
                assertThat(
                    seen,
                    org.hamcrest.Matchers.hasItem(
                        "truncated.jsonl.gz:" + i + " {\"n\":" + i + "}"));
              }
              assertThat(
                  seen,
                  org.hamcrest.Matchers.hasItem(
                      "truncated.jsonl.gz:"
                          + (kept + 1)
                          + " UNREADABLE the gzip file is corrupt or truncated after line "
                          + kept
                          + " (EOFException: the gzip data ends before its member does (truncated)): the rest of the file is"
                          + " unreadable; the lines before it are kept"));
              assertThat(
                  seen.stream().filter(l -> !l.startsWith("truncated.")).toList(),
                  org.hamcrest.Matchers.contains(
                      org.hamcrest.Matchers.equalTo("crc.jsonl.gz:1 {\"n\":1}"),
                      org.hamcrest.Matchers.equalTo("crc.jsonl.gz:2 {\"n\":2}"),
                      org.hamcrest.Matchers.equalTo(
                          "crc.jsonl.gz:3 UNREADABLE the gzip file is corrupt or truncated after line 2"
                              + " (ZipException: gzip member CRC mismatch): the rest of the file is unreadable;"
                              + " the lines before it are kept"),
                      org.hamcrest.Matchers.equalTo("garbage.jsonl.gz:1 {\"n\":1}"),
                      org.hamcrest.Matchers.equalTo("garbage.jsonl.gz:2 {\"n\":2}"),
                      org.hamcrest.Matchers.startsWith(
                          "garbage.jsonl.gz:3 UNREADABLE the gzip file is corrupt or truncated after line 2 ("),
                      org.hamcrest.Matchers.equalTo("good.jsonl.gz:1 {\"n\":1}"),
                      org.hamcrest.Matchers.equalTo("good.jsonl.gz:2 {\"n\":2}"),
                      org.hamcrest.Matchers.startsWith(
                          "header.jsonl.gz:1 UNREADABLE the gzip file is corrupt or truncated after line 0 ("),
                      org.hamcrest.Matchers.equalTo("plain.jsonl.gz:1 {\"n\":1}"),
                      org.hamcrest.Matchers.equalTo("plain.jsonl.gz:2 {\"n\":2}"),
                      org.hamcrest.Matchers.equalTo("trailing.jsonl.gz:1 {\"n\":1}"),
                      org.hamcrest.Matchers.equalTo("trailing.jsonl.gz:2 {\"n\":2}"),
                      org.hamcrest.Matchers.startsWith(
                          "trailing.jsonl.gz:3 UNREADABLE the gzip file is corrupt or truncated after line 2"
                              + " (ZipException: bytes that are not a gzip member follow")));
              return null;
            });
    pipeline.run();
  }

  @Test
  public void anUnreadableRecordSurvivesItsCoder() throws Exception {
    SourceRecord record = SourceRecord.unreadable(JourneyEvents.KIND, "f.jsonl.gz:4", "why");
    SourceRecord copy = org.apache.beam.sdk.util.CoderUtils.clone(SourceRecord.Coder.of(), record);
    assertThat(copy, org.hamcrest.Matchers.equalTo(record));
    assertThat(copy.readError(), org.hamcrest.Matchers.equalTo("why"));
    assertThat(
        SourceRecord.oversize(JourneyEvents.KIND, "f:1", 9).readError(),
        org.hamcrest.Matchers.equalTo("record of 9 bytes exceeds --maxRecordBytes"));
  }
}
