package io.datalake.transforms.schema;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What a source means by "no value" where anything but a string is declared (a timestamp, number,
 * flag, object or list): the key absent, JSON null, or a blank string ({@code "end_time": ""} of a
 * session still going on, a date not set yet, {@code "items": ""}). Where a string is declared, a
 * blank string is a value and kept. One rule for the typing ({@link JsonTyper}) and for the kinds'
 * mappers that read objects and arrays before it.
 */
public final class NoValue {
  private NoValue() {}

  /** Whether {@code node}, found where a non-string value is declared, holds no value. */
  public static boolean in(JsonNode node) {
    return node == null
        || node.isNull()
        || node.isMissingNode()
        || (node.isTextual() && node.textValue().isBlank());
  }
}
