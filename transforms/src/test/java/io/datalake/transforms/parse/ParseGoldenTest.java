package io.datalake.transforms.parse;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.transforms.BadInputCorpus;
import io.datalake.transforms.Fixtures;
import io.datalake.transforms.kinds.RecordKind;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.model.LakeRow;
import io.datalake.transforms.model.RecordRejectedException;
import io.datalake.transforms.warehouse.WarehouseColumn;
import io.datalake.transforms.warehouse.WarehouseTable;
import io.datalake.transforms.warehouse.WarehouseTables;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.Test;

/**
 * Pins what the per-record work makes of the fixtures and the bad-input corpus, byte for byte: each
 * lake row (table, tenant, event time, Avro binary), each ClickHouse column value made from it, and
 * each dead letter's step and reason. The per-record work may get faster; its output may not move.
 * On a mismatch the whole text is written to target/parse-golden-actual.txt to diff against the
 * text of the commit before (run this test there).
 */
public class ParseGoldenTest {
  /**
   * SHA-256 of {@link #golden()}, taken before the per-record work was made faster; moved on
   * purpose since, with the diff holding exactly these changes: the VTEX operator's login and
   * gift-list description became PII, scalars inside a container that a {@code **} path ends on are
   * encrypted (epilot's {@code email[]._tags}, {@code phone[]._tags}), a v1 workflow execution's
   * and VTEX's hook, feed and cart payloads' dead letters say what they are, the corpus gained ten
   * lines: two with blank strings for typed values (an order's dates and value, a session's
   * end_time: rows with those values null), one with an offset without its colon and a flag "1" (a
   * row), one with the tenant key twice and one with a null list element (dead letters), and two
   * with PII under keys clients name their own way (an entity's {@code mobile_phone} and {@code
   * installation_address}, a portal event's {@code phoneNumber} and {@code "First Name"}: tokens);
   * and a workflow's variable templates ({@code "{{entity.owner}}"}) are text again, not tokens:
   * text that starts with a brace is encrypted only when it could hide keys (a quote, : or =); and
   * the corpus gained four lines from a probe (an order search result and a detail with text after
   * its JSON: dead letters; an item named "[2] ...", JSON text in a string column, .NET's "not set"
   * east of UTC, an attribute "[1] Wallbox 11 kW": rows); and a string holding half a UTF-16
   * surrogate pair is a dead letter (the lone-surrogate tenant's reason says so now, and the corpus
   * gained two such lines and an emoji escaped as a pair: a row); and current_entities' version of
   * a whole-second time takes its activity id's ULID millisecond within the second (the samples'
   * ULIDs are of later days: their last millisecond, only _version changed); and a VTEX package's
   * embeddedInvoice (an invoice's XML, which names the buyer) is a token (the only change: the hash
   * before it comes back with that one path taken out); and three changes of 2026-12-06 evening,
   * whose hash without them is the one before (17de0f39...): a relation under a path that encrypts
   * whole (billing_contact under billing_*) keeps its related entity ids readable, its other
   * scalars tokens; an epilot address is encrypted by the search alone, field by field (address[].*
   * and delivery_address[].* encrypted a list inside it, _tags, whole, an empty one too); and a URL
   * carrying a credential is a token (epilot's consent event source, a double opt-in link with
   * {@code ?token=}); and the corpus gained nine lines whose rows lacked an id of their table's key
   * (an entity operation's event or activity id, an item's uniqueId, a phase's or task's id, a
   * context's entity_id): dead letters (the only change: the text before with their nine entries
   * taken out); and one line more, an order as the Checkout API placed it ({@code hostName}): a
   * dead letter that says so; and one line more, a list response on one line (the orders feed): a
   * dead letter that says it is a list (the only change: the text before, aaf0a25b..., with that
   * entry taken out).
   */
  private static final String GOLDEN =
      "fe305ce9b6f39733787202843cff67bccffcddacb5357f5d022131c32d1d4e15";

  private static final RecordKinds KINDS = RecordKinds.builtIn();

  @Test
  public void outputOfFixturesAndBadInputCorpusIsUnchanged() throws Exception {
    String text = golden();
    String sha = sha256(text);
    if (!sha.equals(GOLDEN)) {
      Path actual = Path.of("target", "parse-golden-actual.txt");
      Files.createDirectories(actual.getParent());
      Files.writeString(actual, text, StandardCharsets.UTF_8);
    }
    assertThat(
        "output of the per-record work (see target/parse-golden-actual.txt)", sha, equalTo(GOLDEN));
  }

