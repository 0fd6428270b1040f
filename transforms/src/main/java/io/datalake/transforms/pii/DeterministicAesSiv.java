package io.datalake.transforms.pii;

import com.google.crypto.tink.AccessesPartialKey;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.Key;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.daead.AesSivKey;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-SIV (RFC 5297) encryption with empty associated data under a keyset's primary key, giving
 * byte for byte what Tink's {@code DeterministicAead} gives for it (output prefix included), with
 * each AES key set up once per thread.
 *
 * <p>Why not Tink's: for every value Tink initialises a JCE cipher four times (three CMACs and the
 * CTR step), and each initialisation compares the key with the last one and rebuilds the cipher's
 * state: about two thirds of the encryption's CPU for the short values PII fields hold (diary,
 * thirty-fourth look). Here the two AES keys are each set up once per thread as an ECB cipher, the
 * two CMACs that depend only on the key (of the zero block and of the empty associated data) are
 * computed once, and the CTR key stream is encrypted from counter blocks with the same ECB cipher.
 * Decryption and the randomized tokens (associated data) stay with Tink: they are rare.
 *
 * <p>Only for a primary {@link AesSivKey} of 64 bytes (two AES-256 keys: the only size Tink
 * accepts); {@link #of} is empty for anything else, and the caller encrypts with Tink.
 */
final class DeterministicAesSiv {
  private static final int BLOCK = 16;
  private static final int KEY_BYTES = 64;

  private final byte[] outputPrefix;

  /** CMAC's subkeys (RFC 4493 K1 and K2) of the S2V key. */
  private final byte[] cmacCompleteSubkey;

  private final byte[] cmacPartialSubkey;

  /** S2V's state after the zero block and the empty associated data: a key constant. */
  private final byte[] state;

  /** {@link #state} doubled, for plaintexts shorter than a block. */
  private final byte[] doubledState;

  private final ThreadLocal<Ciphers> ciphers;

  private DeterministicAesSiv(byte[] key, byte[] outputPrefix) {
    byte[] macKey = Arrays.copyOfRange(key, 0, KEY_BYTES / 2);
    byte[] ctrKey = Arrays.copyOfRange(key, KEY_BYTES / 2, KEY_BYTES);
    this.outputPrefix = outputPrefix;
    this.ciphers = ThreadLocal.withInitial(() -> new Ciphers(macKey, ctrKey));
    Ciphers own = ciphers.get();
    byte[] l = new byte[BLOCK];
    update(own.mac, l, BLOCK);
    this.cmacCompleteSubkey = dbl(l);
    this.cmacPartialSubkey = dbl(cmacCompleteSubkey);
    // S2V(K, AD = empty, P): D = CMAC(0^128); D = dbl(D) xor CMAC(empty); then P.
    byte[] state = cmac(own.mac, new byte[BLOCK], BLOCK);
    byte[] ofEmpty = cmac(own.mac, new byte[0], 0);
    state = dbl(state);
    xor(state, 0, ofEmpty, 0, BLOCK);
    this.doubledState = dbl(state);
    this.state = state;
  }

  /** The fast path for the keyset's primary key, or empty when it is not a 64-byte AES-SIV key. */
  @AccessesPartialKey // the key bytes, to key the JCE ciphers as Tink's own AesSiv does
  static Optional<DeterministicAesSiv> of(KeysetHandle keyset) {
    Key primary = keyset.getPrimary().getKey();
    if (!(primary instanceof AesSivKey)) {
      return Optional.empty();
    }
    AesSivKey sivKey = (AesSivKey) primary;
    byte[] key = sivKey.getKeyBytes().toByteArray(InsecureSecretKeyAccess.get());
    if (key.length != KEY_BYTES) {
      return Optional.empty();
    }
    try {
      return Optional.of(new DeterministicAesSiv(key, sivKey.getOutputPrefix().toByteArray()));
    } catch (IllegalStateException e) {
      // No AES in this JVM's providers: Tink would fail the same way, and says why.
      return Optional.empty();
    }
  }

  /** The ciphertext of {@code plaintext}: the output prefix, the synthetic IV, the CTR output. */
  byte[] encrypt(byte[] plaintext) {
    int length = plaintext.length;
    if (length > Integer.MAX_VALUE - outputPrefix.length - 2 * BLOCK) {
      throw new IllegalArgumentException("A PII value of " + length + " bytes is too long");
    }
    Ciphers own = ciphers.get();
    byte[] iv = syntheticIv(own, plaintext);
    byte[] output = Arrays.copyOf(outputPrefix, outputPrefix.length + BLOCK + length);
    System.arraycopy(iv, 0, output, outputPrefix.length, BLOCK);
    int at = outputPrefix.length + BLOCK;
    if (length == 0) {
      return output;
    }
    // CTR with the IV's bits 63 and 31 cleared (RFC 5297 2.5), counting in the last 32 bits: they
    // start at most 0x7fffffff, so a plaintext below 2^31 blocks never carries out of them.
    int blocks = (length + BLOCK - 1) / BLOCK;
    byte[] stream = own.stream(blocks * BLOCK);
    byte[] counter = iv;
    counter[8] &= (byte) 0x7f;
    counter[12] &= (byte) 0x7f;
    int low =
        ((counter[12] & 0xff) << 24)
            | ((counter[13] & 0xff) << 16)
            | ((counter[14] & 0xff) << 8)
            | (counter[15] & 0xff);
    for (int b = 0; b < blocks; b++) {
      int off = b * BLOCK;
      System.arraycopy(counter, 0, stream, off, 12);
      int value = low + b;
      stream[off + 12] = (byte) (value >>> 24);
      stream[off + 13] = (byte) (value >>> 16);
      stream[off + 14] = (byte) (value >>> 8);
      stream[off + 15] = (byte) value;
    }
    update(own.ctr, stream, blocks * BLOCK);
    for (int i = 0; i < length; i++) {
      output[at + i] = (byte) (plaintext[i] ^ stream[i]);
    }
    // The key stream with the token gives the plaintext back: not left in the heap.
    Arrays.fill(stream, 0, blocks * BLOCK, (byte) 0);
    return output;
  }

  /** S2V's last steps over the plaintext (RFC 5297 2.4), from the key's constant state. */
  private byte[] syntheticIv(Ciphers own, byte[] plaintext) {
    int length = plaintext.length;
    if (length >= BLOCK) {
      byte[] t = plaintext.clone();
      xor(t, length - BLOCK, state, 0, BLOCK);
      return cmac(own.mac, t, length);
    }
    byte[] t = new byte[BLOCK];
    System.arraycopy(plaintext, 0, t, 0, length);
    t[length] = (byte) 0x80;
    xor(t, 0, doubledState, 0, BLOCK);
    return cmac(own.mac, t, BLOCK);
  }

  /** CMAC (RFC 4493) of the first {@code length} bytes of {@code message}; may change them. */
  private byte[] cmac(Cipher mac, byte[] message, int length) {
    byte[] x = new byte[BLOCK];
    int blocks = length == 0 ? 1 : (length + BLOCK - 1) / BLOCK;
    for (int b = 0; b < blocks - 1; b++) {
      xor(x, 0, message, b * BLOCK, BLOCK);
      update(mac, x, BLOCK);
    }
    int lastStart = (blocks - 1) * BLOCK;
    int lastLength = length - lastStart;
    if (lastLength == BLOCK) {
      xor(x, 0, message, lastStart, BLOCK);
      xor(x, 0, cmacCompleteSubkey, 0, BLOCK);
    } else {
      xor(x, 0, message, lastStart, lastLength);
      x[lastLength] ^= (byte) 0x80;
      xor(x, 0, cmacPartialSubkey, 0, BLOCK);
    }
    update(mac, x, BLOCK);
    return x;
  }

  /**
   * Encrypts the first {@code length} bytes of {@code blocks} in place. The count is checked: a
   * provider that held output back would give wrong tokens, and joins would break without a word.
   */
  private static void update(Cipher cipher, byte[] blocks, int length) {
    try {
      if (cipher.update(blocks, 0, length, blocks, 0) != length) {
        throw new IllegalStateException("The AES provider held back ECB output");
      }
    } catch (javax.crypto.ShortBufferException e) {
      throw new IllegalStateException("AES block output", e);
    }
  }

  /** Doubling in GF(2^128) (RFC 5297 2.3), into a new array. */
  private static byte[] dbl(byte[] block) {
    byte[] out = new byte[BLOCK];
    for (int i = 0; i < BLOCK - 1; i++) {
      out[i] = (byte) ((block[i] << 1) | ((block[i + 1] & 0xff) >>> 7));
    }
    out[BLOCK - 1] = (byte) ((block[BLOCK - 1] << 1) ^ ((block[0] & 0x80) != 0 ? 0x87 : 0));
    return out;
  }

  private static void xor(byte[] into, int intoOffset, byte[] with, int withOffset, int length) {
    for (int i = 0; i < length; i++) {
      into[intoOffset + i] ^= with[withOffset + i];
    }
  }

  /** One thread's AES ciphers, each keyed once, and its key stream buffer. */
  private static final class Ciphers {
    final Cipher mac;
    final Cipher ctr;
    private static final int MAX_KEPT_STREAM = 64 * 1024;
    private byte[] stream = new byte[256];

    Ciphers(byte[] macKey, byte[] ctrKey) {
      try {
        mac = Cipher.getInstance("AES/ECB/NoPadding");
        mac.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(macKey, "AES"));
        ctr = Cipher.getInstance("AES/ECB/NoPadding");
        ctr.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(ctrKey, "AES"));
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("AES is not available in this JVM", e);
      }
    }

    /** A buffer for the key stream; one for a very long value is not kept. */
    byte[] stream(int length) {
      if (length > MAX_KEPT_STREAM) {
        return new byte[length];
      }
      if (stream.length < length) {
        stream = new byte[Math.min(Math.max(length, stream.length * 2), MAX_KEPT_STREAM)];
      }
      return stream;
    }
  }
}
