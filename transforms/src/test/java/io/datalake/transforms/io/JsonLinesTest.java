package io.datalake.transforms.io;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.Test;

public class JsonLinesTest {
  @Test
  public void countsLineEndsAsAByteLoopDoesAtEveryAlignmentAndByteValue() {
    Random random = new Random(7);
    for (int round = 0; round < 200; round++) {
      byte[] bytes = new byte[random.nextInt(100)];
      for (int i = 0; i < bytes.length; i++) {
        // Every byte value, line feeds often, and the values next to 0x0A and 0x8A that a
        // carry or a borrow between bytes would confuse with it.
        int pick = random.nextInt(6);
        bytes[i] =
            (byte)
                (pick == 0
                    ? '\n'
                    : pick == 1 ? 0x0B : pick == 2 ? 0x8A : pick == 3 ? 0x09 : random.nextInt(256));
      }
      int from = bytes.length == 0 ? 0 : random.nextInt(bytes.length);
      int to = from + (bytes.length == from ? 0 : random.nextInt(bytes.length - from + 1));
      int expected = 0;
      for (int i = from; i < to; i++) {
        expected += bytes[i] == '\n' ? 1 : 0;
      }
      assertThat(JsonLines.countLineEnds(bytes, from, to), equalTo(expected));
    }
  }

  @Test
  public void cutsJustAfterTheFirstLineEndPastEachDesiredSizeWithTheNextLinesNumber()
      throws IOException {
    // Lines of 10 bytes with their line feed: "line 0001\n", ...
    StringBuilder text = new StringBuilder();
    for (int i = 1; i <= 10; i++) {
      text.append(String.format("line %04d%n", i).replace(System.lineSeparator(), "\n"));
    }
    byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);

    // 25 bytes: past line 2's end (20), line 3 ends at 30; the next cut at 30 + 25 = 55 falls in
    // line 6, which ends at 60; then 85 in line 9, ending at 90; 100 is the end: no empty part.
    assertThat(
        JsonLines.cuts(new ByteArrayInputStream(bytes), 25),
        contains(new JsonLines.Cut(30, 4), new JsonLines.Cut(60, 7), new JsonLines.Cut(90, 10)));
    // A cut exactly at a line end.
    assertThat(
        JsonLines.cuts(new ByteArrayInputStream(bytes), 20).get(0),
        equalTo(new JsonLines.Cut(30, 4)));
    assertThat(JsonLines.cuts(new ByteArrayInputStream(bytes), 1000), empty());
  }

  @Test
  public void partsBetweenTheCutsHoldEveryLineOnceWithItsNumberAcrossReadBlocks()
      throws IOException {
    // Long and short lines, CRLF, an empty line and a last line without its end, over several of
    // the 64 KiB blocks the reader scans.
    Random random = new Random(11);
    StringBuilder text = new StringBuilder();
    List<String> lines = new ArrayList<>();
    for (int i = 1; i <= 3000; i++) {
      String line =
          i % 97 == 0
              ? ""
              : "{\"n\":" + i + ",\"pad\":\"" + "x".repeat(random.nextInt(200)) + "\"}";
      lines.add(line);
      text.append(line).append(i == 3000 ? "" : i % 5 == 0 ? "\r\n" : "\n");
    }
    byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
    List<JsonLines.Cut> cuts = JsonLines.cuts(new ByteArrayInputStream(bytes), 10_000);
    List<String> seen = new ArrayList<>();
    long start = 0;
    long first = 1;
    List<JsonLines.Cut> all = new ArrayList<>(cuts);
    all.add(new JsonLines.Cut(bytes.length, -1));
    for (JsonLines.Cut cut : all) {
      long firstLine = first;
      JsonLines.read(
          new ByteArrayInputStream(bytes, (int) start, (int) (cut.offset() - start)),
          1 << 20,
          (n, line, length) -> {
            long number = firstLine - 1 + n;
            assertThat(
                new String(line, StandardCharsets.UTF_8), equalTo(lines.get((int) number - 1)));
            seen.add(number + "");
          });
      start = cut.offset();
      first = cut.nextLine();
    }
    assertThat(cuts.size() > 20, equalTo(true));
    List<String> expected = new ArrayList<>();
    for (int i = 1; i <= 3000; i++) {
      expected.add(i + "");
    }
    assertThat(seen, equalTo(expected));
  }
}