  /** Every fixture as every kind, raw (VTEX style) and typed, then the corpus under its kinds. */
  static String golden() throws IOException {
    RecordParser parser = Fixtures.recordParser(KINDS);
    StringBuilder out = new StringBuilder();
    List<String> fixtures;
    try (Stream<Path> files = Files.list(fixturesDir())) {
      fixtures =
          files
              .map(p -> p.getFileName().toString())
              .filter(n -> n.endsWith(".json"))
              .sorted()
              .toList();
    }
    for (String name : fixtures) {
      JsonNode fixture = Fixtures.JSON.readTree(fixturesDir().resolve(name).toFile());
      List<JsonNode> records = new ArrayList<>();
      if (fixture.isArray()) {
        fixture.forEach(records::add);
      } else {
        records.add(fixture);
      }
      for (int i = 0; i < records.size(); i++) {
        JsonNode record = records.get(i);
        for (RecordKind kind : KINDS.all()) {
          describe(out, parser, kind, name + "#" + i, record.toString());
          if (record instanceof ObjectNode object) {
            describe(
                out, parser, kind, name + "#" + i + " raw", Fixtures.rawVtex(object).toString());
          }
        }
      }
    }
    jsonLines(out, parser, BadInputCorpus.root());
    // The bundled samples: the bench's and the demo's input, realistic records of every kind.
    jsonLines(out, parser, Path.of("..", "pipelines", "samples", "input"));
    return out.toString();
  }

  /** Every line of the uncompressed files under {@code root}/{@code <kind folder>}. */
  private static void jsonLines(StringBuilder out, RecordParser parser, Path root)
      throws IOException {
    for (RecordKind kind : KINDS.all()) {
      Path dir = root.resolve(kind.folder());
      if (!Files.isDirectory(dir)) {
        continue;
      }
      List<Path> files;
      try (Stream<Path> list = Files.list(dir)) {
        files = list.filter(p -> !p.toString().endsWith(".gz")).sorted().toList();
      }
      for (Path file : files) {
        byte[] bytes = Files.readAllBytes(file);
        int start = 0;
        int line = 1;
        for (int i = 0; i <= bytes.length; i++) {
          if (i == bytes.length || bytes[i] == '\n') {
            if (i > start || i < bytes.length) {
              byte[] payload = Arrays.copyOfRange(bytes, start, i);
              describe(out, parser, kind, file.getFileName() + ":" + line, payload);
            }
            start = i + 1;
            line++;
          }
        }
      }
    }
  }

  private static Path fixturesDir() {
    try {
      return Path.of(Fixtures.class.getResource("/fixtures/SOURCES.md").toURI()).getParent();
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void describe(
      StringBuilder out, RecordParser parser, RecordKind kind, String what, String json)
      throws IOException {
    describe(out, parser, kind, what, json.getBytes(StandardCharsets.UTF_8));
  }

  private static void describe(
      StringBuilder out, RecordParser parser, RecordKind kind, String what, byte[] payload)
      throws IOException {
    out.append("== ").append(kind.name()).append(' ').append(what).append('\n');
    RecordParser.ParsedRecord parsed;
    try {
      parsed = parser.parse(kind, payload);
    } catch (RecordRejectedException e) {
      out.append("dead letter ").append(e.step()).append(": ").append(e.getMessage()).append('\n');
      return;
    } catch (RuntimeException e) {
      out.append("unexpected ").append(e.getClass().getName()).append('\n');
      return;
    }
    LakeRow.Coder coder = LakeRow.Coder.of(KINDS);
    for (RecordParser.TypedRow typed : parsed.rows()) {
      LakeRow row =
          new LakeRow(typed.table(), parsed.tenant(), parsed.eventTimeMicros(), typed.record());
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      coder.encode(row, bytes);
      out.append("row ")
          .append(Base64.getEncoder().encodeToString(bytes.toByteArray()))
          .append('\n');
      for (WarehouseTable table : WarehouseTables.of(KINDS)) {
        if (!table.source().equals(row.table())) {
          continue;
        }
        out.append("  ").append(table.name()).append(':');
        for (WarehouseColumn column : table.columns()) {
          Object value;
          try {
            value = column.value().of(row);
          } catch (RecordRejectedException e) {
            value = "rejected " + e.getMessage();
          }
          out.append(' ').append(column.name()).append('=').append(value);
        }
        out.append('\n');
      }
    }
  }

  private static String sha256(String text) throws NoSuchAlgorithmException {
    return HexFormat.of()
        .formatHex(
            MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
  }
}
