package io.datalake.transforms.io;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import io.datalake.transforms.kinds.JourneyEvents;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.util.SerializableUtils;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalInputFile;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** FileIO's sink of lake files: a complete Parquet file of every row, with the lake's settings. */
public class LakeParquetSinkTest {
  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  /**
   * Random ids do not compress: their pages, compressed, are far larger than the compressor's
   * initial buffer, which must grow and keep every byte.
   */
  @Test
  public void pagesLargerThanTheCompressorsFirstBufferAreWrittenWhole() throws Exception {
    Schema schema = JourneyEvents.TABLE.avroSchema();
    LakeParquetSink sink =
        SerializableUtils.ensureSerializable(
            new LakeParquetSink(schema, CompressionCodecName.SNAPPY));
    Random random = new Random(7);
    List<String> ids = new ArrayList<>();
    Path file = temp.getRoot().toPath().resolve("f.parquet");
    try (FileChannel channel =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      sink.open(channel);
      for (int i = 0; i < 5_000; i++) {
        byte[] bytes = new byte[150];
        random.nextBytes(bytes);
        String id = Base64.getEncoder().encodeToString(bytes);
        ids.add(id);
        GenericRecord row = RowGroupFlushTest.row(schema, i);
        row.put("id", id);
        sink.write(row);
      }
      sink.flush();
    }
    long largestPage = 0;
    try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file))) {
      assertThat(reader.getRecordCount(), is(5_000L));
      for (ColumnChunkMetaData column : reader.getRowGroups().get(0).getColumns()) {
        assertThat(column.getCodec(), is(CompressionCodecName.SNAPPY));
        largestPage = Math.max(largestPage, column.getTotalSize());
      }
    }
    assertThat(
        "a column chunk larger than the compressor's first buffer",
        largestPage > 4 * WriteLakeTables.COMPRESSED_PAGE_BUFFER_BYTES,
        is(true));
    List<String> read = new ArrayList<>();
    try (ParquetReader<GenericRecord> reader =
        AvroParquetReader.<GenericRecord>builder(new LocalInputFile(file)).build()) {
      for (GenericRecord r = reader.read(); r != null; r = reader.read()) {
        read.add(r.get("id").toString());
      }
    }
    assertThat(read, is(ids));
  }

  /** A pane that failed part-way releases its writer and channel; the next file is whole. */
  @Test
  public void anAbandonedFileReleasesItsChannelAndTheNextFileIsWhole() throws Exception {
    Schema schema = JourneyEvents.TABLE.avroSchema();
    Path broken = temp.getRoot().toPath().resolve("broken.parquet");
    FileChannel channel =
        FileChannel.open(broken, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    LakeParquetSink sink = new LakeParquetSink(schema, CompressionCodecName.SNAPPY);
    sink.open(channel);
    sink.write(RowGroupFlushTest.row(schema, 1));
    IllegalStateException failure = new IllegalStateException("a spill file was cut");
    sink.abandon(channel, failure);
    assertThat(channel.isOpen(), is(false));
    assertThat(failure.getSuppressed().length, is(0));

    Path whole = temp.getRoot().toPath().resolve("whole.parquet");
    try (FileChannel next =
        FileChannel.open(whole, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      sink.open(next);
      sink.write(RowGroupFlushTest.row(schema, 2));
      sink.flush();
    }
    try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(whole))) {
      assertThat(reader.getRecordCount(), is(1L));
    }
  }
}
