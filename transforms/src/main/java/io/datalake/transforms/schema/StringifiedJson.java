package io.datalake.transforms.schema;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.datalake.transforms.model.InputLimits;

/**
 * JSON objects and arrays that arrive as strings, e.g. {@code "items": "[{...}]"}. Every such
 * parse, by the PII walk, the mappers or typing, goes through here with the depth at which the text
 * sits, so {@link InputLimits#MAX_DEPTH} bounds a record's nesting overall, whatever number of
 * string levels it hides behind.
 */
public final class StringifiedJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One mapper per remaining depth budget (constraints belong to a factory), made on first use. */
  private static final ObjectMapper[] BY_BUDGET = new ObjectMapper[InputLimits.MAX_DEPTH + 1];

  private StringifiedJson() {}

  /** Whether the text starts, after white space, like an object or array. */
  public static boolean looksLikeContainer(String text) {
    int start = 0;
    while (start < text.length() && Character.isWhitespace(text.charAt(start))) {
      start++;
    }
    return start < text.length() && (text.charAt(start) == '{' || text.charAt(start) == '[');
  }

  /**
   * The object or array the text holds, or null when it holds neither (not JSON, or a scalar).
   *
   * @param depth the depth the parsed container takes in its record (the record itself is 1)
   * @throws InputLimits.Exceeded when the container would nest beyond {@link InputLimits#MAX_DEPTH}
   *     in its record, or holds a number beyond the length limit
   */
  public static JsonNode parseContainer(String text, int depth) {
    if (!looksLikeContainer(text)) {
      return null;
    }
    int budget = InputLimits.MAX_DEPTH - depth + 1;
    if (budget < 1) {
      throw InputLimits.tooDeep();
    }
    try {
      JsonNode node = mapper(budget).readTree(text);
      return node != null && node.isContainerNode() ? node : null;
    } catch (StreamConstraintsException e) {
      throw InputLimits.of(e);
    } catch (JsonProcessingException e) {
      return null;
    }
  }

  private static ObjectMapper mapper(int budget) {
    ObjectMapper mapper = BY_BUDGET[budget];
    if (mapper == null) {
      // A race makes two equal mappers; either is fine.
      mapper = new ObjectMapper(InputLimits.jsonFactory(budget));
      BY_BUDGET[budget] = mapper;
    }
    return mapper;
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
    return node.isNumber() || node.isBoolean()
        ? JSON.getNodeFactory().textNode(node.asText())
        : node;
  }
}
