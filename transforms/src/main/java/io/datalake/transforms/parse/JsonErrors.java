package io.datalake.transforms.parse;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;

/**
 * Describes a JSON syntax error without quoting the input: Jackson's messages include the offending
 * characters and a snippet of the source, which may be PII.
 */
final class JsonErrors {
  private JsonErrors() {}

  static String describe(JsonProcessingException e) {
    String message = e.getOriginalMessage();
    String kind;
    if (message == null) {
      kind = "syntax error";
    } else if (message.startsWith("Unexpected end-of-input")) {
      kind = "unexpected end of input";
    } else if (message.startsWith("Unexpected character")) {
      kind = "unexpected character";
    } else if (message.startsWith("Unrecognized token")) {
      kind = "unrecognized token";
    } else if (message.startsWith("Unexpected close marker")) {
      kind = "unbalanced brackets";
    } else if (message.startsWith("Trailing token")) {
      kind = "more than one JSON document on the line";
    } else if (message.contains("control character")
        || message.startsWith("Illegal unquoted character")) {
      kind = "unescaped control character";
    } else if (message.startsWith("Illegal character")) {
      kind = "control character outside a string";
    } else if (message.contains("Invalid UTF-8")) {
      kind = "invalid UTF-8";
    } else if (message.startsWith("Duplicate field")) {
      // Not naming the key: in a map keyed by data (an email) the key is the value.
      kind = "a key given twice in one object";
    } else {
      kind = "syntax error";
    }
    JsonLocation location = e.getLocation();
    return location == null
        ? kind
        : kind + " at line " + location.getLineNr() + ", column " + location.getColumnNr();
  }
}
