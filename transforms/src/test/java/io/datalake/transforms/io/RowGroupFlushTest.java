package io.datalake.transforms.io;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import io.datalake.transforms.kinds.JourneyEvents;
import java.nio.file.Path;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.LocalOutputFile;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** Ending a row group early leaves a file that has every row, in one more row group. */
public class RowGroupFlushTest {
  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  @Test
  public void aFlushedRowGroupIsWrittenAndTheFileTakesMoreRows() throws Exception {
    assertThat(RowGroupFlush.available(), is(true));
    Schema schema = JourneyEvents.TABLE.avroSchema();
    Path file = temp.getRoot().toPath().resolve("f.parquet");
    try (ParquetWriter<GenericRecord> writer =
        AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(file))
            .withSchema(schema)
            .withConf(WriteLakeTables.parquetConfiguration())
            .build()) {
      for (int i = 0; i < 10; i++) {
        writer.write(row(schema, i));
      }
      long allocated = RowGroupFlush.allocatedBytes(writer);
      assertThat(
          "the row group's allocated buffers hold at least its encoded bytes",
          allocated >= writer.getDataSize() && writer.getDataSize() > 0,
          is(true));
      RowGroupFlush.flush(writer);
      assertThat(
          "a new row group starts with less than the full one held",
          RowGroupFlush.allocatedBytes(writer) < allocated,
          is(true));
      for (int i = 10; i < 25; i++) {
        writer.write(row(schema, i));
      }
    }
    try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file))) {
      assertThat(reader.getRowGroups().size(), is(2));
      assertThat(reader.getRowGroups().get(0).getRowCount(), is(10L));
      assertThat(reader.getRecordCount(), is(25L));
    }
    int count = 0;
    try (ParquetReader<GenericRecord> reader =
        AvroParquetReader.<GenericRecord>builder(new LocalInputFile(file)).build()) {
      for (GenericRecord r = reader.read(); r != null; r = reader.read()) {
        assertThat(r.get("id").toString(), is("e" + count++));
      }
    }
    assertThat(count, is(25));
  }

  /** A row of the table with every required field set. */
  static GenericRecord row(Schema schema, int i) {
    GenericData.Record record = new GenericData.Record(schema);
    for (Schema.Field field : schema.getFields()) {
      Schema type = field.schema();
      if (type.getType() == Schema.Type.UNION) {
        continue; // nullable: left null
      }
      record.put(field.name(), valueOf(type, i));
    }
    record.put("id", "e" + i);
    return record;
  }

  private static Object valueOf(Schema type, int i) {
    return switch (type.getType()) {
      case STRING -> "v" + i;
      case LONG -> (long) i;
      case INT -> i;
      case BOOLEAN -> false;
      case DOUBLE -> (double) i;
      default -> throw new IllegalArgumentException("no test value for " + type);
    };
  }
}
