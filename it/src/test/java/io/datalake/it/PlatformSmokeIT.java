package io.datalake.it;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;

import io.datalake.testing.LocalServices;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.clickhouse.ClickHouseIO;
import org.apache.beam.sdk.io.clickhouse.TableSchema;
import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.beam.sdk.io.parquet.ParquetIO;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.LocalInputFile;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.Parameterized;
import org.junit.runners.Parameterized.Parameters;

/**
 * Proves the platform end to end: N JSON records from a real Kafka topic, through a Beam pipeline
 * on the runner under test, to Parquet on S3Proxy and to rows in ClickHouse; then counts what
 * arrived in each (ClickHouseIO can report success and insert nothing: only a count proves it).
 */
@RunWith(Parameterized.class)
public class PlatformSmokeIT {
  private static final int RECORDS = 500;
  private static final String BUCKET = "datalake-it";

  private static final Schema AVRO =
      SchemaBuilder.record("SmokeRecord")
          .fields()
          .requiredString("id")
          .requiredLong("n")
          .endRecord();

  private static final org.apache.beam.sdk.schemas.Schema ROW =
      org.apache.beam.sdk.schemas.Schema.builder()
          .addField("id", FieldType.STRING)
          .addField("n", FieldType.INT64)
          .build();

  @Parameters(name = "{0}")
  public static List<Object[]> runners() {
    return List.of(new Object[] {"DirectRunner"}, new Object[] {"FlinkRunner"});
  }

  private final String runner;

  public PlatformSmokeIT(String runner) {
    this.runner = runner;
  }

  @Test
  public void kafkaToParquetOnS3AndClickHouseRows() throws Exception {
    String run = runner.toLowerCase() + "_" + UUID.randomUUID().toString().replace("-", "");
    String topic = "smoke-" + run;
    String table = "smoke_" + run;
    String prefix = "smoke/" + run + "/";

    LocalServices.createTopic(topic, 2);
    LocalServices.produce(
        topic,
        IntStream.range(0, RECORDS)
            .mapToObj(i -> "{\"id\":\"r-" + i + "\",\"n\":" + i + "}")
            .toList());
    LocalServices.createBucket(BUCKET);
    LocalServices.clickhouse(
        "CREATE TABLE default." + table + " (id String, n Int64) ENGINE = MergeTree ORDER BY id");

    List<String> args = new ArrayList<>(Arrays.asList("--runner=" + runner));
    if (runner.equals("FlinkRunner")) {
      args.addAll(List.of("--flinkMaster=[local]", "--parallelism=2"));
    }
    args.addAll(LocalServices.beamS3Args());
    PipelineOptions options = PipelineOptionsFactory.fromArgs(args.toArray(String[]::new)).create();

    Pipeline pipeline = Pipeline.create(options);
    PCollection<Row> rows =
        pipeline
            .apply(
                "ReadKafka",
                KafkaIO.<String, String>read()
                    .withBootstrapServers(LocalServices.kafkaBootstrap())
                    .withTopic(topic)
                    .withKeyDeserializer(StringDeserializer.class)
                    .withValueDeserializer(StringDeserializer.class)
                    .withConsumerConfigUpdates(
                        java.util.Map.of("auto.offset.reset", "earliest", "group.id", run))
                    .withMaxNumRecords(RECORDS)
                    .withoutMetadata())
            .apply(Values.create())
            .apply(
                "ParseJson",
                MapElements.into(TypeDescriptor.of(Row.class)).via(PlatformSmokeIT::toRow))
            .setRowSchema(ROW);

    rows.apply(
            "ToAvro",
            MapElements.into(TypeDescriptor.of(GenericRecord.class)).via(PlatformSmokeIT::toAvro))
        .setCoder(AvroCoder.of(GenericRecord.class, AVRO))
        .apply(
            "WriteParquet",
            FileIO.<GenericRecord>write()
                .via(ParquetIO.sink(AVRO))
                .to("s3://" + BUCKET + "/" + prefix)
                .withSuffix(".parquet"));

    rows.apply(
        "WriteClickHouse",
        ClickHouseIO.<Row>write(
                // As the admin user, with the pipeline's own URL (credentials in it, as
                // ClickHouseIO takes them).
                LocalServices.clickhouseClient().jdbcUrl("default", "18.16.1"), table)
            .withTableSchema(
                TableSchema.of(
                    TableSchema.Column.of("id", TableSchema.ColumnType.STRING),
                    TableSchema.Column.of("n", TableSchema.ColumnType.INT64))));

    PipelineResult.State state = pipeline.run().waitUntilFinish();
    assertThat(state, equalTo(PipelineResult.State.DONE));

    List<LocalServices.S3File> files = LocalServices.download(BUCKET, prefix);
    assertThat("parquet files written under " + prefix, files.size(), greaterThan(0));
    long parquetRows = 0;
    for (LocalServices.S3File file : files) {
      Path local = Files.createTempFile("smoke", ".parquet");
      try {
        Files.write(local, file.bytes());
        try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(local))) {
          parquetRows += reader.getRecordCount();
        }
      } finally {
        Files.deleteIfExists(local);
      }
    }
    assertThat("rows in Parquet on S3", parquetRows, equalTo((long) RECORDS));
    assertThat(
        "rows in ClickHouse",
        LocalServices.clickhouseCount("SELECT count() FROM default." + table),
        equalTo((long) RECORDS));
    assertThat(
        "distinct ids in ClickHouse",
        LocalServices.clickhouseCount("SELECT uniqExact(id) FROM default." + table),
        equalTo((long) RECORDS));
    LocalServices.clickhouse("DROP TABLE default." + table);
  }

  private static Row toRow(String json) {
    try {
      com.fasterxml.jackson.databind.JsonNode node =
          new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
      return Row.withSchema(ROW).addValues(node.get("id").asText(), node.get("n").asLong()).build();
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("not JSON", e);
    }
  }

  private static GenericRecord toAvro(Row row) {
    GenericRecord record = new GenericData.Record(AVRO);
    record.put("id", row.getString("id"));
    record.put("n", row.getInt64("n"));
    return record;
  }
}
