package io.datalake.transforms.schema;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.datalake.transforms.model.InputLimits;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * JSON objects and arrays that arrive as strings, e.g. {@code "items": "[{...}]"}. Every such
 * parse, by the PII walk, the mappers or typing, goes through here with the depth at which the text
 * sits, so {@link InputLimits#MAX_DEPTH} bounds a record's nesting overall, whatever number of
 * string levels it hides behind.
 *
 * <p>Parse once: inside {@link #parseOnce()} (one record's work, {@code RecordParser}) a text is
 * parsed once, however many steps ask for it. Rows share their record's values (a mapper copies
 * only the top level), so the mapper and typing ask for the same string (a stringified {@code
 * closing_reason} or VTEX {@code items}: the mapper parses it for its rows, typing for the parent
 * row's column). The steps that get the same parsed node only read it; the PII walk, which changes
 * what it parses, replaces the string in the record, so no later step asks for that string again.
 */
public final class StringifiedJson {
  /** One mapper per remaining depth budget (constraints belong to a factory), made on first use. */
  private static final ObjectMapper[] BY_BUDGET = new ObjectMapper[InputLimits.MAX_DEPTH + 1];

  /** The parses of the current record on this thread, by text (identity); null outside one. */
  private static final ThreadLocal<Map<String, Parsed>> RECORD = new ThreadLocal<>();

  /** A parse and the depth it was bounded at; {@code node} null: not a container. */
  private record Parsed(int depth, JsonNode node) {}

  private StringifiedJson() {}

  /** One record's work on this thread: texts are parsed once until {@link Scope#close()}. */
  public static Scope parseOnce() {
    RECORD.set(new IdentityHashMap<>());
    return SCOPE;
  }

  private static final Scope SCOPE = new Scope();

  /** Ends the record's parse-once scope. */
  public static final class Scope implements AutoCloseable {
    private Scope() {}

    @Override
    public void close() {
      RECORD.remove();
    }
  }

  /** Whether the text starts, after white space, like an object or array. */
  public static boolean looksLikeContainer(String text) {
    int start = skipWhiteSpace(text, 0);
    return start < text.length() && (text.charAt(start) == '{' || text.charAt(start) == '[');
  }

  /**
   * Whether a text that is not JSON may still hide keys a PII path names: it starts with a bracket
   * and, after it, holds a character that some notation of keys and values needs: a quote of any
   * kind ({@code "'`“”‘’}), {@code :} or {@code =}, or an {@code @}. That covers JSON cut short
   * ({@code {"email": "a@}), JSON escaped twice, Python's and Node's printed objects ({@code
   * {'email': ...}}, {@code { email: 'a@b' }}), JSON5, Java's {@code {email=a@b}}, Ruby's {@code
   * {:email=>"a@b"}}, and JSON followed by more text ({@code [1] {"email": ...}}). Text that merely
   * starts with a bracket has none of them ({@code "[2] Camiseta Azul M"}, {@code "[Outlet]
   * Camiseta"}, a template's {@code "{{entity.owner}}"}).
   */
  public static boolean looksLikeBrokenDocument(String text) {
    int at = skipWhiteSpace(text, 0);
    if (at >= text.length() || (text.charAt(at) != '{' && text.charAt(at) != '[')) {
      return false;
    }
    for (int i = at + 1; i < text.length(); i++) {
      switch (text.charAt(i)) {
        case '"', '\'', '`', '\u201C', '\u201D', '\u2018', '\u2019', ':', '=', '@':
          return true;
        default:
          break;
      }
    }
    return false;
  }

  /** Skips white space of any kind and a byte order mark (some writers put one first). */
  private static int skipWhiteSpace(String text, int from) {
    int at = from;
    while (at < text.length() && isSpace(text.charAt(at))) {
      at++;
    }
    return at;
  }

  /**
   * The object or array the text holds, or null when it holds neither (not JSON, or a scalar).
   *
   * @param depth the depth the parsed container takes in its record (the record itself is 1)
   * @throws InputLimits.Exceeded when the container would nest beyond {@link InputLimits#MAX_DEPTH}
   *     in its record, or holds a number beyond the length limit
   */
  public static JsonNode parseContainer(String text, int depth) {
    // Most strings the PII walk and typing ask about are plain values: they need no parse and no
    // place in the record's map (a VTEX order has hundreds; the map's growth showed in profiles).
    if (!looksLikeContainer(text)) {
      return null;
    }
    Map<String, Parsed> record = RECORD.get();
    if (record == null) {
      return parse(text, depth);
    }
    Parsed parsed = record.get(text);
    if (parsed != null && parsed.depth() == depth) {
      return parsed.node();
    }
    // An InputLimits.Exceeded leaves here: it rejects the record, nothing asks again.
    JsonNode node = parse(text, depth);
    record.put(text, new Parsed(depth, node));
    return node;
  }

  /**
   * The text for a column that declares a string, of a container this record's scope parsed from a
   * string: the PII walk puts such a node in the string's place (a VTEX {@code lastMessage} that
   * holds JSON). The string as it came when the container still holds what it held; its JSON now
   * when the walk encrypted values inside. Null for a node no string gave (a real object or array
   * where a string is declared stays a type error).
   */
  public static String declaredText(JsonNode node) {
    Map<String, Parsed> record = RECORD.get();
    if (record == null) {
      return null;
    }
    for (Map.Entry<String, Parsed> entry : record.entrySet()) {
      Parsed parsed = entry.getValue();
      if (parsed.node() == node) {
        // Rare (JSON in a string column): a second parse of the text, untouched, to compare.
        JsonNode asItCame = parse(entry.getKey(), parsed.depth());
        return node.equals(asItCame) ? entry.getKey() : JsonText.of(node);
      }
    }
    return null;
  }

  /** Parses a text that {@link #looksLikeContainer looks like a container}. */
  private static JsonNode parse(String text, int depth) {
    int budget = InputLimits.MAX_DEPTH - depth + 1;
    if (budget < 1) {
      throw InputLimits.tooDeep();
    }
    try {
      JsonNode node = mapper(budget).readTree(withoutSurroundingSpace(text));
      return node != null && node.isContainerNode() ? node : null;
    } catch (StreamConstraintsException e) {
      throw InputLimits.of(e);
    } catch (JsonProcessingException e) {
      return null;
    }
  }

  /**
   * The text without white space around the document, of any kind (a no-break space, U+2028, a byte
   * order mark in front): Jackson skips only JSON's own four, and a document that is all there is
   * apart from such space is the document (it was before the trailing-token check, which made
   * anything after it an error).
   */
  private static String withoutSurroundingSpace(String text) {
    int start = skipWhiteSpace(text, 0);
    int end = text.length();
    while (end > start && isSpace(text.charAt(end - 1))) {
      end--;
    }
    return start == 0 && end == text.length() ? text : text.substring(start, end);
  }

  private static boolean isSpace(char c) {
    return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\uFEFF';
  }

  private static ObjectMapper mapper(int budget) {
    ObjectMapper mapper = BY_BUDGET[budget];
    if (mapper == null) {
      // A race makes two equal mappers; either is fine.
      mapper = InputLimits.jsonMapper(budget);
      BY_BUDGET[budget] = mapper;
    }
    return mapper;
  }
}
