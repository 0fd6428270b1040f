package io.datalake.transforms.warehouse;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.temporal.Temporal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.IndexedRecord;

/**
 * The text of a lake value as the warehouse stores it: exactly what {@code value.toString()} gives
 * (for a record, Avro's {@code GenericData.toString}: JSON with ", " and ": " between members),
 * made without Avro's per-call identity map and character-by-character copying, which were most of
 * the warehouse conversion's CPU for nested columns (a VTEX order renders ~14 KB of text).
 *
 * <p>The output is the same text, so the warehouse's JSON columns keep their content. What it
 * leaves out: Avro's guard against a record that contains itself; a lake value is built from parsed
 * JSON and cannot.
 */
final class AvroText {
  private AvroText() {}

  /** {@code value.toString()}, or null for null. */
  static String of(Object value) {
    if (value == null) {
      return null;
    }
    if (!(value instanceof GenericData.Record) && !isPlainList(value)) {
      return value.toString();
    }
    boolean record = value instanceof GenericData.Record;
    Shape shape = record ? shape(((GenericData.Record) value).getSchema()) : elementShape(value);
    int hint =
        Math.min(shape == null ? 256 : record ? shape.recordLength : shape.listLength, MAX_HINT);
    StringBuilder out = new StringBuilder(hint + hint / 8 + 16);
    appendToString(value, out);
    String text = out.toString();
    if (shape != null) {
      if (record) {
        shape.recordLength = text.length();
      } else {
        shape.listLength = text.length();
      }
    }
    return text;
  }

  /** A hint is never taken as larger than this (a rare huge value). */
  private static final int MAX_HINT = 1 << 20;

  /** The shape of a list's first element when it is a record; null otherwise. */
  private static Shape elementShape(Object list) {
    List<?> values = (List<?>) list;
    return !values.isEmpty() && values.get(0) instanceof IndexedRecord element
        ? shape(element.getSchema())
        : null;
  }

  /** A list whose toString is {@code AbstractCollection}'s: "[a, b]" of each element's text. */
  private static boolean isPlainList(Object value) {
    return value instanceof ArrayList || value instanceof GenericData.Array;
  }

  /** Appends {@code value.toString()}. */
  private static void appendToString(Object value, StringBuilder out) {
    if (value instanceof GenericData.Record record) {
      appendJson(record, out);
    } else if (isPlainList(value)) {
      List<?> list = (List<?>) value;
      out.append('[');
      for (int i = 0; i < list.size(); i++) {
        if (i > 0) {
          out.append(", ");
        }
        Object element = list.get(i);
        if (element == list) {
          out.append("(this Collection)");
        } else {
          appendToString(element, out);
        }
      }
      out.append(']');
    } else {
      out.append(value);
    }
  }

