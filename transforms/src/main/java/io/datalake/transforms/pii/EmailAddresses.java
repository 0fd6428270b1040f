package io.datalake.transforms.pii;

/**
 * Finds an e-mail address inside text, whatever the key that holds it: a form's answer ({@code
 * {"label": "E-Mail", "value": "..."}}), a consent's {@code identifier}, a note or a reason that
 * quotes one. Keys name most PII; an address is one of the few kinds of PII its value gives away on
 * its own, and a string that holds one is encrypted whole (the words around it may name the person
 * too).
 *
 * <p>A scan around each {@code @}, bounded on both sides (no regular expression: a pattern of
 * repeated groups backtracks for seconds on a long string of address characters, and this runs on
 * every string a search reaches).
 */
final class EmailAddresses {
  private EmailAddresses() {}

  /** RFC 5321's limits: a local part of at most 64 characters, a domain of at most 255. */
  private static final int MAX_LOCAL = 64;

  private static final int MAX_DOMAIN = 255;

  /**
   * Whether {@code text} holds an e-mail address: a local part, {@code @}, and a domain of labels
   * (letters, digits, inner hyphens) with at least one dot and a last label of at least two
   * letters: {@code a.b+c@mail.example.org}; not {@code @mention}, {@code user@localhost}, {@code
   * 5@3}, nor a file's name in a URL's path ({@code /img/logo@2x.png}).
   */
  static boolean in(String text) {
    for (int at = text.indexOf('@'); at >= 0; at = text.indexOf('@', at + 1)) {
      if (hasLocalPart(text, at) && hasDomain(text, at + 1)) {
        return true;
      }
    }
    return false;
  }

  private static boolean hasLocalPart(String text, int at) {
    int start = at;
    while (start > 0 && at - start < MAX_LOCAL && isLocalChar(text.charAt(start - 1))) {
      start--;
    }
    if (start == at) {
      return false;
    }
    // A name in a URL's path (an image at 2x) or a longer run than any local part: not an address.
    return !(start > 0 && (text.charAt(start - 1) == '/' || isLocalChar(text.charAt(start - 1))));
  }

  private static boolean hasDomain(String text, int from) {
    int end = Math.min(text.length(), from + MAX_DOMAIN);
    int labels = 0;
    int labelStart = from;
    boolean lastAllLetters = true;
    int i = from;
    while (true) {
      int labelEnd = labelStart;
      boolean allLetters = true;
      while (labelEnd < end && isLabelChar(text.charAt(labelEnd))) {
        allLetters &= Character.isLetter(text.charAt(labelEnd));
        labelEnd++;
      }
      int length = labelEnd - labelStart;
      if (length == 0
          || text.charAt(labelStart) == '-'
          || text.charAt(labelEnd - 1) == '-'
          || length > 63) {
        // An empty or malformed label ends the domain before it.
        break;
      }
      labels++;
      lastAllLetters = allLetters && length >= 2;
      i = labelEnd;
      if (i < end - 1 && text.charAt(i) == '.' && isLabelChar(text.charAt(i + 1))) {
        labelStart = i + 1;
        continue;
      }
      break;
    }
    return labels >= 2 && lastAllLetters;
  }

  private static boolean isLocalChar(char c) {
    return Character.isLetterOrDigit(c)
        || c == '.'
        || c == '_'
        || c == '%'
        || c == '+'
        || c == '-'
        || c == '\'';
  }

  private static boolean isLabelChar(char c) {
    return Character.isLetterOrDigit(c) || c == '-';
  }
}
