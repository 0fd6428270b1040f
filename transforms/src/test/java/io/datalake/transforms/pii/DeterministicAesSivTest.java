package io.datalake.transforms.pii;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.google.crypto.tink.DeterministicAead;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeyStatus;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.daead.AesSivParameters;
import com.google.crypto.tink.daead.DeterministicAeadConfig;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.BeforeClass;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** The fast path must give Tink's ciphertext byte for byte: tokens join across versions. */
@RunWith(JUnit4.class)
public class DeterministicAesSivTest {
  private static final byte[] NO_ASSOCIATED_DATA = new byte[0];

  @BeforeClass
  public static void register() throws GeneralSecurityException {
    DeterministicAeadConfig.register();
  }

  private static AesSivParameters parameters(int keyBytes, AesSivParameters.Variant variant)
      throws GeneralSecurityException {
    return AesSivParameters.builder().setKeySizeBytes(keyBytes).setVariant(variant).build();
  }

  private static KeysetHandle keyset(AesSivParameters... keys) throws GeneralSecurityException {
    KeysetHandle.Builder builder = KeysetHandle.newBuilder();
    for (AesSivParameters key : keys) {
      builder.addEntry(
          KeysetHandle.generateEntryFromParameters(key)
              .withRandomId()
              .setStatus(KeyStatus.ENABLED));
    }
    // The last key is the primary, so a rotated keyset (an older key first) is covered.
    builder.getAt(keys.length - 1).makePrimary();
    return builder.build();
  }

  private static void assertSameAsTink(KeysetHandle keyset) throws GeneralSecurityException {
    DeterministicAead tink =
        keyset.getPrimitive(RegistryConfiguration.get(), DeterministicAead.class);
    DeterministicAesSiv fast = DeterministicAesSiv.of(keyset).orElseThrow();
    Random random = new Random(7);
    for (int length = 0; length <= 300; length++) {
      for (int round = 0; round < 4; round++) {
        byte[] plaintext = assertSameCiphertext(tink, fast, random, length);
        assertArrayEquals(
            plaintext, tink.decryptDeterministically(fast.encrypt(plaintext), NO_ASSOCIATED_DATA));
      }
    }
    for (int length = 301; length < 3_000; length += 7) {
      assertSameCiphertext(tink, fast, random, length);
    }
    // The thread's key stream buffer grows, reaches its cap, is passed by and is reused.
    for (int length : new int[] {300, 40_000, 60_000, 65_536, 65_537, 200_003, 20, 70_000, 33}) {
      assertSameCiphertext(tink, fast, random, length);
    }
  }

  /** Random bytes of {@code length}, encrypted by both; returns the plaintext. */
  private static byte[] assertSameCiphertext(
      DeterministicAead tink, DeterministicAesSiv fast, Random random, int length)
      throws GeneralSecurityException {
    byte[] plaintext = new byte[length];
    random.nextBytes(plaintext);
    assertArrayEquals(
        "length " + length,
        tink.encryptDeterministically(plaintext, NO_ASSOCIATED_DATA),
        fast.encrypt(plaintext));
    return plaintext;
  }

  @Test
  public void theProjectsKeysetsTakeThisPath() throws Exception {
    String development;
    try (java.io.InputStream in =
        PiiKeyset.class.getResourceAsStream("/pii/development-keyset.json")) {
      development = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    for (String keysetJson : List.of(PiiCipher.newKeysetJson(), development)) {
      assertTrue(
          DeterministicAesSiv.of(
                  TinkJsonProtoKeysetFormat.parseKeyset(keysetJson, InsecureSecretKeyAccess.get()))
              .isPresent());
    }
  }

  @Test
  public void givesTinksCiphertextWithTinkPrefix() throws GeneralSecurityException {
    assertSameAsTink(keyset(parameters(64, AesSivParameters.Variant.TINK)));
  }

  @Test
  public void givesTinksCiphertextWithoutPrefix() throws GeneralSecurityException {
    assertSameAsTink(keyset(parameters(64, AesSivParameters.Variant.NO_PREFIX)));
  }

  @Test
  public void givesTinksCiphertextWithLegacyPrefix() throws GeneralSecurityException {
    assertSameAsTink(keyset(parameters(64, AesSivParameters.Variant.CRUNCHY)));
  }

  @Test
  public void encryptsUnderTheRotatedKeysetsPrimary() throws GeneralSecurityException {
    assertSameAsTink(
        keyset(
            parameters(64, AesSivParameters.Variant.TINK),
            parameters(64, AesSivParameters.Variant.TINK)));
  }

  @Test
  public void givesTinksCiphertextOnManyThreadsAtOnce() throws Exception {
    KeysetHandle keyset = keyset(parameters(64, AesSivParameters.Variant.TINK));
    DeterministicAead tink =
        keyset.getPrimitive(RegistryConfiguration.get(), DeterministicAead.class);
    DeterministicAesSiv fast = DeterministicAesSiv.of(keyset).orElseThrow();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int seed = t;
        results.add(
            pool.submit(
                () -> {
                  Random random = new Random(seed);
                  for (int i = 0; i < 5_000; i++) {
                    byte[] plaintext = new byte[random.nextInt(i % 100 == 0 ? 5_000 : 70)];
                    random.nextBytes(plaintext);
                    if (!java.util.Arrays.equals(
                        tink.encryptDeterministically(plaintext, NO_ASSOCIATED_DATA),
                        fast.encrypt(plaintext))) {
                      return false;
                    }
                  }
                  return true;
                }));
      }
      for (Future<Boolean> result : results) {
        assertTrue(result.get());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  public void piiCipherTokensAreTinksAndDecrypt() throws GeneralSecurityException {
    String keysetJson = PiiCipher.newKeysetJson();
    PiiCipher cipher = PiiCipher.fromKeysetJson(keysetJson);
    DeterministicAead tink =
        TinkJsonProtoKeysetFormat.parseKeyset(keysetJson, InsecureSecretKeyAccess.get())
            .getPrimitive(RegistryConfiguration.get(), DeterministicAead.class);
    for (String value : List.of("", "a", "anna@example.com", "Straße 12, 10115 Berlin")) {
      String token = cipher.encrypt(value);
      assertEquals(
          PiiCipher.TOKEN_PREFIX
              + java.util.Base64.getUrlEncoder()
                  .withoutPadding()
                  .encodeToString(
                      tink.encryptDeterministically(
                          value.getBytes(StandardCharsets.UTF_8), NO_ASSOCIATED_DATA)),
          token);
      assertEquals(value, cipher.decrypt(token));
    }
  }
}