  /** Appends the datum as {@code GenericData.toString} renders it (Avro 1.11). */
  private static void appendJson(Object datum, StringBuilder out) {
    // The common leaves first: most of a nested value's members are text, numbers and nulls.
    if (datum == null) {
      out.append("null");
    } else if (datum instanceof String text) {
      out.append('"');
      appendEscaped(text, out);
      out.append('"');
    } else if (datum instanceof Long number) {
      out.append(number.longValue());
    } else if (datum instanceof Integer number) {
      out.append(number.intValue());
    } else if (datum instanceof Boolean flag) {
      out.append(flag.booleanValue());
    } else if (datum instanceof IndexedRecord record) {
      String[] prefixes = shape(record.getSchema()).prefixes;
      out.append('{');
      for (int i = 0; i < prefixes.length; i++) {
        out.append(prefixes[i]);
        appendJson(record.get(i), out);
      }
      out.append('}');
    } else if (datum instanceof Collection<?> array) {
      out.append('[');
      boolean first = true;
      for (Object element : array) {
        if (!first) {
          out.append(", ");
        }
        first = false;
        appendJson(element, out);
      }
      out.append(']');
    } else if (datum instanceof Map<?, ?> map) {
      out.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        if (!first) {
          out.append(", ");
        }
        first = false;
        out.append('"');
        appendEscaped(String.valueOf(entry.getKey()), out);
        out.append("\": ");
        appendJson(entry.getValue(), out);
      }
      out.append('}');
    } else if (datum instanceof CharSequence || datum instanceof GenericEnumSymbol) {
      out.append('"');
      appendEscaped(datum.toString(), out);
      out.append('"');
    } else if (datum instanceof ByteBuffer bytes) {
      out.append('"');
      appendEscaped(StandardCharsets.ISO_8859_1.decode(bytes.duplicate()), out);
      out.append('"');
    } else if (isNanOrInfinity(datum) || datum instanceof Temporal || datum instanceof UUID) {
      out.append('"').append(datum).append('"');
    } else {
      out.append(datum);
    }
  }

  /**
   * What is kept per record schema (the lake's schemas are a fixed, small set): each field's text
   * before its value, the separator included ({@code "name": } for the first, {@code , "name": }
   * for the others), since the names are most of what a nested value's text repeats; and how long
   * the last texts of such a record and of a list of them were, as the next builder's capacity
   * (most values of a column are alike in size, a VTEX order's shippingData ~4.5 KB: a builder
   * grown from a fixed size copied itself several times, and a small value's wasted the rest). The
   * lengths are written without synchronization: a stale one only sizes a builder.
   */
  private static final class Shape {
    final String[] prefixes;
    int recordLength = 256;
    int listLength = 256;

    Shape(Schema schema) {
      List<Schema.Field> fields = schema.getFields();
      prefixes = new String[fields.size()];
      for (int i = 0; i < prefixes.length; i++) {
        StringBuilder prefix = new StringBuilder(i > 0 ? ", \"" : "\"");
        appendEscaped(fields.get(i).name(), prefix);
        prefixes[i] = prefix.append("\": ").toString();
      }
    }
  }

  private static Shape shape(Schema schema) {
    Shape shape = SHAPES.get(schema);
    return shape != null ? shape : SHAPES.computeIfAbsent(schema, Shape::new);
  }

  private static final Map<Schema, Shape> SHAPES = new ConcurrentHashMap<>();

  private static boolean isNanOrInfinity(Object datum) {
    return (datum instanceof Float f && (f.isInfinite() || f.isNaN()))
        || (datum instanceof Double d && (d.isInfinite() || d.isNaN()));
  }

  /**
   * Avro's {@code writeEscapedString}: the same escapes, but a text with none appended whole and
   * the runs between escapes appended a run at a time, not written a character at a time.
   */
  private static void appendEscaped(CharSequence text, StringBuilder out) {
    int length = text.length();
    int first = 0;
    while (first < length && isPlain(text.charAt(first))) {
      first++;
    }
    if (first == length) {
      // Most texts: on Java 17 append(String) copies the array, and append(CharSequence, start,
      // end) a character at a time (JFR of a stream: the text's copy was most of the rendering).
      out.append(text.toString());
      return;
    }
    int run = 0;
    for (int i = first; i < length; i++) {
      char ch = text.charAt(i);
      if (isPlain(ch)) {
        continue;
      }
      out.append(text, run, i).append(escapeOf(ch));
      run = i + 1;
    }
    out.append(text, run, length);
  }

  /**
   * Whether Avro writes {@code ch} as itself ({@link #escapeOf} is null): the one statement of the
   * characters it escapes, with printable ASCII, most text, decided in three comparisons.
   */
  private static boolean isPlain(char ch) {
    if (ch < '\u007F') {
      return ch >= ' ' && ch != '"' && ch != '\\';
    }
    return ch > '\u009F' && (ch < '\u2000' || ch > '\u20FF');
  }

  /** The escape Avro writes for {@code ch}; null when it writes the character itself. */
  private static String escapeOf(char ch) {
    switch (ch) {
      case '"':
        return "\\\"";
      case '\\':
        return "\\\\";
      case '\b':
        return "\\b";
      case '\f':
        return "\\f";
      case '\n':
        return "\\n";
      case '\r':
        return "\\r";
      case '\t':
        return "\\t";
      default:
        // The other characters Avro escapes are those isPlain refuses (control characters, C1
        // controls, U+2000-U+20FF), as a four-digit Unicode escape.
        if (isPlain(ch)) {
          return null;
        }
        String hex = Integer.toHexString(ch).toUpperCase(Locale.ROOT);
        return "\\u" + "0000".substring(hex.length()) + hex;
    }
  }
}
