package io.datalake.transforms.pii;

import java.util.Locale;
import java.util.Set;

/**
 * Finds a credential in a URL's query or fragment, whatever the key that holds the URL: a portal
 * page's magic link ({@code /login?token=...}), an OAuth redirect ({@code #access_token=...}), a
 * pre-signed download ({@code X-Amz-Signature=...}), a form posted to a URL with its password.
 * Whoever reads such a value can act as the person, so a string that holds one is encrypted whole,
 * as a string holding an e-mail address is. Also in a URL passed URL-encoded inside another ({@code
 * ?redirect=https%3A%2F%2Fx%2F%3Ftoken%3D...}).
 *
 * <p>A scan around each {@code =} (no regular expression: this runs on every string a search
 * reaches, and most hold no {@code =}).
 */
final class UrlCredentials {
  private UrlCredentials() {}

  /** The longest parameter name looked at (the longest of {@link #NAMES}, with room). */
  private static final int MAX_NAME = 32;

  /**
   * Parameter names that carry a credential, in lower case. Not {@code code} (a promotion's as
   * often as OAuth's short-lived one) nor {@code key} (a sort or a cache key).
   */
  private static final Set<String> NAMES =
      Set.of(
          "token",
          "access_token",
          "id_token",
          "refresh_token",
          "auth_token",
          "authtoken",
          "session_token",
          "sessiontoken",
          "api_token",
          "apitoken",
          "api_key",
          "apikey",
          "api-key",
          "jwt",
          "password",
          "passwd",
          "pwd",
          "secret",
          "client_secret",
          "signature",
          "x-amz-signature",
          "x-amz-security-token",
          "x-amz-credential",
          "x-goog-signature",
          "x-goog-credential",
          "sig");

  /**
   * Whether {@code text} holds a URL parameter of {@link #NAMES} with a value: the name right after
   * {@code ?}, {@code &}, {@code #} or {@code ;}, then {@code =} and at least one character that
   * does not end the parameter; in any case.
   */
  static boolean in(String text) {
    if (scan(text)) {
      return true;
    }
    // A URL inside another's parameter: its ? & # = are %3F %26 %23 %3D.
    return text.indexOf('%') >= 0 && scan(decodeDelimiters(text));
  }

  private static boolean scan(String text) {
    for (int eq = text.indexOf('='); eq >= 0; eq = text.indexOf('=', eq + 1)) {
      int start = eq;
      while (start > 0 && eq - start <= MAX_NAME && isNameChar(text.charAt(start - 1))) {
        start--;
      }
      if (start == eq || start == 0 || !isParameterStart(text.charAt(start - 1))) {
        continue;
      }
      if (eq + 1 >= text.length() || endsParameter(text.charAt(eq + 1))) {
        continue; // no value (?token=&next=...)
      }
      if (NAMES.contains(text.substring(start, eq).toLowerCase(Locale.ROOT))) {
        return true;
      }
    }
    return false;
  }

  /** {@code text} with the URL-encoded forms of ? & # = as those characters. */
  private static String decodeDelimiters(String text) {
    StringBuilder decoded = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '%' && i + 2 < text.length()) {
        String code = text.substring(i + 1, i + 3).toUpperCase(Locale.ROOT);
        char replaced =
            switch (code) {
              case "3F" -> '?';
              case "26" -> '&';
              case "23" -> '#';
              case "3D" -> '=';
              default -> 0;
            };
        if (replaced != 0) {
          decoded.append(replaced);
          i += 2;
          continue;
        }
      }
      decoded.append(c);
    }
    return decoded.toString();
  }

  private static boolean isParameterStart(char c) {
    return c == '?' || c == '&' || c == '#' || c == ';';
  }

  private static boolean endsParameter(char c) {
    return c == '&' || c == '#' || c == ';' || Character.isWhitespace(c);
  }

  private static boolean isNameChar(char c) {
    return Character.isLetterOrDigit(c) || c == '_' || c == '-';
  }
}
