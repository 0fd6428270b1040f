package io.datalake.transforms.pii;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.beam.sdk.io.FileSystems;

/**
 * Where the PII keyset is: a file on any Beam file system, or the development keyset. Only this
 * reference is serialized into the pipeline; the keys are read where the work runs ({@link
 * #cipher()}, called from {@code @Setup}) and cached once per JVM.
 */
public final class PiiKeyset implements Serializable {
  private static final String DEVELOPMENT_RESOURCE = "/pii/development-keyset.json";
  private static final Map<String, PiiCipher> CIPHERS = new ConcurrentHashMap<>();

  private final String location;

  private PiiKeyset(String location) {
    this.location = location;
  }

  public static PiiKeyset file(String location) {
    if (location == null || location.isBlank()) {
      throw new IllegalArgumentException(
          "No PII keyset: pass --piiKeyset=FILE (create one with ./datalake keys create FILE), or"
              + " --piiDevelopmentKeyset=true for local trials with the public development key.");
    }
    return new PiiKeyset(location);
  }

  public static PiiKeyset development() {
    return new PiiKeyset("development");
  }

  public static PiiKeyset fromOptions(String keysetFile, boolean development) {
    return development && (keysetFile == null || keysetFile.isBlank())
        ? development()
        : file(keysetFile);
  }

  public boolean isDevelopment() {
    return location.equals("development");
  }

  /** The cipher, reading the keyset on first use in this JVM. */
  public PiiCipher cipher() {
    return CIPHERS.computeIfAbsent(location, l -> PiiCipher.fromKeysetJson(read()));
  }

  private String read() {
    try {
      if (isDevelopment()) {
        try (InputStream in = PiiKeyset.class.getResourceAsStream(DEVELOPMENT_RESOURCE)) {
          return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
      }
      try (InputStream in =
          Channels.newInputStream(
              FileSystems.open(FileSystems.matchNewResource(location, false)))) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "Cannot read the PII keyset at " + location + ": " + e.getMessage());
    }
  }

  @Override
  public String toString() {
    return "PiiKeyset{" + location + "}";
  }
}
