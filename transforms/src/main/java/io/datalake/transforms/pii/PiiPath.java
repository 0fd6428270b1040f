package io.datalake.transforms.pii;

import java.io.Serializable;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;

/** One parsed path of a {@link PiiPolicy}. */
public record PiiPath(String text, List<Segment> segments) implements Serializable {

  /**
   * One key of a path: a name or pattern, optionally walking array elements ({@code []}). Keys
   * match in any case ({@link #foldCase}): a source that writes {@code Email} or {@code
   * ClientProfileData} holds the same PII as one that writes {@code email}. A key that a {@code **}
   * looks for ({@code **.ip_address}: a search of free-form JSON) also matches whatever separates
   * its words ({@link #foldWords}: {@code ipAddress}, {@code "IP Address"}); a named path's keys do
   * not ({@code consent_*} is not {@code consentSms}). A pattern has a {@code *} at its start
   * ({@code *email}: keys that end so), at its end ({@code consent_*}: keys that start so), or both
   * (keys that hold it); {@code *} alone is any key. A {@code *} inside a key is a character.
   *
   * @param words whether the key is compared by {@link #foldWords} (it follows a {@code **})
   */
  public record Segment(String pattern, boolean eachElement, boolean anyDepth, boolean words)
      implements Serializable {
    /** Whether this segment is one plain key, without a wildcard. */
    boolean isName() {
      return !anyDepth && !pattern.startsWith("*") && !pattern.endsWith("*");
    }

    /**
     * The pattern's text without its wildcards (a name's whole text), folded as the keys it is
     * compared with are.
     */
    String literal() {
      int start = pattern.startsWith("*") ? 1 : 0;
      int end = pattern.endsWith("*") ? pattern.length() - 1 : pattern.length();
      String text = start >= end ? "" : pattern.substring(start, end);
      return words ? foldWords(text) : foldCase(text);
    }

    /**
     * Whether a key matches, given folded both ways ({@code byCase} from {@link #foldCase}, {@code
     * byWords} from {@link #foldWords}).
     */
    boolean matches(String byCase, String byWords) {
      if (pattern.equals("*")) {
        return true;
      }
      String key = words ? byWords : byCase;
      String literal = literal();
      boolean ends = pattern.startsWith("*");
      boolean starts = pattern.endsWith("*");
      if (starts && ends) {
        return key.contains(literal);
      }
      if (starts) {
        return key.startsWith(literal);
      }
      if (ends) {
        return key.endsWith(literal);
      }
      return literal.equals(key);
    }
  }

  /**
   * A key in one case, character by character as {@link String#equalsIgnoreCase} compares: {@code
   * Email} is {@code email}, and {@code ſ} (long s) and {@code ı} (dotless i) are {@code s} and
   * {@code i}, as they were when keys were compared with {@code equalsIgnoreCase}. A key that is
   * already so is handed back as it is.
   */
  public static String foldCase(String key) {
    int i = 0;
    while (i < key.length()) {
      char c = key.charAt(i);
      if (c >= 0x80 || (c >= 'A' && c <= 'Z')) {
        break;
      }
      i++;
    }
    if (i == key.length()) {
      return key;
    }
    StringBuilder folded = new StringBuilder(key.length());
    folded.append(key, 0, i);
    for (; i < key.length(); i++) {
      folded.append(Character.toLowerCase(Character.toUpperCase(key.charAt(i))));
    }
    return folded.toString();
  }

