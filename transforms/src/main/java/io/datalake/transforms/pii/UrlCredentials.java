package io.datalake.transforms.pii;

import java.util.List;
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

  /** The longest parameter name looked at. */
  private static final int MAX_NAME = 32;

  /**
   * Parameter names that carry a credential, in lower case, besides those ending in {@link
   * #CREDENTIAL_ENDINGS}. Not {@code code} (a promotion's as often as OAuth's short-lived one),
   * {@code key} (a sort or a cache key), nor a bare {@code sig} or {@code signature} (a maps API's
   * or a CDN's URL signing, the company's, not a person's; a cloud store's pre-signed URL names its
   * own).
   */
  private static final Set<String> NAMES =
      Set.of(
          "jwt",
          "api_key",
          "apikey",
          "api-key",
          "pwd",
          "otp",
          "jsessionid",
          "phpsessid",
          "x-amz-signature",
          "x-amz-credential",
          "x-goog-signature",
          "x-goog-credential");

  /**
   * Name endings that carry a credential: {@code token}, {@code access_token}, {@code
   * reset_password_token}, {@code x-amz-security-token}, {@code client_secret}, {@code password}.
   */
  private static final List<String> CREDENTIAL_ENDINGS =
      List.of("token", "secret", "password", "passwd");

  /** Names with a credential's ending that are a list's position, not a credential. */
  private static final Set<String> PAGING_TOKENS =
      Set.of(
          "page_token",
          "pagetoken",
          "next_page_token",
          "nextpagetoken",
          "pagination_token",
          "continuation_token",
          "continuationtoken",
          "cursor_token",
          "sync_token");

  /** Values that are a switch, not a credential ({@code ?show_password=true}). */
  private static final Set<String> SWITCHES =
      Set.of("true", "false", "0", "1", "yes", "no", "null", "undefined", "on", "off");

  /**
   * Whether {@code text} holds a URL parameter of {@link #NAMES} or a name with one of {@link
   * #CREDENTIAL_ENDINGS} (not {@link #PAGING_TOKENS}), with a value: the name at the start of the
   * text (a raw query string) or of a line, or right after {@code ?}, {@code &}, {@code #} or
   * {@code ;}, then {@code =} and a value that is not empty, not a template's placeholder ({@code
   * {{token}}}) and not a switch ({@code true}, {@code 0}); in any case.
   */
  static boolean in(String text) {
    if (scan(text)) {
      return true;
    }
    // A URL inside another's parameter: its ? & # = are %3F %26 %23 %3D, or %253F ... when
    // encoded twice (a redirect's redirect).
    String inner = text;
    for (int round = 0; round < 2 && inner.indexOf('%') >= 0; round++) {
      String next = decoded(inner, DELIMITERS);
      if (next.equals(inner)) {
        return false;
      }
      inner = next;
      if (scan(inner)) {
        return true;
      }
    }
    return false;
  }

  private static boolean scan(String text) {
    for (int eq = text.indexOf('='); eq >= 0; eq = text.indexOf('=', eq + 1)) {
      int start = eq;
      while (start > 0 && eq - start <= MAX_NAME && isNameChar(text.charAt(start - 1))) {
        start--;
      }
      if (start == eq || (start > 0 && !isParameterStart(text.charAt(start - 1)))) {
        continue;
      }
      if (eq + 1 >= text.length() || endsParameter(text.charAt(eq + 1))) {
        continue; // no value (?token=&next=...)
      }
      int valueEnd = eq + 1;
      while (valueEnd < text.length() && !endsParameter(text.charAt(valueEnd))) {
        valueEnd++;
      }
      String value = text.substring(eq + 1, valueEnd);
      if (isPlaceholder(value) || SWITCHES.contains(value.toLowerCase(Locale.ROOT))) {
        continue; // a template's (?token={{token}}) or a switch (?show_password=true)
      }
      if (isCredentialName(text.substring(start, eq).toLowerCase(Locale.ROOT))) {
        return true;
      }
    }
    return false;
  }

  private static boolean isCredentialName(String name) {
    if (NAMES.contains(name)) {
      return true;
    }
    if (PAGING_TOKENS.contains(name)) {
      return false;
    }
    for (String ending : CREDENTIAL_ENDINGS) {
      if (name.endsWith(ending)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether a parameter's value is a template's placeholder, closed: {@code {{token}}}, {@code
   * ${token}}, {@code {token}}, {@code <token>}, also URL-encoded ({@code %7B%7Btoken%7D%7D}); not
   * a value that only starts so ({@code $2a$10$...}, a hash).
   */
  private static boolean isPlaceholder(String value) {
    String text = decoded(value, PLACEHOLDER_MARKS);
    return text.length() >= 2
        && ((text.startsWith("{") && text.endsWith("}"))
            || (text.startsWith("${") && text.endsWith("}"))
            || (text.startsWith("<") && text.endsWith(">")));
  }

  /** The characters a URL-encoded delimiter may stand for: ? & # = and % itself. */
  private static final String DELIMITERS = "?&#=%";

  /** The characters a URL-encoded placeholder's marks may stand for. */
  private static final String PLACEHOLDER_MARKS = "{}$<>";

  /**
   * {@code text} with each URL-encoded character ({@code %3F}, {@code %3f}) that is one of {@code
   * chars} decoded, the rest as it is; {@code text} itself when it has no {@code %}.
   */
  private static String decoded(String text, String chars) {
    if (text.indexOf('%') < 0) {
      return text;
    }
    StringBuilder decoded = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '%' && i + 2 < text.length()) {
        int high = Character.digit(text.charAt(i + 1), 16);
        int low = Character.digit(text.charAt(i + 2), 16);
        if (high >= 0 && low >= 0 && chars.indexOf((char) (high * 16 + low)) >= 0) {
          decoded.append((char) (high * 16 + low));
          i += 2;
          continue;
        }
      }
      decoded.append(c);
    }
    return decoded.toString();
  }

  private static boolean isParameterStart(char c) {
    return c == '?' || c == '&' || c == '#' || c == ';' || c == '\n' || c == '\r';
  }

  private static boolean endsParameter(char c) {
    return c == '&' || c == '#' || c == ';' || Character.isWhitespace(c);
  }

  private static boolean isNameChar(char c) {
    return Character.isLetterOrDigit(c) || c == '_' || c == '-';
  }
}
