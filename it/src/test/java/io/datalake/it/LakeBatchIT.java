package io.datalake.it;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.datalake.options.DatalakeOptions;
import io.datalake.pipelines.DatalakePipeline;
import io.datalake.pipelines.RunRecord;
import io.datalake.testing.LocalServices;
import io.datalake.transforms.freshness.WriteFreshness;
import io.datalake.transforms.pii.PiiCipher;
import io.datalake.transforms.pii.PiiKeyset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.junit.Test;

/**
 * The batch lake over the bundled samples (made from the published fixtures) into S3Proxy, on the
 * DirectRunner and on the FlinkRunner (embedded): both must give the same rows, in Hive-style
 * event-time partitions, typed, with PII encrypted and bad lines in dead letters.
 */
public class LakeBatchIT {
  private static final String BUCKET = "datalake-it";
  private static final Pattern PARTITION =
      Pattern.compile(
          "^[^/]+/([a-z_]+)/org_id=([^/]+)/year=(\\d{4})/month=(\\d{2})/day=(\\d{2})/part-[^/]+\\.parquet$");
  private static final List<String> PII =
      List.of(
          "rodrigo.smith@email.com",
          "845.134.270-19",
          "22630-011",
          "user@example.com",
          "Melatengürtel",
          "customer@email.xyz",
          "203.0.113.3",
          "visitor3@example.net");

  @Test
  public void directAndFlinkWriteTheSameTypedEncryptedLakeToS3() throws Exception {
    LocalServices.createBucket(BUCKET);
    Map<String, List<String>> direct = runInto("DirectRunner");
    Map<String, List<String>> flink = runInto("FlinkRunner");
    assertThat("tables", flink.keySet(), equalTo(direct.keySet()));
    for (String table : direct.keySet()) {
      assertThat("rows of " + table, flink.get(table), equalTo(direct.get(table)));
    }
  }

  /** Runs the batch on one runner and returns each table's rows as sorted text. */
  private Map<String, List<String>> runInto(String runner) throws Exception {
    String prefix =
        "lake-" + runner.toLowerCase() + "-" + UUID.randomUUID().toString().substring(0, 8);
    List<String> args =
        new ArrayList<>(
            List.of(
                "--runner=" + runner,
                "--input="
                    + Path.of(
                        System.getProperty("datalake.project.dir"),
                        "pipelines",
                        "samples",
                        "input"),
                "--lake=s3://" + BUCKET + "/" + prefix,
                "--piiDevelopmentKeyset=true"));
    if (runner.equals("FlinkRunner")) {
      args.addAll(List.of("--flinkMaster=[local]", "--parallelism=2"));
    }
    args.addAll(LocalServices.beamS3Args());
    DatalakeOptions options =
        PipelineOptionsFactory.fromArgs(args.toArray(String[]::new)).as(DatalakeOptions.class);
    DatalakePipeline.run(options); // throws unless the summary balances

    Map<String, List<String>> rows = new TreeMap<>();
    Map<String, Long> counts = new TreeMap<>();
    List<String> deadLetters = new ArrayList<>();
    PiiCipher cipher = PiiKeyset.development().cipher();
    for (LocalServices.S3File file : LocalServices.download(BUCKET, prefix + "/")) {
      String key = file.key();
      if (key.contains("/_dead_letters/")) {
        for (String line : new String(file.bytes(), StandardCharsets.UTF_8).split("\n")) {
          if (!line.isBlank()) {
            deadLetters.add(line);
          }
        }
        continue;
      }
      if (key.contains("/" + WriteFreshness.FOLDER + "/")
          || key.contains("/" + RunRecord.FOLDER + "/")) {
        continue; // the run's freshness records and run record (FreshnessIT checks them)
      }
      Matcher m = PARTITION.matcher(key);
      assertThat("Hive-style partition path: " + key, m.matches(), equalTo(true));
      String table = m.group(1);
      Path local = Files.createTempFile("lake", ".parquet");
      try {
        Files.write(local, file.bytes());
        try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(local))) {
          if (table.equals("checkout_orders")) {
            assertThat(
                reader
                    .getFooter()
                    .getFileMetaData()
                    .getSchema()
                    .getType("lastChange")
                    .getLogicalTypeAnnotation(),
                equalTo(
                    LogicalTypeAnnotation.timestampType(
                        true, LogicalTypeAnnotation.TimeUnit.MICROS)));
          }
        }
        try (ParquetReader<GenericRecord> reader =
            AvroParquetReader.<GenericRecord>builder(new LocalInputFile(local)).build()) {
          GenericRecord record;
          while ((record = reader.read()) != null) {
            String text = record.toString();
            for (String pii : PII) {
              assertThat(text, not(containsString(pii)));
            }
            assertThat(
                "org_id column = partition",
                record.get("org_id").toString(),
                equalTo(java.net.URLDecoder.decode(m.group(2), StandardCharsets.UTF_8)));
            if (table.equals("checkout_orders")) {
              GenericRecord profile = (GenericRecord) record.get("clientProfileData");
              assertThat(profile.get("email").toString(), startsWith(PiiCipher.TOKEN_PREFIX));
              assertThat(
                  cipher.decrypt(profile.get("email").toString()), containsString("@example.com"));
            }
            rows.computeIfAbsent(table, t -> new ArrayList<>()).add(text);
            counts.merge(table, 1L, Long::sum);
          }
        }
      } finally {
        Files.deleteIfExists(local);
      }
    }
    assertThat(counts.get("checkout_orders"), equalTo(4L));
    assertThat(counts.get("checkout_order_items"), equalTo(4L));
    assertThat(counts.get("entity_operations"), equalTo(18L));
    assertThat(counts.get("workflow_executions"), equalTo(4L));
    assertThat(counts.get("workflow_phases"), equalTo(6L));
    assertThat(counts.get("journey_sessions"), equalTo(6L));
    assertThat(counts.get("portal_events"), equalTo(6L));
    assertThat("dead letters", deadLetters.size(), equalTo(10));
    ObjectMapper json = new ObjectMapper();
    List<String> steps = new ArrayList<>();
    for (String line : deadLetters) {
      JsonNode letter = json.readTree(line);
      steps.add(letter.get("kind").asText() + "/" + letter.get("step").asText());
      assertThat(letter.get("source").asText(), containsString(".jsonl:"));
      if (!letter.get("encrypted_record").isNull()) {
        assertThat(
            letter.get("encrypted_record").asText(), startsWith(PiiCipher.RANDOMIZED_PREFIX));
      }
      for (String pii : PII) {
        assertThat(line, not(containsString(pii)));
      }
    }
    assertThat(steps, hasItem("entity-operations/route"));
    assertThat(steps, hasItem("checkout-orders/type"));
    rows.values().forEach(list -> list.sort(String::compareTo));
    return rows;
  }
}
