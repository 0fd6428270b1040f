package io.datalake.pipelines;

import io.datalake.options.KafkaSourceOptions;
import io.datalake.transforms.stream.ReadKafkaTopics;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka client properties of a run, holding no secret: the options, the KafkaIO transform and
 * its checkpointed source (Flink keeps the source in every checkpoint) see only {@code
 * ${file:PATH:KEY}} references for what {@code --kafkaPropertiesFile} holds. Kafka's {@code
 * FileConfigProvider} resolves them where a client is created: here (the topic check, the split)
 * and on each worker.
 */
final class KafkaClientProperties {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaClientProperties.class);
  static final String PROVIDER = "file";
  static final String PROVIDER_CLASS = "org.apache.kafka.common.config.provider.FileConfigProvider";

  /** Keys whose values are secrets in Kafka's clients (passwords, JAAS, keys, tokens). */
  static final Pattern SECRET_KEY =
      Pattern.compile("(?i).*(password|secret|jaas).*|.*(\\.key|credentials|token|user\\.info)$");

  /** A value that is only config-provider references, e.g. ${file:/etc/kafka/secrets:password}. */
  private static final Pattern REFERENCE = Pattern.compile("(\\$\\{[^}]+\\})+");

  private KafkaClientProperties() {}

  /** The consumer properties of --kafkaProperties and --kafkaPropertiesFile; fails on a secret. */
  static Map<String, Object> of(KafkaSourceOptions options) {
    Map<String, Object> properties = new LinkedHashMap<>();
    Map<String, String> given =
        ReadKafkaTopics.pairs(options.getKafkaProperties(), "--kafkaProperties");
    for (Map.Entry<String, String> e : new java.util.TreeMap<>(given).entrySet()) {
      if (SECRET_KEY.matcher(e.getKey()).matches() && !REFERENCE.matcher(e.getValue()).matches()) {
        throw new IllegalArgumentException(
            "--kafkaProperties holds "
                + e.getKey()
                + ", a secret: options are shown by Flink's web UI"
                + " and REST API and kept in checkpoints. Put it in a properties file named by"
                + " --kafkaPropertiesFile (mode 600), or give a config-provider reference such as"
                + " ${file:/path/to/file:"
                + e.getKey()
                + "}.");
      }
      properties.put(e.getKey(), e.getValue());
    }
    String file = options.getKafkaPropertiesFile();
    if (file == null || file.isBlank()) {
      return properties;
    }
    Path path = Path.of(file).toAbsolutePath().normalize();
    String where = path.toString();
    if (where.contains(":") || where.contains("}")) {
      throw new IllegalArgumentException(
          "--kafkaPropertiesFile="
              + where
              + ": a path with ':' or '}' cannot be a Kafka"
              + " config-provider reference; move the file");
    }
    Set<String> keys = keys(path);
    for (String key : keys) {
      if (key.startsWith("config.providers") || key.contains("}")) {
        throw new IllegalArgumentException(
            "--kafkaPropertiesFile="
                + where
                + " has the key "
                + key
                + ", which cannot be a"
                + " config-provider reference; give it in --kafkaProperties");
      }
      properties.put(key, "${" + PROVIDER + ":" + where + ":" + key + "}");
    }
    String providers = String.valueOf(properties.getOrDefault("config.providers", ""));
    if (!java.util.Arrays.asList(providers.split(",")).contains(PROVIDER)) {
      properties.put(
          "config.providers", providers.isBlank() ? PROVIDER : providers + "," + PROVIDER);
    }
    properties.put("config.providers." + PROVIDER + ".class", PROVIDER_CLASS);
    LOG.info("datalake: Kafka properties {} are read from {} where each client runs", keys, where);
    return properties;
  }

  /** The file's keys (never its values: they stay in the file). */
  private static Set<String> keys(Path path) {
    Properties props = new Properties();
    try (Reader in = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
      props.load(in);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "Cannot read --kafkaPropertiesFile=" + path + " (" + e.getClass().getSimpleName() + ")");
    }
    try {
      Set<PosixFilePermission> mode = Files.getPosixFilePermissions(path);
      if (mode.stream()
          .anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
        LOG.warn(
            "datalake: --kafkaPropertiesFile={} can be read by other users ({}): chmod 600 it",
            path,
            java.nio.file.attribute.PosixFilePermissions.toString(mode));
      }
    } catch (IOException | UnsupportedOperationException e) {
      // no POSIX modes here: nothing to check
    }
    return new TreeSet<>(props.stringPropertyNames());
  }
}
