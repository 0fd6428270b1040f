package io.datalake.transforms.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Objects;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;

/**
 * A part of one input file that one worker reads: whole lines from byte {@link #start()} to byte
 * {@link #end()}, the first of them line {@link #firstLine()} of the file. A range starts at a
 * file's start or just after a line end, and ends just after a line end or at the file's end, so
 * that no line is cut and every line keeps its number in the file. A compressed file is one range,
 * read whole.
 */
public final class LineRange {
  /** {@link #end()} of a range that runs to the end of its file, however long the file is now. */
  public static final long TO_END = Long.MAX_VALUE;

  private final String kind;
  private final String file;
  private final long start;
  private final long end;
  private final long firstLine;

  private LineRange(String kind, String file, long start, long end, long firstLine) {
    if (start < 0 || end < start || firstLine < 1) {
      throw new IllegalArgumentException(
          "bad range of " + file + ": [" + start + ", " + end + "), first line " + firstLine);
    }
    this.kind = Objects.requireNonNull(kind, "kind");
    this.file = Objects.requireNonNull(file, "file");
    this.start = start;
    this.end = end;
    this.firstLine = firstLine;
  }

  /** All of {@code file}, an input of the kind named {@code kind}. */
  public static LineRange wholeFile(String kind, String file) {
    return new LineRange(kind, file, 0, TO_END, 1);
  }

  /** Lines from {@code start} (line {@code firstLine}) to {@code end} of a plain file. */
  public static LineRange of(String kind, String file, long start, long end, long firstLine) {
    if (isGzip(file)) {
      throw new IllegalArgumentException("a compressed file is read whole: " + file);
    }
    return new LineRange(kind, file, start, end, firstLine);
  }

  /** Whether a file of this name is gzip-compressed: the input's rule, by its suffix. */
  public static boolean isGzip(String file) {
    return file.regionMatches(true, file.length() - 3, ".gz", 0, 3);
  }

  /** The name of the kind of record the file holds. */
  public String kind() {
    return kind;
  }

  /** The file, as its file system names it. */
  public String file() {
    return file;
  }

  /** Whether the file is gzip-compressed (then the range is the whole file). */
  public boolean gzip() {
    return isGzip(file);
  }

  public long start() {
    return start;
  }

  /** The byte after the range, or {@link #TO_END}. */
  public long end() {
    return end;
  }

  /** The number in the file of the range's first line (from 1). */
  public long firstLine() {
    return firstLine;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LineRange r
        && kind.equals(r.kind)
        && file.equals(r.file)
        && start == r.start
        && end == r.end
        && firstLine == r.firstLine;
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, file, start, end, firstLine);
  }

  @Override
  public String toString() {
    return file + "[" + start + ", " + (end == TO_END ? "end" : end) + ") from line " + firstLine;
  }

  /** A deterministic coder: a few hundred of these cross a shuffle, never the lines. */
  public static final class Coder extends AtomicCoder<LineRange> {
    private static final Coder INSTANCE = new Coder();

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    public void encode(LineRange value, OutputStream out) throws IOException {
      StringUtf8Coder.of().encode(value.kind, out);
      StringUtf8Coder.of().encode(value.file, out);
      VarLongCoder.of().encode(value.start, out);
      VarLongCoder.of().encode(value.end, out);
      VarLongCoder.of().encode(value.firstLine, out);
    }

    @Override
    public LineRange decode(InputStream in) throws IOException {
      return new LineRange(
          StringUtf8Coder.of().decode(in),
          StringUtf8Coder.of().decode(in),
          VarLongCoder.of().decode(in),
          VarLongCoder.of().decode(in),
          VarLongCoder.of().decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
