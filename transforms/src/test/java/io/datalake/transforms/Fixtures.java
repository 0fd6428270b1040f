package io.datalake.transforms;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.transforms.kinds.RecordKind;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.model.SourceRecord;
import io.datalake.transforms.parse.DroppedFields;
import io.datalake.transforms.parse.RecordParser;
import io.datalake.transforms.pii.PiiEncryptor;
import io.datalake.transforms.pii.PiiKeyset;
import io.datalake.transforms.pii.PiiPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The published sample payloads (compacted copies in test resources) and records built from them.
 */
public final class Fixtures {
  public static final ObjectMapper JSON = new ObjectMapper();

  /** The per-record work with the built-in policy and the development keyset, as the tests use. */
  public static RecordParser recordParser(RecordKinds kinds) {
    return new RecordParser(
        new PiiEncryptor(PiiKeyset.development().cipher()),
        PiiPolicy.defaults(kinds),
        DroppedFields.defaults(kinds));
  }

  /** PII plaintexts from the fixtures that must never appear in any output. */
  public static final List<String> PII =
      List.of(
          "rodrigo.smith@email.com",
          "Rodrigo",
          "845.134.270-19",
          "+5561992227222",
          "david@luxstore.com",
          "sandra.daves@luxstore.com",
          "Avenida Lúcio Costa",
          "22630-011",
          "contact@email.com",
          "556196842267",
          "444433",
          "Brigadeiro Faria Lima",
          "user@example.com",
          "+49123456789",
          "Melatengürtel",
          "customer@email.xyz",
          "Customer First Name",
          "Claudius Iohannis",
          "1.1.1.1",
          "example@epilot.cloud",
          "203.0.113.7",
          "visitor7@example.net");

  private Fixtures() {}

  public static ObjectNode load(String name) {
    try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/" + name)) {
      return (ObjectNode) JSON.readTree(in);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public static SourceRecord record(RecordKind kind, String position, JsonNode json) {
    return SourceRecord.of(kind, position, json.toString().getBytes(StandardCharsets.UTF_8));
  }

  public static SourceRecord line(RecordKind kind, String position, String line) {
    return SourceRecord.of(kind, position, line.getBytes(StandardCharsets.UTF_8));
  }

  /** The VTEX raw form: scalars as strings, nested objects and arrays as stringified JSON. */
  public static ObjectNode rawVtex(ObjectNode order) {
    ObjectNode raw = JSON.createObjectNode();
    for (Iterator<Map.Entry<String, JsonNode>> it = order.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode v = e.getValue();
      if (v.isContainerNode()) {
        raw.put(e.getKey(), stringifyScalars(v).toString());
      } else if (v.isNull()) {
        raw.putNull(e.getKey());
      } else {
        raw.put(e.getKey(), v.asText());
      }
    }
    return raw;
  }

  private static JsonNode stringifyScalars(JsonNode node) {
    if (node.isObject()) {
      ObjectNode out = JSON.createObjectNode();
      node.fields().forEachRemaining(e -> out.set(e.getKey(), stringifyScalars(e.getValue())));
      return out;
    }
    if (node.isArray()) {
      var out = JSON.createArrayNode();
      node.forEach(n -> out.add(stringifyScalars(n)));
      return out;
    }
    return node.isNull() ? node : JSON.getNodeFactory().textNode(node.asText());
  }

  /** An EntityOperation envelope around a payload. */
  public static ObjectNode entityOperation(
      String org,
      String entityId,
      String operation,
      String time,
      JsonNode payload,
      boolean stringified) {
    ObjectNode detail = JSON.createObjectNode();
    detail.put("entity", entityId);
    detail.put("org", org);
    detail.put("activity_id", "01F130Q52Q6MWSNS8N2AVXV4JN");
    detail.put("operation", operation);
    detail.putObject("params").put("id", entityId).put("slug", "contact");
    detail.set("payload", payload);
    ObjectNode envelope = JSON.createObjectNode();
    envelope.put("id", "evt-" + entityId + "-" + operation);
    envelope.put("detail-type", "EntityOperation");
    envelope.put("source", "epilot.entity");
    envelope.put("account", "912345678901");
    envelope.put("time", time);
    envelope.put("region", "eu-central-1");
    if (stringified) {
      envelope.put("detail", detail.toString());
    } else {
      envelope.set("detail", detail);
    }
    return envelope;
  }

  /** The v2 execution skeleton with real values where it has placeholders. */
  public static ObjectNode workflowExecution(String id, String org, String updatedAt) {
    ObjectNode e = load("epilot_workflow_get_flow_execution_v2_schema_skeleton.json");
    e.put("id", id);
    e.put("org_id", org);
    e.put("created_at", "2024-04-01T08:00:00.000Z");
    e.put("updated_at", updatedAt);
    e.put("due_date", "2024-05-01T00:00:00.000Z");
    ((ObjectNode) e.get("phases").get(0)).put("updated_at", updatedAt);
    return e;
  }

  public static ObjectNode analytics(String id, String org, String timeField, String time) {
    ObjectNode r = JSON.createObjectNode();
    r.put("id", id);
    r.put("org_id", org);
    r.put("session_id", "s-" + id);
    r.put("journey_id", "j-1");
    r.put("type", "journey_submit");
    r.put(timeField, time);
    r.put("details", "{\"ip\":\"203.0.113.7\",\"email\":\"visitor7@example.net\",\"step\":3}");
    return r;
  }
}
