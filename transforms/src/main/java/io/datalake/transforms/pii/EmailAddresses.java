package io.datalake.transforms.pii;

import java.util.regex.Pattern;

/**
 * Finds an e-mail address inside text, whatever the key that holds it: a form's answer ({@code
 * {"label": "E-Mail", "value": "..."}}), a consent's {@code identifier}, a note or a reason that
 * quotes one. Keys name most PII; an address is one of the few kinds of PII its value gives away on
 * its own, and a string that holds one is encrypted whole (the words around it may name the person
 * too).
 */
final class EmailAddresses {
  private EmailAddresses() {}

  /**
   * A local part, {@code @}, and a domain with at least one dot and a top-level domain of letters:
   * {@code a.b+c@mail.example.org}; not {@code @mention}, {@code user@localhost} or {@code 5@3}.
   */
  private static final Pattern ADDRESS =
      Pattern.compile(
          "[\\p{L}\\p{N}._%+'-]+@[\\p{L}\\p{N}](?:[\\p{L}\\p{N}-]*[\\p{L}\\p{N}])?"
              + "(?:\\.[\\p{L}\\p{N}](?:[\\p{L}\\p{N}-]*[\\p{L}\\p{N}])?)*\\.\\p{L}{2,}");

  /** Whether {@code text} holds an e-mail address anywhere. */
  static boolean in(String text) {
    // Most strings hold no '@': they cost one scan, no regex.
    return text.indexOf('@') >= 0 && ADDRESS.matcher(text).find();
  }
}
