package io.datalake.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.not;

import io.datalake.options.DatalakeOptions;
import io.datalake.transforms.Fixtures;
import io.datalake.transforms.stream.ReadKafkaTopics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.joda.time.Duration;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The batch pipeline over the bundled samples, on the DirectRunner, into a local lake. */
public class DatalakePipelineTest {
  private static final Path SAMPLES = Path.of("samples", "input");

  /**
   * PII plaintexts of the fixtures ({@link Fixtures#PII}) and those only the samples made from them
   * have.
   */
  private static final List<String> PII =
      Stream.concat(
              Fixtures.PII.stream(),
              Stream.of(
                  "customer0@example.com",
                  "buyer0@example.org",
                  "Alex Marques",
                  "203.0.113.3",
                  "visitor3@example.net"))
          .distinct()
          .toList();

  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  private String runAndCaptureLogs(Path lake) {
    DatalakeOptions options =
        PipelineOptionsFactory.fromArgs(
                "--input=" + SAMPLES, "--lake=" + lake, "--piiDevelopmentKeyset=true")
            .as(DatalakeOptions.class);
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream both = new PrintStream(captured, true, StandardCharsets.UTF_8);
    System.setOut(both);
    System.setErr(both);
    try {
      PipelineResult result = DatalakePipeline.run(options);
      assertThat(result.getState(), equalTo(PipelineResult.State.DONE));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
    String logs = captured.toString(StandardCharsets.UTF_8);
    out.print(logs);
    return logs;
  }

  /**
   * A lake given as a file: URI is the folder it names: Beam's local file system took {@code
   * file:///tmp/lake} for the folder {@code file:/tmp/lake} under the working directory.
   */
  @Test
  public void aLakeGivenAsAFileUriIsWrittenWhereItNames() throws Exception {
    Path lake = temp.getRoot().toPath().resolve("uri-lake");
    DatalakeOptions options =
        PipelineOptionsFactory.fromArgs(
                "--input=" + SAMPLES,
                "--lake=" + lake.toUri(),
                "--runId=uri",
                "--piiDevelopmentKeyset=true")
            .as(DatalakeOptions.class);
    assertThat(DatalakePipeline.run(options).getState(), equalTo(PipelineResult.State.DONE));
    assertThat(Files.isRegularFile(lake.resolve("_runs").resolve("uri.json")), equalTo(true));
    assertThat(Files.isDirectory(lake.resolve("checkout_orders")), equalTo(true));
    assertThat(Files.exists(Path.of("file:")), equalTo(false));
  }

  @Test
  public void aNegativeKafkaReadAheadIsRefusedWithTheOptionsName() {
    DatalakeOptions options =
        PipelineOptionsFactory.fromArgs("--kafkaReadAheadSeconds=-1").as(DatalakeOptions.class);
    try {
      ReadKafkaTopics.from("127.0.0.1:9092")
          .withReadAhead(Duration.standardSeconds(options.getKafkaReadAheadSeconds()));
      throw new AssertionError("accepted -1");
    } catch (IllegalArgumentException expected) {
      assertThat(expected.getMessage(), containsString("--kafkaReadAheadSeconds"));
    }
    assertThat(
        (long) PipelineOptionsFactory.create().as(DatalakeOptions.class).getKafkaReadAheadSeconds(),
        equalTo(ReadKafkaTopics.DEFAULT_READ_AHEAD.getStandardSeconds()));
    assertThat(ReadKafkaTopics.DEFAULT_READ_AHEAD.getStandardSeconds(), equalTo(5L));
  }

  @Test
  public void aRunOverNoInputFilesFailsInsteadOfReportingZeroEqualsZero() throws Exception {
    Path empty = temp.newFolder("no-input").toPath();
    DatalakeOptions options =
        PipelineOptionsFactory.fromArgs(
                "--input=" + empty,
                "--lake=" + temp.newFolder("lake-of-nothing"),
                "--piiDevelopmentKeyset=true")
            .as(DatalakeOptions.class);
    IllegalArgumentException e =
        org.junit.Assert.assertThrows(
            IllegalArgumentException.class, () -> DatalakePipeline.run(options));
    assertThat(e.getMessage(), containsString("No input files under " + empty));
  }

  @Test
  public void batchAccountsForEveryRecordIsIdempotentAndLeaksNoPii() throws Exception {
    Path lake = temp.newFolder("lake").toPath();
    String logs = runAndCaptureLogs(lake);
    assertThat(logs, containsString("input records 66 = records accounted for 66"));
    Map<String, Long> first = rowsPerTable(lake);
    assertThat(first.get("checkout_orders"), equalTo(4L));
    assertThat(first.get("checkout_order_items"), equalTo(4L));
    assertThat(first.get("entity_operations"), equalTo(18L));
    assertThat(first.get("workflow_executions"), equalTo(4L));
    assertThat(first.get("workflow_cancellations"), equalTo(2L));
    assertThat(first.get("journey_events"), equalTo(12L));

    // Again into the same lake: the same rows, no duplicates.
    String secondLogs = runAndCaptureLogs(lake);
    assertThat(rowsPerTable(lake), equalTo(first));
    assertThat(secondLogs, containsString("input records 66 = records accounted for 66"));

    // Partitions come from each record's own event time.
    assertThat(
        Files.exists(lake.resolve("checkout_orders/org_id=luxstore/year=2024/month=02/day=06")),
        equalTo(true));
    assertThat(
        Files.exists(lake.resolve("entity_operations/org_id=739224/year=2024/month=01/day=20")),
        equalTo(true));

    String everything = logs + secondLogs + allOutputText(lake);
    for (String pii : PII) {
      assertThat("PII in outputs or logs: " + pii, everything, not(containsString(pii)));
    }
  }

  @Test
  public void parquetColumnsHaveTheirDeclaredTypes() throws Exception {
    Path lake = temp.newFolder("typed").toPath();
    runAndCaptureLogs(lake);
    Path file;
    try (Stream<Path> files = Files.walk(lake.resolve("checkout_orders"))) {
      file = files.filter(p -> p.toString().endsWith(".parquet")).findFirst().orElseThrow();
    }
    try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file))) {
      MessageType schema = reader.getFooter().getFileMetaData().getSchema();
      PrimitiveType lastChange = schema.getType("lastChange").asPrimitiveType();
      assertThat(lastChange.getPrimitiveTypeName(), equalTo(PrimitiveType.PrimitiveTypeName.INT64));
      assertThat(
          lastChange.getLogicalTypeAnnotation(),
          equalTo(
              LogicalTypeAnnotation.timestampType(true, LogicalTypeAnnotation.TimeUnit.MICROS)));
      assertThat(
          schema.getType("value").asPrimitiveType().getPrimitiveTypeName(),
          equalTo(PrimitiveType.PrimitiveTypeName.INT64));
      assertThat(
          schema.getType("isCompleted").asPrimitiveType().getPrimitiveTypeName(),
          equalTo(PrimitiveType.PrimitiveTypeName.BOOLEAN));
      assertThat(
          schema.getType("orderId").getLogicalTypeAnnotation(),
          equalTo(LogicalTypeAnnotation.stringType()));
      assertThat(schema.getType("items").isPrimitive(), equalTo(false));
    }
  }

  @Test
  public void duckDbReadsTheLakeWithHivePartitions() throws Exception {
    Path lake = temp.newFolder("duck").toPath();
    runAndCaptureLogs(lake);
    try (java.sql.Connection db = java.sql.DriverManager.getConnection("jdbc:duckdb:");
        java.sql.Statement sql = db.createStatement()) {
      String orders =
          "read_parquet('"
              + lake
              + "/checkout_orders/*/*/*/*/*.parquet', hive_partitioning = true)";
      try (java.sql.ResultSet r =
          sql.executeQuery(
              "SELECT count(*), count(DISTINCT org_id), min(year), typeof(min(\"lastChange\")), sum(value)"
                  + " FROM "
                  + orders)) {
        r.next();
        assertThat(r.getLong(1), equalTo(4L));
        assertThat(r.getLong(2), equalTo(2L));
        assertThat(r.getLong(3), equalTo(2024L));
        assertThat(r.getString(4), equalTo("TIMESTAMP WITH TIME ZONE"));
        assertThat(r.getLong(5), equalTo(1160L + 1260L + 1360L + 1460L));
      }
      String operations =
          "read_parquet('"
              + lake
              + "/entity_operations/*/*/*/*/*.parquet', hive_partitioning = true)";
      try (java.sql.ResultSet r =
          sql.executeQuery(
              "SELECT json_extract_string(detail, '$.payload.source.title') AS source, count(*)"
                  + " FROM "
                  + operations
                  + " WHERE operation = 'createEntity' AND schema = 'opportunity'"
                  + " GROUP BY 1 ORDER BY 1")) {
        List<String> got = new java.util.ArrayList<>();
        while (r.next()) {
          got.add(r.getString(1) + "=" + r.getLong(2));
        }
        assertThat(
            got,
            equalTo(
                List.of("Partner Portal Journey=2", "Solar Check Journey=2", "Website Journey=2")));
      }
    }
  }

  @Test
  public void aTruncatedGzipKeepsItsGoodLinesAsRowsAndOneReadDeadLetterAndTheBatchGoesOn()
      throws Exception {
    List<String> lines = Files.readAllLines(SAMPLES.resolve("journey-events/events.jsonl"));
    Path input = temp.newFolder("corrupt-input").toPath();
    Path events = Files.createDirectories(input.resolve("journey-events"));
    // A whole member with the first 5 lines, then the rest in a member cut in its middle.
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.write(gzip(String.join("\n", lines.subList(0, 5)) + "\n"));
    byte[] rest = gzip(String.join("\n", lines.subList(5, lines.size())) + "\n");
    bytes.write(rest, 0, rest.length / 2);
    Files.write(events.resolve("events.jsonl.gz"), bytes.toByteArray());
    // A healthy kind next to it is written whole.
    Files.createDirectories(input.resolve("checkout-orders"));
    try (Stream<Path> orders = Files.list(SAMPLES.resolve("checkout-orders"))) {
      for (Path file : orders.toList()) {
        Files.copy(file, input.resolve("checkout-orders").resolve(file.getFileName()));
      }
    }
    Path lake = temp.newFolder("corrupt-lake").toPath();
    DatalakeOptions options =
        PipelineOptionsFactory.fromArgs(
                "--input=" + input, "--lake=" + lake, "--piiDevelopmentKeyset=true")
            .as(DatalakeOptions.class);
    // Throws unless the summary accounts for every record read, the unreadable rest included.
    DatalakePipeline.run(options);

    long kept = rowsPerTable(lake).get("journey_events");
    assertThat(
        "the whole first member and nothing beyond the cut: " + kept,
        kept >= 5 && kept < lines.size(),
        equalTo(true));
    assertThat(rowsPerTable(lake).get("checkout_orders"), equalTo(4L));
    String deadLetters = allOutputText(lake.resolve("_dead_letters"));
    assertThat(deadLetters.split("\"step\":\"read\"", -1).length - 1, equalTo(1));
    assertThat(deadLetters, containsString("events.jsonl.gz:" + (kept + 1)));
    assertThat(deadLetters, containsString("corrupt or truncated after line " + kept));
  }

  private static byte[] gzip(String text) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(bytes)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
    return bytes.toByteArray();
  }

  private static Map<String, Long> rowsPerTable(Path lake) throws IOException {
    Map<String, Long> rows = new TreeMap<>();
    try (Stream<Path> files = Files.walk(lake)) {
      for (Path file : files.filter(p -> p.toString().endsWith(".parquet")).toList()) {
        String table = lake.relativize(file).getName(0).toString();
        try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file))) {
          rows.merge(table, reader.getRecordCount(), Long::sum);
        }
      }
    }
    assertThat(rows.size(), greaterThan(0));
    return rows;
  }

  /** Every row of every Parquet file as text, and every dead letter line. */
  private static String allOutputText(Path lake) throws IOException {
    StringBuilder text = new StringBuilder();
    try (Stream<Path> files = Files.walk(lake)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        if (file.toString().endsWith(".parquet")) {
          try (ParquetReader<GenericRecord> reader =
              AvroParquetReader.<GenericRecord>builder(new LocalInputFile(file)).build()) {
            GenericRecord record;
            while ((record = reader.read()) != null) {
              text.append(record).append('\n');
            }
          }
        } else {
          text.append(Files.readString(file)).append('\n');
        }
      }
    }
    return text.toString();
  }
}
