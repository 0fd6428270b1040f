package io.datalake.transforms.io;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

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
  private JsonLines() {}

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
