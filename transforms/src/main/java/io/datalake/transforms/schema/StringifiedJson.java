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
    int start = 0;
    while (start < text.length() && Character.isWhitespace(text.charAt(start))) {
      start++;
    }
    return start < text.length() && (text.charAt(start) == '{' || text.charAt(start) == '[');
  }

  /**
   * Whether a text that is not JSON still reads like a broken JSON document: an object whose first
   * key is quoted ({@code {"email": "a@} cut short, {@code {'email': ...}} as Python prints a
   * dict), or an array of objects, arrays or strings. Such text may hold the keys a PII path names,
   * where no one can find them. Human text that merely starts with a bracket does not ({@code "[2]
   * Camiseta Azul M"}, {@code "[Outlet] Camiseta"}, a template's {@code "{{entity.owner}}"}).
   */
  public static boolean looksLikeBrokenDocument(String text) {
    int at = skipWhiteSpace(text, 0);
    if (at >= text.length()) {
      return false;
    }
    char open = text.charAt(at);
    if (open != '{' && open != '[') {
      return false;
    }
    int next = skipWhiteSpace(text, at + 1);
    if (next >= text.length()) {
      return false;
    }
    char first = text.charAt(next);
    return first == '"' || first == '\'' || (open == '[' && (first == '{' || first == '['));
  }

  private static int skipWhiteSpace(String text, int from) {
    int at = from;
    while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
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
   * Whether {@code node} is a container this record's scope parsed from a string: the PII walk puts
   * such a node in the string's place, also where the schema declares a string (a VTEX {@code
   * openTextField.value} holding JSON), and typing gives that column its text back.
   */
  public static boolean parsedFromText(JsonNode node) {
    Map<String, Parsed> record = RECORD.get();
    if (record == null) {
      return false;
    }
    for (Parsed parsed : record.values()) {
      if (parsed.node() == node) {
        return true;
      }
    }
    return false;
  }

  /** Parses a text that {@link #looksLikeContainer looks like a container}. */
  private static JsonNode parse(String text, int depth) {
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
      mapper = InputLimits.jsonMapper(budget);
      BY_BUDGET[budget] = mapper;
    }
    return mapper;
  }
}
