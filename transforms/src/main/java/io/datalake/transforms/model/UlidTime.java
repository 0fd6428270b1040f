package io.datalake.transforms.model;

/**
 * The time of a ULID (26 characters of Crockford's base 32, the first ten the milliseconds since
 * 1970): epilot's activity ids are ULIDs, made when the activity happened, to the millisecond.
 */
public final class UlidTime {
  private static final String ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

  private UlidTime() {}

  /** The ULID's milliseconds since 1970, or -1 when {@code id} is not a ULID. */
  public static long millis(CharSequence id) {
    if (id == null || id.length() != 26) {
      return -1;
    }
    long millis = 0;
    for (int i = 0; i < 26; i++) {
      int digit = ALPHABET.indexOf(Character.toUpperCase(id.charAt(i)));
      if (digit < 0 || (i == 0 && digit > 7)) {
        return -1; // not base 32, or beyond 48 bits of time
      }
      if (i < 10) {
        millis = millis * 32 + digit;
      }
    }
    return millis;
  }
}
