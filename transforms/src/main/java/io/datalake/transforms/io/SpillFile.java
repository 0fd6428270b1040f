package io.datalake.transforms.io;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.util.MimeTypes;

/**
 * A file of rows waiting for their event-time window to close ({@link WriteSpilledWindows}): the
 * rows one worker received in one bundle, as segments of one partition key and window each (the
 * rows' coder bytes, one after the other), then an index of the segments, then where the index
 * starts. A window's rows are read back by segment, so a partition's pane reads its own bytes of
 * each file and nothing else.
 *
 * <pre>
 * segment* index(count, (key, window start, window end, offset, length, rows)*) indexOffset magic
 * </pre>
 */
final class SpillFile {
  /** The suffix of every spill file. */
  static final String SUFFIX = ".rows";

  /** The last four bytes of a complete spill file ("DLS1"). */
  private static final int MAGIC = 0x444C5331;

  /** The index offset and the magic number at the end of the file. */
  private static final int TRAILER_BYTES = Long.BYTES + Integer.BYTES;

  private SpillFile() {}

  /** The rows of one partition key in one window. */
  record SegmentId(String key, IntervalWindow window) {
    SegmentId {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(window, "window");
    }
  }

  /** Where a segment's bytes are in its file, and how many rows they hold. */
  record Segment(long offset, int length, int rows) {}

  /** The rows of one segment being gathered: their coder bytes, and how many. */
  static final class Buffer {
    final ChunkedBytes bytes = new ChunkedBytes();
    int rows;
  }

  /**
   * Bytes gathered in chunks of {@value #CHUNK_BYTES}: a segment of large records (a bundle of VTEX
   * orders holds 14 MB) grows without copying, and never as one array of half a G1 region or more,
   * which G1 allocates outside the young generation and which starts a concurrent cycle.
   */
  static final class ChunkedBytes extends OutputStream {
    static final int CHUNK_BYTES = 32 * 1024;

    private final List<byte[]> chunks = new ArrayList<>();
    private byte[] current;
    private int used;
    private long size;

    @Override
    public void write(int b) {
      if (current == null || used == current.length) {
        nextChunk();
      }
      current[used++] = (byte) b;
      size++;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      Objects.checkFromIndexSize(off, len, b.length);
      while (len > 0) {
        if (current == null || used == current.length) {
          nextChunk();
        }
        int n = Math.min(len, current.length - used);
        System.arraycopy(b, off, current, used, n);
        used += n;
        off += n;
        len -= n;
        size += n;
      }
    }

    private void nextChunk() {
      current = new byte[CHUNK_BYTES];
      chunks.add(current);
      used = 0;
    }

    long size() {
      return size;
    }

    void writeTo(OutputStream out) throws IOException {
      for (byte[] chunk : chunks) {
        out.write(chunk, 0, chunk == current ? used : chunk.length);
      }
    }
  }

  /** A file's segments, by key and window. */
  record Index(Map<SegmentId, Segment> segments) {
    Index {
      segments = Collections.unmodifiableMap(segments);
    }

    int size() {
      return segments.size();
    }
  }

  /**
   * Writes {@code buffers} as one spill file at {@code file} (replaced if it exists) and returns
   * its index. A file is only read after the write returned: a checkpoint ends the bundle, and so
   * the write, before it records the file's name.
   */
  static Index write(ResourceId file, Map<SegmentId, Buffer> buffers) throws IOException {
    Map<SegmentId, Segment> segments = new HashMap<>();
    // One resource: closing the stream closes the channel, and S3's channel completes its upload
    // when closed, so a second close fails (the upload is gone).
    try (DataOutputStream out =
        new DataOutputStream(
            new BufferedOutputStream(
                Channels.newOutputStream(FileSystems.create(file, MimeTypes.BINARY)), 1 << 16))) {
      long offset = 0;
      for (Map.Entry<SegmentId, Buffer> entry : buffers.entrySet()) {
        Buffer buffer = entry.getValue();
        int length = Math.toIntExact(buffer.bytes.size());
        buffer.bytes.writeTo(out);
        segments.put(entry.getKey(), new Segment(offset, length, buffer.rows));
        offset += length;
      }
      out.writeInt(segments.size());
      for (Map.Entry<SegmentId, Segment> entry : segments.entrySet()) {
        SegmentId id = entry.getKey();
        Segment segment = entry.getValue();
        out.writeUTF(id.key());
        out.writeLong(id.window().start().getMillis());
        out.writeLong(id.window().end().getMillis());
        out.writeLong(segment.offset());
        out.writeInt(segment.length());
        out.writeInt(segment.rows());
      }
      out.writeLong(offset);
      out.writeInt(MAGIC);
    }
    return new Index(segments);
  }

