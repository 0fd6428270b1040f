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

  /**
   * A parse and the depth it was bounded at; {@code node} null: not a container. {@code unchanged}:
   * the PII walk encrypted nothing in it, so the text as it came is still true to it.
   */
  private record Parsed(int depth, JsonNode node, boolean unchanged) {}

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

  /** Whether the text starts, after white space ({@link #isSpace}), like an object or array. */
  public static boolean looksLikeContainer(String text) {
    int start = skipWhiteSpace(text, 0);
    return start < text.length() && (text.charAt(start) == '{' || text.charAt(start) == '[');
  }

  /**
   * Whether a text that is not JSON may still hide keys a PII path names. It starts with a bracket
   * (or with a quote and then a bracket: a document quoted once more), and either a quote or a
   * bracket follows the opening bracket ({@code {"email": "a@} cut short, {@code ["a@b.c",},
   * {@code [{}), or somewhere after it a key stands where objects put one, before {@code :} or
   * {@code =} (or {@code =>}, full-width too): see {@link #keyEndsBefore}. That covers JSON cut
   * short or followed by more text ({@code [1] {"email": ...}}), JSON escaped twice, Python's,
   * Node's, Java's and Ruby's printed objects ({@code {'email': ...}}, {@code { email: 'a@b' }},
   * {@code {email=a@b}}, {@code {:email=>"a@b"}}) and JSON5. Text that merely starts with a
   * bracket has no such shape: {@code "[2] Camiseta Azul M"}, {@code "[Outlet] Smart TV: 55\""},
   * {@code "[2] Levi's 501"}, {@code "[12:00] Entrega"}, a template's {@code "{{entity.owner}}"}.
   */
  public static boolean looksLikeBrokenDocument(String text) {
    int at = skipWhiteSpace(text, 0);
    if (at < text.length() && isQuote(text.charAt(at))) {
      at = skipWhiteSpace(text, at + 1);
    }
    if (at >= text.length() || (text.charAt(at) != '{' && text.charAt(at) != '[')) {
      return false;
    }
    char open = text.charAt(at);
    int next = skipWhiteSpace(text, at + 1);
    if (next < text.length()) {
      char first = text.charAt(next);
      if (isQuote(first) || first == '\\' || (open == '[' && (first == '{' || first == '['))) {
        return true; // an object's quoted key, an array's string, object or array ({{ is not)
      }
    }
    for (int i = at + 1; i < text.length(); i++) {
      char c = text.charAt(i);
      if ((c == ':' || c == '=' || c == '\uFF1A' || c == '\uFF1D') && keyEndsBefore(text, i, at)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether a key stands right before the separator at {@code sep}, as notations of objects place
   * one: right after the opening {@code {} or a {@code ,} (spaces between), quoted or a name with a
   * letter in it ({@code {email=}, {@code , "email":}, {@code {:email=>}, {@code {2nd_email:}).
   * Words before a colon in a sentence do not count ({@code [Outlet] Smart TV: 55"}, {@code [INFO]
   * user=x}, {@code [12:00] Entrega}). {@code open} is the index of the text's opening bracket.
   */
  private static boolean keyEndsBefore(String text, int sep, int open) {
    int end = sep;
    while (end > open + 1 && isSpace(text.charAt(end - 1))) {
      end--;
    }
    boolean quoted = false;
    while (end > open + 1 && isQuoteOrEscape(text.charAt(end - 1))) {
      quoted = true;
      end--;
    }
    int start = end;
    boolean letter = false;
    while (start > open + 1 && isKeyChar(text.charAt(start - 1))) {
      letter |= Character.isLetter(text.charAt(start - 1));
      start--;
    }
    if (start == end || !(quoted || letter)) {
      return false;
    }
    int before = start;
    while (before > open + 1 && isQuoteOrEscape(text.charAt(before - 1))) {
      before--;
    }
    if (before > open + 1 && text.charAt(before - 1) == ':') {
      before--; // a Ruby symbol, :email
    }
    while (before > open + 1 && isSpace(text.charAt(before - 1))) {
      before--;
    }
    char previous = text.charAt(before - 1);
    return previous == '{' || previous == ',';
  }

  private static boolean isQuoteOrEscape(char c) {
    return isQuote(c) || c == '\\';
  }

  private static boolean isKeyChar(char c) {
    return Character.isLetterOrDigit(c) || c == '_' || c == '$' || c == '-' || c == '.';
  }

  private static boolean isQuote(char c) {
    switch (c) {
      case '"', '\'', '`', '\u201C', '\u201D', '\u2018', '\u2019', '\u201E', '\u00AB', '\u00BB':
        return true;
      default:
        return false;
    }
  }

  /** Skips white space of any kind and invisible format characters ({@link #isSpace}). */
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
    record.put(text, new Parsed(depth, node, false));
    return node;
  }

  /**
   * The text for a column that declares a string, of a container this record's scope parsed from a
   * string: the PII walk puts such a node in the string's place (a VTEX {@code lastMessage} that
   * holds JSON). The string as it came when the walk encrypted nothing in it ({@link
   * #keptAsItCame}); else its JSON now, with those values encrypted. Null for a node no string gave
   * (a real object or array where a string is declared stays a type error).
   */
  public static String declaredText(JsonNode node) {
    Map<String, Parsed> record = RECORD.get();
    if (record == null) {
      return null;
    }
    for (Map.Entry<String, Parsed> entry : record.entrySet()) {
      Parsed parsed = entry.getValue();
      if (parsed.node() == node) {
        return parsed.unchanged() ? entry.getKey() : JsonText.of(node);
      }
    }
    return null;
  }

  /** Notes that the PII walk encrypted nothing in what {@code text} (this very string) held. */
  public static void keptAsItCame(String text) {
    Map<String, Parsed> record = RECORD.get();
    Parsed parsed = record == null ? null : record.get(text);
    if (parsed != null) {
      record.put(text, new Parsed(parsed.depth(), parsed.node(), true));
    }
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

  /**
   * White space of any kind, and invisible format characters (a byte order mark, a zero-width
   * space, a word joiner, direction marks): none is part of a document.
   */
  private static boolean isSpace(char c) {
    if (c < 0x80) {
      // ASCII (nearly every character here): neither a Unicode space nor a format character.
      return Character.isWhitespace(c);
    }
    return Character.isWhitespace(c)
        || Character.isSpaceChar(c)
        || Character.getType(c) == Character.FORMAT;
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
