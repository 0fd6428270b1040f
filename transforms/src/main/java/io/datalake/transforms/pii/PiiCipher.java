package io.datalake.transforms.pii;

import com.google.crypto.tink.DeterministicAead;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.daead.DeterministicAeadConfig;
import com.google.crypto.tink.daead.PredefinedDeterministicAeadParameters;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Encrypts PII with AES-SIV (Tink's Deterministic AEAD) under one keyset.
 *
 * <p>Field values are encrypted deterministically with no associated data: the same plaintext gives
 * the same token in every table, column, JSON text and run, so analysts can join and count distinct
 * values. Whole records kept in dead letters are encrypted with a fresh random 16-byte nonce as
 * associated data (SIV with a nonce, RFC 5297 section 3), so equal records do not give equal
 * ciphertexts; the nonce is stored in the token.
 *
 * <p>Tokens: {@code pii:<base64url>} (deterministic) and {@code piir:<nonce>.<base64url>}
 * (randomized). Keys never appear in {@link #toString()} or in messages.
 */
public final class PiiCipher {
  public static final String TOKEN_PREFIX = "pii:";
  public static final String RANDOMIZED_PREFIX = "piir:";
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getUrlDecoder();
  private static final byte[] NO_ASSOCIATED_DATA = new byte[0];
  private static final SecureRandom RANDOM = new SecureRandom();

  static {
    try {
      DeterministicAeadConfig.register();
    } catch (GeneralSecurityException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final DeterministicAead aead;

  /** The same encryption as {@link #aead}'s for the deterministic tokens, when the key allows. */
  private final DeterministicAesSiv deterministic;

  private PiiCipher(DeterministicAead aead, DeterministicAesSiv deterministic) {
    this.aead = aead;
    this.deterministic = deterministic;
  }

  public static PiiCipher fromKeysetJson(String keysetJson) {
    try {
      KeysetHandle handle =
          TinkJsonProtoKeysetFormat.parseKeyset(keysetJson, InsecureSecretKeyAccess.get());
      return new PiiCipher(
          handle.getPrimitive(RegistryConfiguration.get(), DeterministicAead.class),
          DeterministicAesSiv.of(handle).orElse(null));
    } catch (GeneralSecurityException | RuntimeException e) {
      // Not chained: Tink's messages may describe the key material.
      throw new IllegalArgumentException(
          "The PII keyset is not a valid Tink JSON keyset of AES-SIV keys"
              + " (create one with ./datalake keys create FILE)");
    }
  }

  /** A new AES256-SIV keyset, as Tink JSON. */
  public static String newKeysetJson() {
    try {
      KeysetHandle handle =
          KeysetHandle.generateNew(PredefinedDeterministicAeadParameters.AES256_SIV);
      return TinkJsonProtoKeysetFormat.serializeKeyset(handle, InsecureSecretKeyAccess.get());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Could not generate a keyset", e);
    }
  }

  /**
   * The deterministic token of a value. Every value is encrypted, also one that starts with {@code
   * pii:}: a source value may look like a token, and the PII walk encrypts each value once.
   */
  public String encrypt(String plaintext) {
    byte[] bytes = plaintext.getBytes(StandardCharsets.UTF_8);
    if (deterministic != null) {
      return TOKEN_PREFIX + B64.encodeToString(deterministic.encrypt(bytes));
    }
    try {
      byte[] ciphertext = aead.encryptDeterministically(bytes, NO_ASSOCIATED_DATA);
      return TOKEN_PREFIX + B64.encodeToString(ciphertext);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("PII encryption failed", e);
    }
  }

  /** A randomized token of a whole record (dead letters). */
  public String encryptRandomized(byte[] plaintext) {
    byte[] nonce = new byte[16];
    RANDOM.nextBytes(nonce);
    try {
      byte[] ciphertext = aead.encryptDeterministically(plaintext, nonce);
      return RANDOMIZED_PREFIX + B64.encodeToString(nonce) + "." + B64.encodeToString(ciphertext);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Dead letter encryption failed", e);
    }
  }

  /** The plaintext of either kind of token. */
  public String decrypt(String token) {
    try {
      if (token.startsWith(TOKEN_PREFIX)) {
        byte[] plain =
            aead.decryptDeterministically(
                B64D.decode(token.substring(TOKEN_PREFIX.length())), NO_ASSOCIATED_DATA);
        return new String(plain, StandardCharsets.UTF_8);
      }
      if (token.startsWith(RANDOMIZED_PREFIX)) {
        String[] parts = token.substring(RANDOMIZED_PREFIX.length()).split("\\.", 2);
        byte[] plain = aead.decryptDeterministically(B64D.decode(parts[1]), B64D.decode(parts[0]));
        return new String(plain, StandardCharsets.UTF_8);
      }
    } catch (GeneralSecurityException
        | IllegalArgumentException
        | ArrayIndexOutOfBoundsException e) {
      throw new IllegalArgumentException("Not a token of this keyset");
    }
    throw new IllegalArgumentException(
        "Not a PII token (expected " + TOKEN_PREFIX + "... or " + RANDOMIZED_PREFIX + "...)");
  }

  @Override
  public String toString() {
    return "PiiCipher{AES-SIV}";
  }
}
