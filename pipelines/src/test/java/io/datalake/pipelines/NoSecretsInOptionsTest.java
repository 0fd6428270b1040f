package io.datalake.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertThrows;

import io.datalake.options.DatalakeOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** Options never carry a Kafka or AWS secret; Kafka's come through config-provider references. */
public class NoSecretsInOptionsTest {
  private static final String JAAS =
      "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"svc\" password=\"pw,with=commas\";";

  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  private static DatalakeOptions options(String... args) {
    PipelineOptionsFactory.register(DatalakeOptions.class);
    return PipelineOptionsFactory.fromArgs(args).as(DatalakeOptions.class);
  }

  @Test
  public void thePropertiesFileBecomesReferencesThatKafkaResolvesWhereTheClientRuns()
      throws Exception {
    Path file = temp.newFile("kafka.properties").toPath();
    Files.writeString(
        file, "sasl.jaas.config=" + JAAS.replace("\"", "\\\"") + "\nsecurity.protocol=SASL_SSL\n");
    DatalakeOptions options =
        options(
            "--kafkaPropertiesFile=" + file,
            "--kafkaProperties=sasl.mechanism=PLAIN,client.rack=r1");
    NoSecretsInOptions.check(options);
    Map<String, Object> properties = new TreeMap<>(KafkaClientProperties.of(options));
    assertThat(properties.toString(), not(containsString("pw,with")));
    assertThat(
        properties.get("sasl.jaas.config"), equalTo("${file:" + file + ":sasl.jaas.config}"));
    assertThat(properties.get("config.providers"), equalTo("file"));
    assertThat(properties.get("sasl.mechanism"), equalTo("PLAIN"));
    // What a Kafka client makes of them: the file's values, commas and quotes included.
    properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
    properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    ConsumerConfig resolved = new ConsumerConfig(properties);
    assertThat(resolved.getPassword("sasl.jaas.config").value(), equalTo(JAAS));
    assertThat(resolved.getString("security.protocol"), equalTo("SASL_SSL"));
  }

  @Test
  public void aSecretInKafkaPropertiesIsRefusedWithoutQuotingIt() {
    for (String secret :
        new String[] {
          "sasl.jaas.config=x-secret-1",
          "ssl.keystore.password=x-secret-1",
          "ssl.key.password=x-secret-1",
          "ssl.keystore.key=x-secret-1",
          "basic.auth.user.info=x-secret-1"
        }) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> NoSecretsInOptions.check(options("--kafkaProperties=" + secret)));
      assertThat(e.getMessage(), containsString("--kafkaPropertiesFile"));
      assertThat(e.getMessage(), not(containsString("x-secret-1")));
    }
    // A reference is no secret, and neither are ordinary settings.
    NoSecretsInOptions.check(
        options(
            "--kafkaProperties=sasl.jaas.config=${file:/etc/k.properties:jaas},ssl.keystore.type=PKCS12,"
                + "sasl.oauthbearer.token.endpoint.url=https://idp/token"));
  }

  @Test
  public void staticAwsKeysInOptionsAreRefused() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                NoSecretsInOptions.check(
                    options(
                        "--awsCredentialsProvider={\"@type\":\"StaticCredentialsProvider\",\"accessKeyId\":\"AKIA-TEST\","
                            + "\"secretAccessKey\":\"aws-secret-1\"}")));
    assertThat(e.getMessage(), containsString("default provider chain"));
    assertThat(e.getMessage(), not(containsString("aws-secret-1")));
    NoSecretsInOptions.check(options()); // the default chain
  }

  @Test
  public void anUnreadablePropertiesFileFailsBeforeTheRun() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                NoSecretsInOptions.check(
                    options("--kafkaPropertiesFile=" + temp.getRoot() + "/missing.properties")));
    assertThat(e.getMessage(), containsString("Cannot read --kafkaPropertiesFile="));
  }
}
