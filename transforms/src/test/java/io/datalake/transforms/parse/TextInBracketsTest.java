package io.datalake.transforms.parse;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.Assert.assertThrows;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.transforms.Fixtures;
import io.datalake.transforms.kinds.RecordKind;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.model.RecordRejectedException;
import io.datalake.transforms.schema.Timestamps;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.junit.Test;

/**
 * Text that starts with a bracket is text (found by a probe of published-shaped payloads): JSON
 * inside strings is read only when the whole string is JSON. Before, {@code "[1] Wallbox 11 kW"}
 * became the array {@code [1]} (the rest silently dropped) wherever the PII walk looked, a VTEX
 * item called {@code "[2] Camiseta Azul M"} made its order a type dead letter, and a product called
 * {@code "[Outlet] Camiseta"} was encrypted as if it were broken JSON.
 */
public class TextInBracketsTest {
  private static final RecordKinds KINDS = RecordKinds.builtIn();

  private static RecordParser.ParsedRecord parse(String kind, ObjectNode record)
      throws RecordRejectedException {
    return parse(kind, record.toString());
  }

  private static RecordParser.ParsedRecord parse(String kind, String line)
      throws RecordRejectedException {
    RecordParser parser = Fixtures.recordParser(KINDS);
    RecordKind recordKind = KINDS.byName(kind);
    return parser.parse(recordKind, line.getBytes(StandardCharsets.UTF_8));
  }

  private static GenericRecord row(RecordParser.ParsedRecord parsed, String table) {
    return parsed.rows().stream()
        .filter(r -> r.table().equals(table))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + table + " row in " + parsed.rows()))
        .record();
  }

  private static ObjectNode order() {
    ObjectNode order = Fixtures.load("vtex_oms_get_order.json");
    ArrayNode items = (ArrayNode) order.get("items");
    items.add(items.get(0).deepCopy());
    ((ObjectNode) items.get(0)).put("name", "[2] Camiseta Azul M");
    ((ObjectNode) items.get(1)).put("name", "[Outlet] Camiseta");
    // A message that holds JSON where the schema declares a string, with an email inside.
    order.put("lastMessage", "{\"Pedido\": 1, \"email\": \"shopper@example.com\"}");
    // JSON text with nothing to encrypt in a string column: kept as it came, spaces and all.
    order.put("statusDescription", "[1, 2]  ");
    order.put("origin", "{\"a\": \"{\\\"b\\\": 1}\"}");
    // .NET's "not set" in a server zone east of UTC: 0000-12-31T21:00Z.
    order.put("invoicedDate", "0001-01-01T00:00:00+03:00");
    return order;
  }

  @Test
  public void aVtexOrderKeepsItsBracketedNamesInBothForms() throws Exception {
    for (ObjectNode order : List.of(order(), Fixtures.rawVtex(order()))) {
      RecordParser.ParsedRecord parsed = parse("checkout-orders", order);
      List<String> names =
          parsed.rows().stream()
              .filter(r -> r.table().equals("checkout_order_items"))
              .map(r -> String.valueOf(r.record().get("name")))
              .toList();
      assertThat(names.get(0), equalTo("[2] Camiseta Azul M"));
      assertThat(names.get(1), equalTo("[Outlet] Camiseta"));
      GenericRecord row = row(parsed, "checkout_orders");
      String message = String.valueOf(row.get("lastMessage"));
      // Still text, now with the email encrypted inside.
      assertThat(message, startsWith("{\"Pedido\":1,\"email\":\"pii:"));
      assertThat(message, not(containsString("shopper@example.com")));
      assertThat(String.valueOf(row.get("statusDescription")), equalTo("[1, 2]  "));
      assertThat(String.valueOf(row.get("origin")), equalTo("{\"a\": \"{\\\"b\\\": 1}\"}"));
      assertThat(
          row.get("invoicedDate"),
          equalTo(Timestamps.toEpochMicros(Instant.parse("0001-01-01T00:00:00Z"))));
    }
  }

  @Test
  public void anEntityAttributeKeepsItsBracketedText() throws Exception {
    ObjectNode payload = Fixtures.JSON.createObjectNode();
    payload.put("_id", "e-1").put("_schema", "product").put("name", "[1] Wallbox 11 kW");
    payload.put("code", "{{entity.owner}}");
    for (boolean stringified : new boolean[] {false, true}) {
      ObjectNode envelope =
          Fixtures.entityOperation(
              "739224", "e-1", "createEntity", "2025-07-01T10:00:00Z", payload, stringified);
      String detail =
          String.valueOf(row(parse("entity-operations", envelope), "entity_operations"));
      assertThat(detail, containsString("[1] Wallbox 11 kW"));
      assertThat(detail, containsString("{{entity.owner}}"));
    }
  }

  private static ObjectNode envelope() {
    return Fixtures.entityOperation(
        "739224",
        "e-1",
        "createEntity",
        "2025-07-01T10:00:00Z",
        Fixtures.JSON.createObjectNode().put("_id", "e-1"),
        true);
  }

  private static String stringifiedDetail() {
    return envelope().get("detail").textValue();
  }

  private static ObjectNode withDetail(String detail) {
    return envelope().put("detail", detail);
  }

  /** Space of any kind around a stringified document is not text after it (a review's case). */
  @Test
  public void aDetailWithSpaceAroundItsJsonIsRead() throws Exception {
    for (String space : List.of("\u00A0", "\u2028", "\r\n", "\uFEFF")) {
      String detail = stringifiedDetail();
      ObjectNode envelope = withDetail(space.equals("\uFEFF") ? space + detail : detail + space);
      assertThat(
          row(parse("entity-operations", envelope), "entity_operations").get("entity_id"),
          equalTo("e-1"));
    }
  }

  @Test
  public void aDetailWithTextAfterItsJsonIsRefused() {
    ObjectNode envelope = withDetail(stringifiedDetail() + " TRUNCATED-GARBAGE");
    RecordRejectedException e =
        assertThrows(RecordRejectedException.class, () -> parse("entity-operations", envelope));
    assertThat(e.getMessage(), containsString("detail"));
  }

  @Test
  public void brokenJsonDocumentsInDetailsAreStillEncrypted() throws Exception {
    ObjectNode event = Fixtures.analytics("ev-1", "739224", "created_at", "2025-07-01T10:00:00Z");
    event.put(
        "details",
        "{\"step_name\": \"[2] Persönliche Daten\", \"note\": \"{'email': 'a@example.com'}\","
            + " \"answers\": \"[{\\\"email\\\": \\\"b@example.com\\\", \\\"na\","
            + " \"label\": \"{\\\"email\\\": \\\"c@example.com\\\"} sent\"}");
    String details =
        String.valueOf(row(parse("journey-events", event), "journey_events").get("details"));
    assertThat(details, containsString("[2] Persönliche Daten"));
    for (String email : List.of("a@example.com", "b@example.com", "c@example.com")) {
      assertThat(details, not(containsString(email)));
    }
  }
}
