package io.datalake.transforms.schema;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** JSON objects and arrays that arrive as strings, e.g. {@code "items": "[{...}]"}. */
public final class StringifiedJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private StringifiedJson() {}

  /** The object or array the text holds, or null when it holds neither. */
  public static JsonNode parseContainer(String text) {
    int start = 0;
    while (start < text.length() && Character.isWhitespace(text.charAt(start))) {
      start++;
    }
    if (start == text.length() || (text.charAt(start) != '{' && text.charAt(start) != '[')) {
      return null;
    }
    try {
      JsonNode node = JSON.readTree(text);
      return node != null && node.isContainerNode() ? node : null;
    } catch (JsonProcessingException e) {
      return null;
    }
  }

  /** A copy with every number and boolean as its text; nulls and structure stay. */
  public static JsonNode scalarsAsStrings(JsonNode node) {
    if (node.isObject()) {
      com.fasterxml.jackson.databind.node.ObjectNode out = JSON.createObjectNode();
      node.fields().forEachRemaining(e -> out.set(e.getKey(), scalarsAsStrings(e.getValue())));
      return out;
    }
    if (node.isArray()) {
      com.fasterxml.jackson.databind.node.ArrayNode out = JSON.createArrayNode();
      node.forEach(n -> out.add(scalarsAsStrings(n)));
      return out;
    }
    return node.isNumber() || node.isBoolean() ? JSON.getNodeFactory().textNode(node.asText()) : node;
  }
}
