package io.datalake.transforms.io;

import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Splits a stream into lines (LF or CRLF), numbered from 1, a final line without a line end
 * included. A line longer than the limit is not kept: only its length is reported, so one huge line
 * cannot exhaust the memory. {@link ReadJsonLines} reads its files with it, and so does the
 * benchmark's plain-Java baseline.
 *
 * <p>Reads in blocks and scans them for line ends: a byte-at-a-time read through a (synchronized)
 * BufferedInputStream was the largest single cost of a batch run.
 */
public final class JsonLines {
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long LINE_FEEDS = 0x0A0A0A0A0A0A0A0AL;
  private static final long LOW_SEVEN_BITS = 0x7F7F7F7F7F7F7F7FL;

  private JsonLines() {}

  /** A place to cut a stream of lines: just after a line end, and the number of the next line. */
  public record Cut(long offset, long nextLine) {}

  /**
   * Where to cut a stream into parts of at least {@code desiredBytes} that hold whole lines: just
   * after the first line end at or past each {@code desiredBytes} from the previous cut. A cut at
   * the stream's very end is left out (it would start an empty part). Reads the stream once,
   * counting its line ends eight bytes at a time.
   */
  public static List<Cut> cuts(InputStream in, long desiredBytes) throws IOException {
    if (desiredBytes <= 0) {
      throw new IllegalArgumentException("desiredBytes must be more than 0, got " + desiredBytes);
    }
    List<Cut> cuts = new ArrayList<>();
    byte[] block = new byte[1 << 16];
    long offset = 0;
    long lineEnds = 0;
    long nextCut = desiredBytes;
    int n;
    while ((n = in.readNBytes(block, 0, block.length)) > 0) {
      int i = 0;
      while (i < n) {
        long untilCut = nextCut - (offset + i);
        if (untilCut > 0) {
          int stop = (int) Math.min(n, i + untilCut);
          lineEnds += countLineEnds(block, i, stop);
          i = stop;
        } else {
          while (i < n && block[i] != '\n') {
            i++;
          }
          if (i < n) {
            lineEnds++;
            i++;
            cuts.add(new Cut(offset + i, lineEnds + 1));
            nextCut = offset + i + desiredBytes;
          }
        }
      }
      offset += n;
    }
    if (!cuts.isEmpty() && cuts.get(cuts.size() - 1).offset() == offset) {
      cuts.remove(cuts.size() - 1);
    }
    return cuts;
  }

  /**
   * The line feeds in {@code bytes[from, to)}, a word at a time: a byte of {@code x = word ^
   * 0x0A...} is zero exactly where the word has a line feed, and {@code ((x & 0x7F) + 0x7F) | x}
   * has its high bit clear exactly for a zero byte (no carry crosses a byte).
   */
  static int countLineEnds(byte[] bytes, int from, int to) {
    int count = 0;
    int i = from;
    for (; i + Long.BYTES <= to; i += Long.BYTES) {
      long x = (long) LONGS.get(bytes, i) ^ LINE_FEEDS;
      long t = ((x & LOW_SEVEN_BITS) + LOW_SEVEN_BITS) | x;
      count += Long.bitCount(~(t | LOW_SEVEN_BITS));
    }
    for (; i < to; i++) {
      if (bytes[i] == '\n') {
        count++;
      }
    }
    return count;
  }

  /** Receives each line: its bytes (without the line end), or null when it exceeds the limit. */
  @FunctionalInterface
  public interface LineConsumer {
    void line(long lineNumber, byte[] bytesOrNull, long length) throws IOException;
  }

  public static void read(InputStream in, int maxLineBytes, LineConsumer consumer)
      throws IOException {
    byte[] block = new byte[1 << 16];
    LineBuffer line = new LineBuffer(maxLineBytes);
    long lineNumber = 0;
    int n;
    while ((n = in.read(block)) != -1) {
      int start = 0;
      for (int i = 0; i < n; i++) {
        if (block[i] == '\n') {
          line.append(block, start, i - start);
          emit(consumer, ++lineNumber, line, maxLineBytes);
          line.reset();
          start = i + 1;
        }
      }
      line.append(block, start, n - start);
    }
    if (line.length() > 0) {
      emit(consumer, lineNumber + 1, line, maxLineBytes);
    }
  }

  private static void emit(LineConsumer consumer, long lineNumber, LineBuffer line, int limit)
      throws IOException {
    consumer.line(
        lineNumber,
        line.length() > limit ? null : line.bytesWithoutTrailingCarriageReturn(),
        line.length());
  }

  /** One line's bytes, kept up to a limit; beyond it only the length is counted. */
  private static final class LineBuffer {
    private final int limit;
    private byte[] bytes = new byte[8192];
    private int kept;
    private long length;

    LineBuffer(int limit) {
      this.limit = limit;
    }

    void append(byte[] source, int offset, int count) {
      length += count;
      int keep = (int) Math.min(count, Math.max(0, (long) limit - kept));
      if (keep == 0) {
        return;
      }
      if (kept + keep > bytes.length) {
        bytes =
            Arrays.copyOf(
                bytes,
                Math.max(kept + keep, (int) Math.min(Integer.MAX_VALUE - 8, bytes.length * 2L)));
      }
      System.arraycopy(source, offset, bytes, kept, keep);
      kept += keep;
    }

    long length() {
      return length;
    }

    byte[] bytesWithoutTrailingCarriageReturn() {
      int end = kept > 0 && bytes[kept - 1] == '\r' ? kept - 1 : kept;
      return Arrays.copyOf(bytes, end);
    }

    void reset() {
      kept = 0;
      length = 0;
    }
  }
}
