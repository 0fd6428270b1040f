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
}
