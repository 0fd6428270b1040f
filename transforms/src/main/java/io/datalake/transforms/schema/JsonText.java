package io.datalake.transforms.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import java.util.Iterator;
import java.util.Map;

/**
 * The text of a parsed JSON tree, character for character what Jackson writes for it ({@code
 * node.toString()}, or a generator with default features), without Jackson's per-call set-up. The
 * typing step renders every JSON-typed and stringified value this way, so for each record Jackson
 * made a serializer provider, a generator and a synchronized {@code StringWriter}, and one more
 * serializer provider per string written through {@code writeTree}: more than half of the time
 * spent rendering (JFR of the 100k benchmark: JSON rendering was 13% of the workers' samples).
 *
 * <p>Jackson's defaults, which this follows: names and strings quoted, {@code "} and {@code \}
 * escaped, control characters as {@code \b \t \n \f \r} or {@code \}{@code u00XX} (upper-case hex),
 * everything else as it is (no escaping of non-ASCII, of {@code /} or of DEL); no spaces; numbers
 * as {@code Integer/Long/Double/Float/BigInteger/BigDecimal.toString()} (a non-finite double or
 * float quoted, as Jackson's {@code QUOTE_NON_NUMERIC_NUMBERS} does). A node of a kind parsing
 * never makes (binary, POJO) is handed to Jackson.
 */
public final class JsonText {
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  /** The escape of each ASCII character: 0 none, 'u' as \\u00XX, else the letter after '\\'. */
  private static final char[] ESCAPES = new char[128];

  static {
    for (int c = 0; c < 0x20; c++) {
      ESCAPES[c] = 'u';
    }
    ESCAPES['"'] = '"';
    ESCAPES['\\'] = '\\';
    ESCAPES['\b'] = 'b';
    ESCAPES['\t'] = 't';
    ESCAPES['\f'] = 'f';
    ESCAPES['\n'] = 'n';
    ESCAPES['\r'] = 'r';
  }

  /**
   * Per thread, the builder of the last text, kept for the next one: a rendered VTEX value is a few
   * KB, and a new builder would grow (and copy) several times to reach it.
   */
  private static final ThreadLocal<StringBuilder> BUILDER =
      ThreadLocal.withInitial(() -> new StringBuilder(1024));

  /** A builder kept larger than this is dropped after use, so one huge value is not held on. */
  private static final int MAX_KEPT_CAPACITY = 64 * 1024;

  private JsonText() {}

  /** {@code node.toString()}. */
  public static String of(JsonNode node) {
    if (node.isMissingNode()) {
      return ""; // Jackson's text of "no value" (a generator writes it as null)
    }
    return render(node, false);
  }

  /**
   * The text of {@code node} with every number and boolean written as a string ({@code 1} as {@code
   * "1"}), as the lake keeps JSON values whose scalars a source sends either way.
   */
  public static String scalarsAsStrings(JsonNode node) {
    return render(node, true);
  }

  private static String render(JsonNode node, boolean scalarsAsStrings) {
    StringBuilder out = BUILDER.get();
    out.setLength(0);
    append(node, scalarsAsStrings, out);
    String text = out.toString();
    if (out.capacity() > MAX_KEPT_CAPACITY) {
      BUILDER.remove();
    }
    return text;
  }

  private static void append(JsonNode node, boolean scalarsAsStrings, StringBuilder out) {
    JsonNodeType type = node.getNodeType();
    switch (type) {
      case OBJECT -> {
        out.append('{');
        boolean first = true;
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> member = it.next();
          if (!first) {
            out.append(',');
          }
          first = false;
          appendQuoted(member.getKey(), out);
          out.append(':');
          append(member.getValue(), scalarsAsStrings, out);
        }
        out.append('}');
      }
      case ARRAY -> {
        out.append('[');
        for (int i = 0; i < node.size(); i++) {
          if (i > 0) {
            out.append(',');
          }
          append(node.get(i), scalarsAsStrings, out);
        }
        out.append(']');
      }
      case STRING -> appendQuoted(node.textValue(), out);
      case NULL, MISSING -> out.append("null");
      case BOOLEAN -> appendScalar(node.booleanValue() ? "true" : "false", scalarsAsStrings, out);
      case NUMBER -> appendNumber(node, scalarsAsStrings, out);
      default -> out.append(node.toString()); // binary, POJO: not made by parsing
    }
  }

  private static void appendNumber(JsonNode node, boolean scalarsAsStrings, StringBuilder out) {
    if (scalarsAsStrings) {
      // As JsonNode.asText() gives them, which is what the lake kept before. An integer's text
      // (Integer/Long.toString, as asText() makes it) is written straight into the builder: no
      // String made and no escape looked for in digits; the other kinds are rarer.
      switch (node.numberType()) {
        case INT -> out.append('"').append(node.intValue()).append('"');
        case LONG -> out.append('"').append(node.longValue()).append('"');
        default -> appendQuoted(node.asText(), out);
      }
      return;
    }
    switch (node.numberType()) {
      case INT -> out.append(node.intValue());
      case LONG -> out.append(node.longValue());
      case BIG_INTEGER -> out.append(node.bigIntegerValue().toString());
      case BIG_DECIMAL -> out.append(node.decimalValue().toString());
      case DOUBLE -> appendFloating(node.doubleValue(), Double.toString(node.doubleValue()), out);
      case FLOAT -> appendFloating(node.floatValue(), Float.toString(node.floatValue()), out);
    }
  }

  private static void appendFloating(double value, String text, StringBuilder out) {
    if (Double.isFinite(value)) {
      out.append(text);
    } else {
      appendQuoted(text, out);
    }
  }

  private static void appendScalar(String text, boolean quoted, StringBuilder out) {
    if (quoted) {
      out.append('"').append(text).append('"');
    } else {
      out.append(text);
    }
  }

  /**
   * {@code text} as a JSON string, escaped as Jackson escapes it. A text with nothing to escape
   * (most are) is appended whole: on Java 17 {@code append(CharSequence, start, end)} copies a
   * character at a time, {@code append(String)} copies the array.
   */
  private static void appendQuoted(String text, StringBuilder out) {
    out.append('"');
    int length = text.length();
    int first = firstEscaped(text);
    if (first == length) {
      out.append(text).append('"');
      return;
    }
    out.append(text, 0, first);
    int run = first; // start of the characters not yet copied
    for (int i = first; i < length; i++) {
      char c = text.charAt(i);
      if (isEscaped(c)) {
        out.append(text, run, i);
        char escape = ESCAPES[c];
        out.append('\\');
        if (escape == 'u') {
          out.append("u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
        } else {
          out.append(escape);
        }
        run = i + 1;
      }
    }
    out.append(text, run, length);
    out.append('"');
  }

  /** The index of the first character of {@code text} that is escaped, or its length. */
  private static int firstEscaped(String text) {
    int length = text.length();
    for (int i = 0; i < length; i++) {
      if (isEscaped(text.charAt(i))) {
        return i;
      }
    }
    return length;
  }

  /** Whether Jackson writes {@code c} escaped. */
  private static boolean isEscaped(char c) {
    return c < 128 && ESCAPES[c] != 0;
  }
}
