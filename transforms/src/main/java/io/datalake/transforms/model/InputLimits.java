package io.datalake.transforms.model;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;

/**
 * The bounds one record must keep so that no record can take unbounded time, memory or stack (issue
 * 12): JSON is parsed again level by level where it arrives as text ({@code "items": "[...]"}), by
 * the PII walk and by typing, and each of those walks recurses per level. A record beyond a bound
 * is one dead letter that says which bound; the value is never quoted.
 */
public final class InputLimits {
  /**
   * Deepest nesting of objects and arrays in a record, the record itself being level 1, counting
   * JSON inside JSON strings as if it were written in place: {@code {"a": "{\"b\": [1]}"}} has
   * depth 3. The sources nest about 10 deep; the walks use a few stack frames per level, so 64
   * levels stay far from any stack limit.
   */
  public static final int MAX_DEPTH = 64;

  /**
   * Longest number, as a JSON number or as a numeric string typed into a number column (Jackson's
   * own default for JSON numbers; {@code new BigDecimal(text)} is quadratic in length).
   */
  public static final int MAX_NUMBER_LENGTH = 1000;

  /**
   * Most elements of one array that becomes Java objects: a typed array column, or the items,
   * phases, tasks and contexts that become one row each. Bounds the rows and objects one record can
   * expand to (a line of {@code {},{},...} would otherwise give millions of rows).
   */
  public static final int MAX_ARRAY_ELEMENTS = 10_000;

  private InputLimits() {}

  /** A Jackson factory that enforces the bounds, allowing {@code depth} levels of nesting. */
  public static JsonFactory jsonFactory(int depth) {
    return JsonFactory.builder()
        .streamReadConstraints(
            StreamReadConstraints.builder()
                .maxNestingDepth(depth)
                .maxNumberLength(MAX_NUMBER_LENGTH)
                .build())
        .build();
  }

  /**
   * The mapper records and the JSON inside their strings are read with: bounded by {@link
   * #jsonFactory}, a key given twice in one object an error, anything after the document an error
   * (a string {@code "[1] Wallbox 11 kW"} is text, not the array {@code [1]}; Jackson stops after
   * the first value unless told), and a number with a fraction or an exponent kept as its decimal,
   * digits and trailing zeros as written ({@code 0.12345678901234567890123}, {@code 1.50}, {@code
   * 1e400}): as a double it would lose digits, and 1e400 would become Infinity, in the JSON text
   * columns that carry nested values. A typed column of doubles still gets the nearest double.
   */
  public static ObjectMapper jsonMapper(int depth) {
    return JsonMapper.builder(jsonFactory(depth))
        // A key twice in one object is ambiguous (which hostname is the tenant?): Jackson would
        // keep the last silently; refused instead, at no cost (the tree sees the replaced value).
        .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
        .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
        .nodeFactory(WholeCharactersOnly.INSTANCE)
        .build();
  }

  /**
   * Text values hold whole characters only. A JSON escape of half a UTF-16 surrogate pair (a low
   * half such as DC00 alone, or a high half without its low one) is no character: written out as
   * UTF-8 it became {@code ?} in Parquet and ClickHouse, silently, and a PII value holding one got
   * the token of its {@code ?} form. Such a record is refused (a {@code parse} dead letter); a pair
   * (an emoji escaped as two halves) is one character and stays. Keys are not checked.
   */
  private static final class WholeCharactersOnly extends JsonNodeFactory {
    private static final long serialVersionUID = 1L;
    static final WholeCharactersOnly INSTANCE = new WholeCharactersOnly();

    @Override
    public TextNode textNode(String text) {
      if (text != null && hasUnpairedSurrogate(text)) {
        throw new Exceeded(
            "a string holds half a UTF-16 surrogate pair (an escape of D800-DFFF without its"
                + " other half): not text");
      }
      return super.textNode(text);
    }
  }

  /** Whether {@code text} holds a UTF-16 surrogate that is not part of a pair. */
  static boolean hasUnpairedSurrogate(String text) {
    for (int i = 0, n = text.length(); i < n; i++) {
      char c = text.charAt(i);
      if (c >= Character.MIN_SURROGATE && c <= Character.MAX_SURROGATE) {
        if (Character.isHighSurrogate(c)
            && i + 1 < n
            && Character.isLowSurrogate(text.charAt(i + 1))) {
          i++;
          continue;
        }
        return true;
      }
    }
    return false;
  }

  public static Exceeded tooDeep() {
    return new Exceeded(
        "nested deeper than " + MAX_DEPTH + " levels (JSON inside strings included)");
  }

  public static Exceeded tooLongNumber() {
    return new Exceeded("a number longer than " + MAX_NUMBER_LENGTH + " characters");
  }

  public static Exceeded tooManyElements(String path) {
    return new Exceeded(path + " has more than " + MAX_ARRAY_ELEMENTS + " elements");
  }

  /** Jackson's constraint violation as one of the bounds above, without Jackson's message. */
  public static Exceeded of(StreamConstraintsException e) {
    String message = String.valueOf(e.getOriginalMessage()).toLowerCase();
    if (message.contains("number")) {
      return tooLongNumber();
    }
    if (message.contains("depth")) {
      return tooDeep();
    }
    return new Exceeded("a value beyond the JSON parser's limits");
  }

  /**
   * A bound exceeded somewhere inside a walk: unchecked, so lambdas and deep calls need not declare
   * it; {@code RecordParser} turns it into a rejection. No stack trace: it is expected.
   */
  public static final class Exceeded extends RuntimeException {
    private Exceeded(String message) {
      super(message, null, false, false);
    }
  }
}
