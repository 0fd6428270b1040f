package io.datalake.transforms.parse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.transforms.model.InputLimits;
import io.datalake.transforms.model.RecordRejectedException;
import io.datalake.transforms.model.TenantId;
import io.datalake.transforms.schema.LakeTable;
import io.datalake.transforms.schema.NoValue;
import io.datalake.transforms.schema.StringifiedJson;
import io.datalake.transforms.schema.Timestamps;
import java.time.DateTimeException;
import java.time.Instant;
import org.checkerframework.checker.nullness.qual.Nullable;

/** Reading the fields every mapper needs: tenant, event time, nested objects. */
final class Fields {
  static final String STEP = "parse";

  /**
   * The depth of an array that is a key of the record; its elements, each a row, are one deeper.
   */
  static final int ROOT_ARRAY_DEPTH = 2;

  static final int ROOT_ELEMENT_DEPTH = ROOT_ARRAY_DEPTH + 1;

  private Fields() {}

  /** A required scalar as text; missing, null, blank or a container rejects the record. */
  static String requiredText(JsonNode parent, String key, String path)
      throws RecordRejectedException {
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

  /**
   * The record's tenant: required, stripped of surrounding white space and held to {@link
   * TenantId}'s rule. Mappers write this value to {@code org_id}, so the column, the lake path and
   * the views agree.
   */
  static String requiredTenant(JsonNode parent, String key, String path)
      throws RecordRejectedException {
    JsonNode value = parent == null ? null : parent.get(key);
    if (value == null || value.isNull() || value.isContainerNode()) {
      throw new RecordRejectedException(STEP, "missing " + path);
    }
    if (value.isBoolean() || (value.isNumber() && !value.isIntegralNumber())) {
      // Their text ("true", "739224.0") would pass the id rule and become a tenant of its own.
      throw new RecordRejectedException(
          STEP,
          path
              + " is not a valid tenant id: "
              + (value.isBoolean() ? "a boolean" : "a number with a fraction"));
    }
    return TenantId.parse(value.asText(), path);
  }

  /**
   * The tenant at {@code path} (a kind's {@code tenantField}, dotted, through objects given as such
   * or as stringified JSON) as {@link #requiredTenant} reads it, or null where it would refuse the
   * record: for the dead letter of a record refused after or beside its tenant.
   */
  static @Nullable String tenantAt(ObjectNode record, String path) {
    try {
      String[] keys = path.split("\\.", -1);
      JsonNode parent = record;
      for (int i = 0; i < keys.length - 1 && parent != null; i++) {
        parent = object(parent, keys[i], keys[i], i + 2);
      }
      return requiredTenant(parent, keys[keys.length - 1], path);
    } catch (RecordRejectedException e) {
      return null;
    }
  }

  /**
   * Writes the id its children were given ({@link #requiredText}: stripped of surrounding white
   * space) to the parent's own row, whose copy of the record still has it as sent: {@code " 42 "}
   * in the parent and {@code "42"} in its children would join nothing. A value that is not text (a
   * number) is left to the typing, which gives it the same text.
   */
  static void idAsChildrenHaveIt(ObjectNode row, String key, String id) {
    JsonNode sent = row.get(key);
    if (sent != null && sent.isTextual() && !sent.textValue().equals(id)) {
      row.put(key, id);
    }
  }

  static String optionalText(JsonNode parent, String key) {
    JsonNode value = parent == null ? null : parent.get(key);
    if (value == null || value.isNull() || value.isContainerNode()) {
      return null;
    }
    String text = value.asText().trim();
    return text.isEmpty() ? null : text;
  }

  static Instant requiredTime(JsonNode parent, String key, String path)
      throws RecordRejectedException {
    String text = requiredText(parent, key, path);
    Instant time;
    try {
      time = Timestamps.parse(text);
    } catch (DateTimeException e) {
      throw new RecordRejectedException(STEP, path + " is not an ISO-8601 timestamp");
    }
    if (!Timestamps.isStorable(time)) {
      throw new RecordRejectedException(STEP, path + " is outside the years 1-9999");
    }
    return time;
  }

  /**
   * An object given as such or as stringified JSON, or null when it has no value ({@link NoValue}:
   * absent, null or a blank string).
   *
   * @param depth the depth of the object in the record (a key of the record itself: 2)
   */
  static ObjectNode object(JsonNode parent, String key, String path, int depth)
      throws RecordRejectedException {
    JsonNode value = parent.get(key);
    if (NoValue.in(value)) {
      return null;
    }
    JsonNode node =
        value.isTextual() ? StringifiedJson.parseContainer(value.textValue(), depth) : value;
    if (node == null || !node.isObject()) {
      throw new RecordRejectedException(STEP, path + " is not an object");
    }
    return (ObjectNode) node;
  }

  /**
   * The elements of an array of the record itself, given as such or as stringified JSON; empty when
   * it has no value ({@link NoValue}). Each element may become a row: more than {@link
   * InputLimits#MAX_ARRAY_ELEMENTS} reject the record.
   */
  static Iterable<JsonNode> elements(JsonNode parent, String key, String path)
      throws RecordRejectedException {
    JsonNode value = parent.get(key);
    if (NoValue.in(value)) {
      return java.util.List.of();
    }
    JsonNode node =
        value.isTextual()
            ? StringifiedJson.parseContainer(value.textValue(), ROOT_ARRAY_DEPTH)
            : value;
    if (node == null || !node.isArray()) {
      throw new RecordRejectedException(STEP, path + " is not an array");
    }
    if (node.size() > InputLimits.MAX_ARRAY_ELEMENTS) {
      throw new RecordRejectedException(
          STEP, path + " has more than " + InputLimits.MAX_ARRAY_ELEMENTS + " elements");
    }
    return node;
  }

  /**
   * A new object with the same keys and the same (shared) values. Rows only add, replace or remove
   * their own top-level keys and never change a nested value, so a row needs no deep copy of its
   * source (deep copies of each 14 KB order cost 2.5% of a streaming run's CPU).
   */
  static ObjectNode topLevelCopy(ObjectNode node) {
    ObjectNode copy = node.objectNode();
    copy.setAll(node);
    return copy;
  }

  /**
   * The key columns of a child {@code table} that each of its elements must hold itself: its key
   * less {@code parentColumns}, those the mapper fills from the parent (tenant, parent id). Worked
   * out once per mapper, not per record.
   */
  static java.util.List<String> ownKey(LakeTable table, java.util.Set<String> parentColumns) {
    return table.key().stream().filter(column -> !parentColumns.contains(column)).toList();
  }

  /**
   * The elements of an array of objects (given as such or stringified), each copied for a row: each
   * element must hold {@code ownKey}, the row's key columns its parent does not give (an item's
   * {@code uniqueId}, a task's {@code id}: {@link #ownKey}), as {@link #requiredText} reads them. A
   * row without its own key would be one the warehouse refuses, and a blank one would merge with
   * every other blank one there.
   */
  static java.util.List<ObjectNode> objectCopies(
      JsonNode parent, String key, java.util.List<String> ownKey) throws RecordRejectedException {
    java.util.List<ObjectNode> copies = new java.util.ArrayList<>();
    int i = 0;
    for (JsonNode element : elements(parent, key, key)) {
      if (!element.isObject()) {
        throw new RecordRejectedException(STEP, key + "[" + i + "] is not an object");
      }
      for (String column : ownKey) {
        requiredText(element, column, key + "[" + i + "]." + column);
      }
      copies.add(topLevelCopy((ObjectNode) element));
      i++;
    }
    return copies;
  }
}
