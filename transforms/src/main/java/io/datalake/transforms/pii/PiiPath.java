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
   * A key {@linkplain #foldWords folded by words} without what qualifies it on a form or in a
   * numbered list: a note in brackets ({@code "Phone (optional)"}, {@code "E-Mail [work]"}) and
   * whatever is not a letter at either end ({@code phone_1}, {@code address_line2}, {@code
   * "E-Mail*"}, {@code "Vorname:"}, {@code "2. Telefon"}). A search compares a key both as folded
   * and as this, so {@code *phone} finds {@code phone_1} while a path that names {@code line1}
   * keeps meaning line 1. Hands back {@code byWords} itself when nothing qualifies it, and when
   * nothing else would be left.
   */
  public static String withoutQualifier(String byWords) {
    String text = byWords;
    int open = text.indexOf('(');
    if (open < 0) {
      open = text.indexOf('[');
    }
    if (open >= 0) {
      StringBuilder kept = new StringBuilder(text.length());
      int depth = 0;
      for (int i = 0; i < text.length(); i++) {
        char c = text.charAt(i);
        if (c == '(' || c == '[') {
          depth++;
        } else if ((c == ')' || c == ']') && depth > 0) {
          depth--;
        } else if (depth == 0) {
          kept.append(c);
        }
      }
      text = kept.toString();
    }
    int start = 0;
    int end = text.length();
    while (start < end && !Character.isLetter(text.charAt(start))) {
      start++;
    }
    while (end > start && !Character.isLetter(text.charAt(end - 1))) {
      end--;
    }
    if (start == end) {
      return byWords;
    }
    text = text.substring(start, end);
    return text.equals(byWords) ? byWords : text;
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