  /**
   * A key as a search of free-form JSON compares it: {@linkplain Normalizer.Form#NFKC compatibility
   * forms} read as their plain letters (full-width {@code Ｅmail}), without the characters that
   * separate words (underscores, hyphens and other dashes, spaces of any kind, invisible format
   * characters such as a zero-width space or a soft hyphen), {@linkplain #foldCase in one case}:
   * {@code first_name}, {@code firstName}, {@code "First Name"} and {@code _first-name} are all
   * {@code firstname}.
   */
  public static String foldWords(String key) {
    boolean ascii = true;
    for (int i = 0; i < key.length() && ascii; i++) {
      ascii = key.charAt(i) < 0x80;
    }
    String text = ascii ? key : Normalizer.normalize(key, Normalizer.Form.NFKC);
    StringBuilder kept = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (isSeparator(c)) {
        if (kept == null) {
          kept = new StringBuilder(text.length()).append(text, 0, i);
        }
      } else if (kept != null) {
        kept.append(c);
      }
    }
    return foldCase(kept == null ? text : kept.toString());
  }

  /**
   * The other forms a search compares a key {@linkplain #foldWords folded by words} in, besides
   * itself (none for most keys): the key without what qualifies it on a form or in a numbered list,
   * and the word in each of its brackets. Without: notes in brackets ({@code "Phone (optional)"},
   * {@code "E-Mail [work]"}), marks at either end ({@code "E-Mail*"}, {@code "Vorname:"}, {@code
   * "2. Telefon"}, {@code "Ihre Telefonnummer?"}) and a number at its end ({@code phone_1}, {@code
   * tel2}, {@code address_line2}; not after {@code cell}, a grid's {@code cell_1}). In brackets: a
   * form parameter's fields ({@code contact[email]}, {@code contact[phone][]}, {@code
   * user[first_name]}) or what a label is about ({@code "Rückruf (Telefon)"}). So {@code *phone}
   * finds {@code phone_1}, while a path that names {@code line1} keeps meaning line 1.
   */
  public static List<String> unqualified(String byWords) {
    List<String> forms = new ArrayList<>(2);
    int open = nextBracket(byWords, 0);
    String withoutNotes = byWords;
    if (open >= 0) {
      withoutNotes = withoutBrackets(byWords);
      while (open >= 0) {
        int close = open + 1;
        while (close < byWords.length()
            && !isOpening(byWords.charAt(close))
            && !isClosing(byWords.charAt(close))) {
          close++;
        }
        addForm(forms, trimmed(byWords.substring(open + 1, close)), byWords);
        open = nextBracket(byWords, close);
      }
    }
    addForm(forms, trimmed(withoutNotes), byWords);
    return forms.isEmpty() ? List.of() : List.copyOf(forms);
  }

  private static boolean isOpening(char c) {
    return c == '(' || c == '[';
  }

  private static boolean isClosing(char c) {
    return c == ')' || c == ']';
  }

  /** Where the next opening bracket is, from {@code from} on; -1 when there is none. */
  private static int nextBracket(String text, int from) {
    for (int i = from; i < text.length(); i++) {
      if (isOpening(text.charAt(i))) {
        return i;
      }
    }
    return -1;
  }

  private static void addForm(List<String> forms, String form, String byWords) {
    if (form != null && !form.equals(byWords) && !forms.contains(form)) {
      forms.add(form);
    }
  }

  /** {@code text} without its bracketed parts, brackets included. */
  private static String withoutBrackets(String text) {
    StringBuilder kept = new StringBuilder(text.length());
    int depth = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (isOpening(c)) {
        depth++;
      } else if (isClosing(c) && depth > 0) {
        depth--;
      } else if (depth == 0) {
        kept.append(c);
      }
    }
    return kept.toString();
  }

  /** A name whose number is its own: a grid's {@code cell_1} is a cell, not a phone. */
  private static final String NUMBERED_NAME = "cell";

  /**
   * {@code text} without marks at either end and a number at its end (but after {@link
   * #NUMBERED_NAME}); null when no letter is left.
   */
  private static String trimmed(String text) {
    int start = 0;
    int end = text.length();
    while (start < end && !Character.isLetter(text.charAt(start))) {
      start++;
    }
    end = withoutMarks(text, start, end);
    int digits = end;
    while (digits > start && Character.isDigit(text.charAt(digits - 1))) {
      digits--;
    }
    if (digits < end) {
      int name = withoutMarks(text, start, digits);
      boolean numberedName =
          name - start == NUMBERED_NAME.length() && text.startsWith(NUMBERED_NAME, start);
      if (!numberedName) {
        end = name;
      }
    }
    return start == end ? null : text.substring(start, end);
  }

  /**
   * Where {@code text[start, end)} ends without the marks (neither letters nor digits) at its end.
   */
  private static int withoutMarks(String text, int start, int end) {
    while (end > start && !Character.isLetterOrDigit(text.charAt(end - 1))) {
      end--;
    }
    return end;
  }

  private static boolean isSeparator(char c) {
    if (c < 0x80) {
      return c == '_' || c == '-' || c == ' ';
    }
    int type = Character.getType(c);
    return Character.isSpaceChar(c)
        || type == Character.DASH_PUNCTUATION
        || type == Character.CONNECTOR_PUNCTUATION
        || type == Character.FORMAT;
  }

  public static PiiPath parse(String text) {
    List<Segment> segments = new ArrayList<>();
    boolean afterAnyDepth = false;
    for (String part : text.split("\\.")) {
      if (part.isEmpty()) {
        throw new IllegalArgumentException("Empty key in PII path '" + text + "'");
      }
      Segment segment;
      if (part.equals("**")) {
        segment = new Segment("**", false, true, false);
      } else if (part.endsWith("[]")) {
        segment = new Segment(part.substring(0, part.length() - 2), true, false, afterAnyDepth);
      } else {
        segment = new Segment(part, false, false, afterAnyDepth);
      }
      if (!segment.anyDepth() && !segment.pattern().equals("*") && segment.literal().isEmpty()) {
        throw new IllegalArgumentException(
            "PII path '"
                + text
                + "': '"
                + part
                + "' names no key once its case and word separators are set aside"
                + " (write * for any key)");
      }
      segments.add(segment);
      afterAnyDepth = segment.anyDepth();
    }
    if (segments.get(segments.size() - 1).anyDepth()) {
      throw new IllegalArgumentException("PII path '" + text + "' cannot end with **");
    }
    return new PiiPath(text, List.copyOf(segments));
  }
}
