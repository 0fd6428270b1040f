package io.datalake.transforms.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.io.FileIO;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;

/**
 * FileIO's sink of one lake table's Parquet files (the grouped writer: streams, and batches not
 * written per worker), with the lake's writer settings ({@link WriteLakeTables#parquetWriter}), as
 * {@code ParquetIO.sink} is with its own: this one also bounds the dictionaries and the
 * compressor's buffer, and takes the table's schema as it is instead of parsing its JSON for every
 * file.
 */
final class LakeParquetSink implements FileIO.Sink<GenericRecord> {
  private static final long serialVersionUID = 1L;

  private final Schema schema;
  private final CompressionCodecName codec;
  private transient ParquetWriter<GenericRecord> writer;

  LakeParquetSink(Schema schema, CompressionCodecName codec) {
    this.schema = schema;
    this.codec = codec;
  }

  @Override
  public void open(WritableByteChannel channel) throws IOException {
    writer =
        WriteLakeTables.parquetWriter(
            new StreamOutputFile(Channels.newOutputStream(channel)), schema, codec);
  }

  @Override
  public void write(GenericRecord record) throws IOException {
    writer.write(record);
  }

  /** Parquet writes the footer when its writer closes: the file is complete only then. */
  @Override
  public void flush() throws IOException {
    writer.close();
  }

  /**
   * After a failed write: releases the writer (its buffers and its pooled compressor) and the
   * channel. The file it leaves is incomplete; the caller deletes it. Failures here are added to
   * the one that made the file useless.
   */
  void abandon(WritableByteChannel channel, Exception failure) {
    try {
      if (writer != null) {
        writer.close();
      }
    } catch (IOException | RuntimeException e) {
      failure.addSuppressed(e);
    } finally {
      writer = null;
    }
    try {
      if (channel.isOpen()) {
        channel.close();
      }
    } catch (IOException | RuntimeException e) {
      failure.addSuppressed(e);
    }
  }

  /** The stream FileIO opened, as Parquet's output file; the position is what was written. */
  private static final class StreamOutputFile implements OutputFile {
    private final OutputStream out;

    StreamOutputFile(OutputStream out) {
      this.out = out;
    }

    @Override
    public PositionOutputStream create(long blockSizeHint) {
      return new CountingStream(out);
    }

    @Override
    public PositionOutputStream createOrOverwrite(long blockSizeHint) {
      return new CountingStream(out);
    }

    @Override
    public boolean supportsBlockSize() {
      return false;
    }

    @Override
    public long defaultBlockSize() {
      return 0;
    }
  }

  private static final class CountingStream extends PositionOutputStream {
    private final OutputStream out;
    private long position;

    CountingStream(OutputStream out) {
      this.out = out;
    }

    @Override
    public long getPos() {
      return position;
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      position++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      position += len;
    }

    @Override
    public void flush() throws IOException {
      out.flush();
    }

    @Override
    public void close() throws IOException {
      out.close();
    }
  }
}
