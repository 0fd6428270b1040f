package io.datalake.transforms;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The bad-input corpus in {@code src/test/resources/bad-inputs}: {@code <kind>/*.jsonl} files of
 * bad lines mixed with good ones, and {@code dead-letters.tsv} naming each bad line (position
 * {@code <kind>/<file>:<line>}, the step and part of the error its dead letter must have, and the
 * case). Lines not named there are good: their ids start {@code good-}. Made by {@code
 * src/test/scripts/make_bad_inputs.py}.
 */
public final class BadInputCorpus {
  /** The plaintexts of PII the corpus holds (in good and bad lines); no output may contain one. */
  public static final List<String> PII =
      List.of("203.0.113.99", "corpus.pii@example.com", "Corpusname", "+4915112345678");

  /** Parts of input values that no dead letter's error may quote (hostile tenants, values). */
  public static final List<String> NEVER_QUOTED =
      List.of(
          "corpus",
          "DROP",
          "../",
          "東京",
          "Ünï",
          "tttttttttt",
          "invoiced",
          "eleven",
          "yesterday",
          "9999999999");

  /** The main table of each kind and the column holding a corpus line's good id. */
  public static final Map<String, String> ID_COLUMN =
      Map.of(
          "checkout_orders", "orderId",
          "entity_operations", "entity_id",
          "workflow_executions", "id",
          "journey_sessions", "id",
          "journey_events", "id",
          "portal_sessions", "id",
          "portal_events", "id");

  /** Lines up to this size are read; the corpus has one line beyond it. */
  public static final int MAX_RECORD_BYTES = 65_536;

  private static final Pattern GOOD_ID = Pattern.compile("good-[a-z]{2}-\\d+");

  /** One bad line: where, and what its dead letter says. */
  public record BadLine(String position, String step, String errorContains, String name)
      implements java.io.Serializable {}

  private BadInputCorpus() {}

  public static Path root() {
    try {
      return Path.of(BadInputCorpus.class.getResource("/bad-inputs/dead-letters.tsv").toURI())
          .getParent();
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The bad lines by position ({@code <kind>/<file>:<line>}). */
  public static Map<String, BadLine> badLines(Path root) {
    Map<String, BadLine> lines = new LinkedHashMap<>();
    try {
      List<String> rows =
          Files.readAllLines(root.resolve("dead-letters.tsv"), StandardCharsets.UTF_8);
      for (String row : rows.subList(1, rows.size())) {
        String[] f = row.split("\t", -1);
        lines.put(f[0], new BadLine(f[0], f[1], f[2], f[3]));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return lines;
  }

  /** The ids ({@code good-xx-N}) of the good lines: every line no bad line names. */
  public static Set<String> goodIds(Path root) {
    Map<String, BadLine> bad = badLines(root);
    Set<String> ids = new TreeSet<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".jsonl")).toList()) {
        String relative = root.relativize(file).toString().replace('\\', '/');
        byte[] bytes = Files.readAllBytes(file);
        int line = 0;
        int start = 0;
        for (int i = 0; i <= bytes.length; i++) {
          if (i == bytes.length || bytes[i] == '\n') {
            if (i == bytes.length && start == i) {
              break;
            }
            line++;
            if (!bad.containsKey(relative + ":" + line)) {
              String text = new String(bytes, start, i - start, StandardCharsets.UTF_8);
              Matcher m = GOOD_ID.matcher(text);
              if (!m.find()) {
                throw new IllegalStateException(
                    relative + ":" + line + " is neither named as bad nor has a good- id");
              }
              ids.add(m.group());
            }
            start = i + 1;
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return ids;
  }

  /** The good id in a row's id value, or null. */
  public static String goodId(String value) {
    Matcher m = GOOD_ID.matcher(value);
    return m.find() ? m.group() : null;
  }

  /** The corpus position a dead letter's source ends with, or null. */
  public static String positionOf(String source, Set<String> positions) {
    String normalized = source.replace('\\', '/');
    for (String position : positions) {
      if (normalized.endsWith("/" + position)) {
        return position;
      }
    }
    return null;
  }

  /** Problems with the dead letters against the corpus: empty when every bad line is one letter. */
  public static List<String> checkDeadLetters(Map<String, BadLine> bad, List<String[]> letters) {
    List<String> problems = new ArrayList<>();
    Map<String, Integer> seen = new LinkedHashMap<>();
    for (String[] letter : letters) {
      String source = letter[0];
      String step = letter[1];
      String error = letter[2];
      String position = positionOf(source, bad.keySet());
      if (position == null) {
        problems.add(
            "a dead letter for a line that is not bad: " + source + " " + step + ": " + error);
        continue;
      }
      seen.merge(position, 1, Integer::sum);
      BadLine expected = bad.get(position);
      if (!expected.step().equals(step) || !error.contains(expected.errorContains())) {
        problems.add(
            position
                + " ("
                + expected.name()
                + "): expected "
                + expected.step()
                + ": ..."
                + expected.errorContains()
                + "..., got "
                + step
                + ": "
                + error);
      }
      for (String quoted : NEVER_QUOTED) {
        if (error.contains(quoted)) {
          problems.add(position + ": the error quotes input (" + quoted + "): " + error);
        }
      }
    }
    for (String position : bad.keySet()) {
      int n = seen.getOrDefault(position, 0);
      if (n != 1) {
        problems.add(
            position + " (" + bad.get(position).name() + "): " + n + " dead letters, expected 1");
      }
    }
    return problems;
  }
}