  /** The index of the spill file at {@code file}; fails naming the file when it is not one. */
  static Index readIndex(ResourceId file) throws IOException {
    try (SeekableByteChannel channel = open(file)) {
      long size = channel.size();
      if (size < TRAILER_BYTES + Integer.BYTES) {
        throw new IOException(notASpillFile(file, size + " bytes"));
      }
      ByteBuffer trailer = readFully(channel, size - TRAILER_BYTES, TRAILER_BYTES, file);
      long indexOffset = trailer.getLong();
      if (trailer.getInt() != MAGIC || indexOffset < 0 || indexOffset > size - TRAILER_BYTES) {
        throw new IOException(notASpillFile(file, "no spill file trailer"));
      }
      int indexBytes = Math.toIntExact(size - TRAILER_BYTES - indexOffset);
      ByteBuffer index = readFully(channel, indexOffset, indexBytes, file);
      DataInputStream in =
          new DataInputStream(
              new ByteArrayInputStream(index.array(), index.arrayOffset(), indexBytes));
      int count = in.readInt();
      Map<SegmentId, Segment> segments = new HashMap<>();
      for (int i = 0; i < count; i++) {
        String key = in.readUTF();
        IntervalWindow window =
            new IntervalWindow(
                new org.joda.time.Instant(in.readLong()), new org.joda.time.Instant(in.readLong()));
        segments.put(
            new SegmentId(key, window), new Segment(in.readLong(), in.readInt(), in.readInt()));
      }
      return new Index(segments);
    }
  }

  /**
   * The bytes of one segment of the spill file at {@code file}, as a stream read in small buffers
   * (a segment of large records is megabytes: read whole, it was one array outside G1's young
   * generation). Fails at its end if the file ends before the segment does.
   */
  static InputStream openSegment(ResourceId file, Segment segment) throws IOException {
    SeekableByteChannel channel = open(file);
    try {
      channel.position(segment.offset());
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
    InputStream in = Channels.newInputStream(channel);
    return new BufferedInputStream(
        new InputStream() {
          private long left = segment.length();

          @Override
          public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
          }

          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            if (left == 0) {
              return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n < 0) {
              throw new EOFException(
                  "The spill file "
                      + file
                      + " ended "
                      + left
                      + " bytes before the end of the segment at "
                      + segment.offset()
                      + " that its index names");
            }
            left -= n;
            return n;
          }

          @Override
          public void close() throws IOException {
            in.close();
          }
        },
        64 * 1024);
  }

  private static SeekableByteChannel open(ResourceId file) throws IOException {
    ReadableByteChannel channel = FileSystems.open(file);
    if (channel instanceof SeekableByteChannel seekable) {
      return seekable;
    }
    channel.close();
    throw new IOException(
        "The file system of " + file + " cannot read a spill file by ranges (not seekable)");
  }

  private static ByteBuffer readFully(
      SeekableByteChannel channel, long position, int length, ResourceId file) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(length);
    channel.position(position);
    while (buffer.hasRemaining()) {
      if (channel.read(buffer) < 0) {
        throw new EOFException(
            "The spill file "
                + file
                + " ended at byte "
                + (position + buffer.position())
                + ", before the "
                + length
                + " bytes at "
                + position
                + " that its index names");
      }
    }
    buffer.flip();
    return buffer;
  }

  private static String notASpillFile(ResourceId file, String why) {
    return "Not a complete spill file (" + why + "): " + file;
  }
}
