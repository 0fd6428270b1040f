package io.datalake.transforms.parse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.transforms.model.RecordRejectedException;
import io.datalake.transforms.schema.JsonTyper;
import io.datalake.transforms.schema.StringifiedJson;
import java.time.DateTimeException;
import java.time.Instant;

/** Reading the fields every mapper needs: tenant, event time, nested objects. */
final class Fields {
  static final String STEP = "parse";

  private Fields() {}

  /** A required scalar as text; missing, null, blank or a container rejects the record. */
  static String requiredText(JsonNode parent, String key, String path) throws RecordRejectedException {
    JsonNode value = parent == null ? null : parent.get(key);
    if (value == null || value.isNull() || value.isContainerNode()) {
      throw new RecordRejectedException(STEP, "missing " + path);
    }
    String text = value.asText().trim();
    if (text.isEmpty()) {
      throw new RecordRejectedException(STEP, "empty " + path);
    }
    return text;
  }

  static String optionalText(JsonNode parent, String key) {
    JsonNode value = parent == null ? null : parent.get(key);
    if (value == null || value.isNull() || value.isContainerNode()) {
      return null;
    }
    String text = value.asText().trim();
    return text.isEmpty() ? null : text;
  }

  static Instant requiredTime(JsonNode parent, String key, String path) throws RecordRejectedException {
    String text = requiredText(parent, key, path);
    Instant time;
    try {
      time = JsonTyper.parseTimestamp(text);
    } catch (DateTimeException e) {
      throw new RecordRejectedException(STEP, path + " is not an ISO-8601 timestamp");
    }
    if (!JsonTyper.isStorable(time)) {
      throw new RecordRejectedException(STEP, path + " is outside the years 1-9999");
    }
    return time;
  }

  /** An object given as such or as stringified JSON, or null when absent. */
  static ObjectNode object(JsonNode parent, String key, String path) throws RecordRejectedException {
    JsonNode value = parent.get(key);
    if (value == null || value.isNull()) {
      return null;
    }
    JsonNode node = value.isTextual() ? StringifiedJson.parseContainer(value.textValue()) : value;
    if (node == null || !node.isObject()) {
      throw new RecordRejectedException(STEP, path + " is not an object");
    }
    return (ObjectNode) node;
  }

  /** The elements of an array given as such or as stringified JSON; empty when absent. */
  static Iterable<JsonNode> elements(JsonNode parent, String key, String path)
      throws RecordRejectedException {
    JsonNode value = parent.get(key);
    if (value == null || value.isNull()) {
      return java.util.List.of();
    }
    JsonNode node = value.isTextual() ? StringifiedJson.parseContainer(value.textValue()) : value;
    if (node == null || !node.isArray()) {
      throw new RecordRejectedException(STEP, path + " is not an array");
    }
    return node;
  }

  /**
   * A new object with the same keys and the same (shared) values. Rows only add, replace or
   * remove their own top-level keys and never change a nested value, so a row needs no deep copy
   * of its source (deep copies of each 14 KB order cost 2.5% of a streaming run's CPU).
   */
  static ObjectNode topLevelCopy(ObjectNode node) {
    ObjectNode copy = node.objectNode();
    copy.setAll(node);
    return copy;
  }

  /** The elements of an array of objects (given as such or stringified), each copied for a row. */
  static java.util.List<ObjectNode> objectCopies(JsonNode parent, String key) throws RecordRejectedException {
    java.util.List<ObjectNode> copies = new java.util.ArrayList<>();
    int i = 0;
    for (JsonNode element : elements(parent, key, key)) {
      if (!element.isObject()) {
        throw new RecordRejectedException(STEP, key + "[" + i + "] is not an object");
      }
      copies.add(topLevelCopy((ObjectNode) element));
      i++;
    }
    return copies;
  }
}
