package io.datalake.transforms.pii;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** One parsed path of a {@link PiiPolicy}. */
public record PiiPath(String text, List<Segment> segments) implements Serializable {

  /**
   * One key of a path: a name or pattern, optionally walking array elements ({@code []}). Keys
   * match by their {@linkplain #fold folded} form: in any case and whatever separates their words
   * ({@code Email}, {@code ipAddress}, {@code IP-Address}, {@code "First Name"}): a source that
   * writes them so holds the same PII as one that writes {@code email}, {@code ip_address} or
   * {@code first_name}. A pattern has a {@code *} at its end ({@code consent_*}: keys that start
   * so), at its start ({@code *email}: keys that end so, {@code userEmail}), at both, or is {@code
   * *} (any key).
   */
  public record Segment(String pattern, boolean eachElement, boolean anyDepth)
      implements Serializable {
    /** Whether this segment is one plain key, without a wildcard. */
    boolean isName() {
      return !anyDepth && pattern.indexOf('*') < 0;
    }

    /** The pattern {@linkplain #fold folded}, as the keys it is compared with are. */
    String folded() {
      return fold(pattern);
    }

    /** Whether a key, given {@linkplain #fold folded}, matches. */
    boolean matches(String foldedKey) {
      String p = folded();
      if (p.equals("*")) {
        return true;
      }
      boolean starts = p.endsWith("*");
      boolean ends = p.startsWith("*");
      if (starts && ends) {
        return foldedKey.contains(p.substring(1, p.length() - 1));
      }
      if (starts) {
        return foldedKey.startsWith(p.substring(0, p.length() - 1));
      }
      if (ends) {
        return foldedKey.endsWith(p.substring(1));
      }
      return p.equals(foldedKey);
    }
  }

  /**
   * A key as paths compare it: in lower case ({@link Locale#ROOT}'s rules) and without the
   * underscores, hyphens and spaces between its words ({@code first_name}, {@code firstName} and
   * {@code "First Name"} are {@code firstname}). Separators a key starts with are kept: {@code
   * _title} (an entity's system field) is not {@code title}. A few non-ASCII letters fold to more
   * keys than one would expect (more encryption, never less).
   */
  public static String fold(String key) {
    int start = 0;
    while (start < key.length() && isSeparator(key.charAt(start))) {
      start++;
    }
    boolean plain = true;
    for (int i = 0; i < key.length() && plain; i++) {
      char c = key.charAt(i);
      plain = !(c >= 'A' && c <= 'Z') && c < 0x80 && !(i >= start && isSeparator(c));
    }
    if (plain) {
      return key;
    }
    StringBuilder folded = new StringBuilder(key.length());
    folded.append(key, 0, start);
    for (int i = start; i < key.length(); i++) {
      char c = key.charAt(i);
      if (!isSeparator(c)) {
        folded.append(c);
      }
    }
    return folded.toString().toLowerCase(Locale.ROOT);
  }

  private static boolean isSeparator(char c) {
    return c == '_' || c == '-' || c == ' ';
  }

  public static PiiPath parse(String text) {
    List<Segment> segments = new ArrayList<>();
    for (String part : text.split("\\.")) {
      if (part.isEmpty()) {
        throw new IllegalArgumentException("Empty key in PII path '" + text + "'");
      }
      if (part.equals("**")) {
        segments.add(new Segment("**", false, true));
      } else if (part.endsWith("[]")) {
        segments.add(new Segment(checked(part.substring(0, part.length() - 2), text), true, false));
      } else {
        segments.add(new Segment(checked(part, text), false, false));
      }
    }
    if (segments.get(segments.size() - 1).anyDepth()) {
      throw new IllegalArgumentException("PII path '" + text + "' cannot end with **");
    }
    return new PiiPath(text, List.copyOf(segments));
  }

  /** A key or pattern: a {@code *} only at its start or end. */
  private static String checked(String part, String text) {
    int star = part.indexOf('*', 1);
    if (star >= 0 && star < part.length() - 1) {
      throw new IllegalArgumentException(
          "PII path '"
              + text
              + "': a * may only start or end a key ('"
              + part
              + "'); use ** for any depth");
    }
    if (part.replace("*", "").isEmpty() && !part.equals("*")) {
      throw new IllegalArgumentException(
          "PII path '" + text + "': '" + part + "' is not a key or pattern");
    }
    return part;
  }
}
