package io.datalake.transforms.pii;

import java.util.Locale;
import java.util.Set;

/**
 * Finds an e-mail address inside text, whatever the key that holds it: a form's answer ({@code
 * {"label": "E-Mail", "value": "..."}}), a consent's {@code identifier}, a note or a reason that
 * quotes one, a referrer's query string. Keys name most PII; an address is one of the few kinds of
 * PII its value gives away on its own, and a string that holds one is encrypted whole (the words
 * around it may name the person too).
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

  /** {@code @} URL-encoded, as in a page's or a referrer's query string. */
  private static final String ENCODED_AT = "%40";

  /** Last labels that name a file's type: {@code logo@2x.png} is an image at 2x, not an address. */
  private static final Set<String> FILE_TYPES =
      Set.of(
          "png", "jpg", "jpeg", "gif", "svg", "webp", "avif", "ico", "bmp", "js", "mjs", "css",
          "map", "html", "htm", "json", "xml", "pdf", "txt", "csv", "zip", "gz", "mp4", "webm",
          "woff", "woff2", "ttf", "git");

  /**
   * Whether {@code text} holds an e-mail address: a local part, {@code @}, and a domain of labels
   * (letters, digits, inner hyphens) with at least one dot and a last label of at least two
   * letters: {@code a.b+c@mail.example.org}, also URL-encoded ({@code a%40b.de}); not
   * {@code @mention}, {@code user@localhost}, {@code 5@3}, a file at 2x ({@code logo@2x.png}) nor a
   * package at a version ({@code app@2.14.0.beta}).
   */
  static boolean in(String text) {
    for (int at = text.indexOf('@'); at >= 0; at = text.indexOf('@', at + 1)) {
      if (hasLocalPart(text, at) && hasDomain(text, at + 1)) {
        return true;
      }
    }
    for (int at = text.indexOf(ENCODED_AT); at >= 0; at = text.indexOf(ENCODED_AT, at + 1)) {
      if (hasLocalPart(text, at) && hasDomain(text, at + ENCODED_AT.length())) {
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
    // None, or a longer run than any local part: not an address.
    return start < at && !(start > 0 && isLocalChar(text.charAt(start - 1)));
  }

  private static boolean hasDomain(String text, int from) {
    int end = Math.min(text.length(), from + MAX_DOMAIN);
    int labels = 0;
    int digitLabels = 0;
    boolean lastAllLetters = false;
    int lastStart = from;
    int lastEnd = from;
    int labelStart = from;
    while (true) {
      int labelEnd = labelStart;
      boolean allLetters = true;
      boolean allDigits = true;
      while (labelEnd < end && isLabelChar(text.charAt(labelEnd))) {
        char c = text.charAt(labelEnd);
        allLetters &= Character.isLetter(c);
        allDigits &= Character.isDigit(c);
        labelEnd++;
      }
      int length = labelEnd - labelStart;
      if (length == 0
          || length > 63
          || text.charAt(labelStart) == '-'
          || text.charAt(labelEnd - 1) == '-') {
        break; // an empty or malformed label ends the domain before it
      }
      labels++;
      digitLabels += allDigits ? 1 : 0;
      lastAllLetters = allLetters && length >= 2;
      lastStart = labelStart;
      lastEnd = labelEnd;
      if (labelEnd < end - 1
          && text.charAt(labelEnd) == '.'
          && isLabelChar(text.charAt(labelEnd + 1))) {
        labelStart = labelEnd + 1;
        continue;
      }
      break;
    }
    // A package at a version (app@2.14.0.beta) has two or more labels of digits alone; a domain
    // such as 163.com one at most.
    return labels >= 2
        && lastAllLetters
        && digitLabels < 2
        && !FILE_TYPES.contains(text.substring(lastStart, lastEnd).toLowerCase(Locale.ROOT));
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
