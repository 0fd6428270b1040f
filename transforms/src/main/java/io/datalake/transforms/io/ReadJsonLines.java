package io.datalake.transforms.io;

import com.google.auto.value.AutoValue;
import io.datalake.transforms.kinds.RecordKind;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.model.SourceRecord;
import io.datalake.transforms.monitor.PipelineMetrics;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;

/**
 * Reads the batch input: {@code <input>/<kind>/} folders of JSON lines files ({@code *.jsonl},
 * {@code *.json}, optionally {@code .gz}), one record per line, each with its file and line number.
 * A missing folder is no input. Lines longer than the limit are not kept in memory: they become
 * oversize records (dead letters downstream).
 *
 * <p>A large plain file is read in {@link LineRange}s cut at line ends (one pass counts the lines
 * before each cut, so a record keeps its line number in the file), spread over the workers; a
 * compressed file is read whole by one worker.
 *
 * <p>A compressed file that turns out corrupt or truncated part way keeps the lines read before the
 * damage; one unreadable record (a dead letter of step {@code read} downstream, at {@code
 * file:<last good line + 1>}) stands for the rest, and the batch goes on. A failure to read the
 * file's bytes from its file system (a network error, say) is not corruption: it fails the bundle
 * as before, so that the runner retries it instead of dead-lettering good data.
 */
@AutoValue
public abstract class ReadJsonLines extends PTransform<PBegin, PCollection<SourceRecord>> {
  /** The longest line kept as a record unless told otherwise: 16 MiB. */
  public static final int DEFAULT_MAX_RECORD_BYTES = 16 * 1024 * 1024;

  /**
   * Plain files are read in ranges of about this many bytes unless told otherwise (32 MiB), so that
   * a few large files still keep every worker busy; a compressed file is read whole.
   */
  public static final long DEFAULT_DESIRED_BUNDLE_SIZE_BYTES = 32L << 20;

  /** The input folder, ending in {@code /}. */
  abstract String input();

  abstract int maxRecordBytes();

  abstract RecordKinds kinds();

  abstract long desiredBundleSizeBytes();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setInput(String value);

    abstract Builder setMaxRecordBytes(int value);

    abstract Builder setKinds(RecordKinds value);

    abstract Builder setDesiredBundleSizeBytes(long value);

    abstract ReadJsonLines build();
  }

  /** Reads the {@code <input>/<kind>/} folders of the built-in kinds. */
  public static ReadJsonLines from(String input) {
    return new AutoValue_ReadJsonLines.Builder()
        .setInput(input.endsWith("/") ? input : input + "/")
        .setMaxRecordBytes(DEFAULT_MAX_RECORD_BYTES)
        .setKinds(RecordKinds.builtIn())
        .setDesiredBundleSizeBytes(DEFAULT_DESIRED_BUNDLE_SIZE_BYTES)
        .build();
  }

  /** Lines longer than this many bytes become oversize records (dead letters downstream). */
  public ReadJsonLines withMaxRecordBytes(int value) {
    if (value <= 0) {
      throw new IllegalArgumentException("--maxRecordBytes must be more than 0, got " + value);
    }
    return toBuilder().setMaxRecordBytes(value).build();
  }

  /** Reads the input folder of each of {@code value}; the built-in kinds unless set. */
  public ReadJsonLines withKinds(RecordKinds value) {
    return toBuilder().setKinds(java.util.Objects.requireNonNull(value)).build();
  }

  /**
   * Plain files of at least twice this many bytes are read in ranges of about this size, each by
   * one worker ({@link #DEFAULT_DESIRED_BUNDLE_SIZE_BYTES} unless set); as TextIO's option of the
   * same name.
   */
  public ReadJsonLines withDesiredBundleSizeBytes(long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(
          "desiredBundleSizeBytes must be more than 0, got " + value);
    }
    return toBuilder().setDesiredBundleSizeBytes(value).build();
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("input", input()).withLabel("Input folder"))
        .add(DisplayData.item("maxRecordBytes", maxRecordBytes()).withLabel("Max record bytes"))
        .add(
            DisplayData.item("desiredBundleSizeBytes", desiredBundleSizeBytes())
                .withLabel("Bytes per range of a plain file"));
  }

  /** The file pattern of one kind's input. */
  public static String pattern(String input, RecordKind kind) {
    return (input.endsWith("/") ? input : input + "/") + kind.folder() + "/*";
  }

  /**
   * The files a batch over {@code input} reads, every kind's: what the graph's per-kind match and
   * filter find, listed here before the run (its id is their digest; the launcher weighs them).
   */
  public static List<MatchResult.Metadata> inputFiles(String input, RecordKinds kinds)
      throws IOException {
    List<MatchResult.Metadata> files = new ArrayList<>();
    for (RecordKind kind : kinds.all()) {
      MatchResult match = FileSystems.match(pattern(input, kind), EmptyMatchTreatment.ALLOW);
      if (match.status() == MatchResult.Status.ERROR) {
        match.metadata(); // throws what the file system said: a store down is not "no input"
      }
      if (match.status() != MatchResult.Status.OK) {
        continue;
      }
      for (MatchResult.Metadata m : match.metadata()) {
        if (isInputFile(m.resourceId().getFilename())) {
          files.add(m);
        }
      }
    }
    return files;
  }

  /**
   * Whether a file of a kind's folder is input: JSON lines named {@code .jsonl}, {@code .ndjson} or
   * {@code .json}, in any case, plain or gzipped ({@code .gz}). What else lies there is not read,
   * and the run says so ({@code PreRunSteps}).
   */
  public static boolean isInputFile(String name) {
    String n = (LineRange.isGzip(name) ? name.substring(0, name.length() - 3) : name);
    return endsWithIgnoreCase(n, ".jsonl")
        || endsWithIgnoreCase(n, ".ndjson")
        || endsWithIgnoreCase(n, ".json");
  }

  private static boolean endsWithIgnoreCase(String name, String suffix) {
    return name.regionMatches(true, name.length() - suffix.length(), suffix, 0, suffix.length());
  }

  @Override
  public PCollection<SourceRecord> expand(PBegin begin) {
    List<PCollection<LineRange>> perKind = new ArrayList<>();
    for (RecordKind kind : kinds().all()) {
      perKind.add(
          begin
              .apply(
                  "Match_" + kind.folder(),
                  FileIO.match()
                      .filepattern(pattern(input(), kind))
                      .withEmptyMatchTreatment(EmptyMatchTreatment.ALLOW))
              .apply(
                  "JsonLinesFiles_" + kind.folder(),
                  Filter.by(m -> isInputFile(m.resourceId().getFilename())))
              .apply(
                  "SplitLines_" + kind.folder(),
                  ParDo.of(new SplitLinesFn(kind.name(), desiredBundleSizeBytes())))
              .setCoder(LineRange.Coder.of()));
    }
    return PCollectionList.of(perKind)
        .apply("AllKinds", Flatten.pCollections())
        // Only the ranges cross between workers. Each worker reads the lines of its ranges in the
        // thread that parses them (on Flink, ReadLines is chained to the step after it); lines
        // that crossed a shuffle were encoded, written and decoded once each, and in a batch on
        // Flink every line was read before the first was parsed.
        .apply("SpreadRanges", Reshuffle.viaRandomKey())
        .apply("ReadLines", ParDo.of(new ReadLinesFn(kinds(), maxRecordBytes())))
        .setCoder(SourceRecord.Coder.of(kinds()));
  }

  /**
   * Cuts a plain file of at least twice the desired size into ranges of about that size, at line
   * ends, counting the lines before each cut (one pass over the file); a smaller or compressed file
   * is one range.
   */
  static class SplitLinesFn extends DoFn<MatchResult.Metadata, LineRange> {
    private final String kind;
    private final long desiredBytes;

    SplitLinesFn(String kind, long desiredBytes) {
      this.kind = kind;
      this.desiredBytes = desiredBytes;
    }

    @ProcessElement
    public void process(@Element MatchResult.Metadata file, OutputReceiver<LineRange> out)
        throws IOException {
      String name = file.resourceId().toString();
      if (LineRange.isGzip(name) || file.sizeBytes() < 2 * desiredBytes) {
        out.output(LineRange.wholeFile(kind, name));
        return;
      }
      List<JsonLines.Cut> cuts;
      try (InputStream in = Channels.newInputStream(FileSystems.open(file.resourceId()))) {
        cuts = JsonLines.cuts(in, desiredBytes);
      }
      long start = 0;
      long line = 1;
      for (JsonLines.Cut cut : cuts) {
        out.output(LineRange.of(kind, name, start, cut.offset(), line));
        start = cut.offset();
        line = cut.nextLine();
      }
      out.output(LineRange.of(kind, name, start, LineRange.TO_END, line));
    }
  }

  static class ReadLinesFn extends DoFn<LineRange, SourceRecord> {
    /** Lines read between two increments of the records-read counter. */
    static final int LINES_PER_COUNT = 1_000;

    private final RecordKinds kinds;
    private final int maxRecordBytes;
    private final PipelineMetrics.Counters read = PipelineMetrics.Family.RECORDS_READ.counters();

    ReadLinesFn(RecordKinds kinds, int maxRecordBytes) {
      this.kinds = kinds;
      this.maxRecordBytes = maxRecordBytes;
    }

    @ProcessElement
    public void process(@Element LineRange range, OutputReceiver<SourceRecord> out)
        throws IOException {
      RecordKind kind = kinds.byName(range.kind());
      String name = range.file();
      long[] lastLine = {range.firstLine() - 1};
      // Lines read and not yet counted: a counter's increment per line went through the runner's
      // metrics container each time (5% of a Flink batch's samples), so lines are counted in
      // batches, and the rest when the range ends or fails.
      long[] uncounted = {0};
      try (InputStream raw = MarkedStream.source(open(range));
          InputStream in = range.gzip() ? MarkedStream.decompressed(new GzipStream(raw)) : raw) {
        JsonLines.read(
            in,
            maxRecordBytes,
            (lineInRange, bytes, length) -> {
              if (++uncounted[0] == LINES_PER_COUNT) {
                read.inc(kind.name(), uncounted[0]);
                uncounted[0] = 0;
              }
              long lineNumber = range.firstLine() - 1 + lineInRange;
              lastLine[0] = lineNumber;
              String position = name + ":" + lineNumber;
              out.output(
                  bytes == null
                      ? SourceRecord.oversize(kind, position, length)
                      : SourceRecord.of(kind, position, bytes));
            });
      } catch (CorruptInputException e) {
        read.inc(kind.name());
        out.output(
            SourceRecord.unreadable(
                kind,
                name + ":" + (lastLine[0] + 1),
                "the gzip file is corrupt or truncated after"
                    + " line "
                    + lastLine[0]
                    + " ("
                    + e.getMessage()
                    + "): the rest of the file is unreadable;"
                    + " the lines before it are kept"));
      } catch (SourceReadException e) {
        throw e.getCause();
      } finally {
        if (uncounted[0] > 0) {
          read.inc(kind.name(), uncounted[0]);
        }
      }
    }

    /** The range's bytes: the file from the range's start, up to its end. */
    private static InputStream open(LineRange range) throws IOException {
      ReadableByteChannel channel =
          FileSystems.open(FileSystems.matchNewResource(range.file(), false));
      InputStream in = Channels.newInputStream(channel);
      try {
        if (range.start() > 0) {
          if (channel instanceof SeekableByteChannel seekable) {
            seekable.position(range.start());
          } else {
            in.skipNBytes(range.start());
          }
        }
      } catch (IOException | RuntimeException e) {
        in.close();
        throw e;
      }
      return range.end() == LineRange.TO_END
          ? in
          : new BoundedStream(in, range.end() - range.start());
    }
  }

  /** The first {@code remaining} bytes of a stream. */
  private static final class BoundedStream extends FilterInputStream {
    private long remaining;

    BoundedStream(InputStream in, long remaining) {
      super(in);
      this.remaining = remaining;
    }

    @Override
    public int read() throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int b = super.read();
      if (b >= 0) {
        remaining--;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int n = super.read(b, off, (int) Math.min(len, remaining));
      if (n > 0) {
        remaining -= n;
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long skipped = super.skip(Math.min(n, remaining));
      remaining -= skipped;
      return skipped;
    }

    @Override
    public int available() throws IOException {
      return (int) Math.min(super.available(), remaining);
    }
  }

  /** A read of the file's own bytes failed: the file system's error, not the file's content. */
  private static final class SourceReadException extends IOException {
    SourceReadException(IOException cause) {
      super(cause);
    }

    @Override
    public synchronized IOException getCause() {
      return (IOException) super.getCause();
    }
  }

  /** The decompressor rejected the content. The message names the error, never the data. */
  private static final class CorruptInputException extends IOException {
    CorruptInputException(Throwable cause) {
      super(describe(cause));
    }

    private static String describe(Throwable cause) {
      // zlib's and commons-compress's messages are fixed texts ("invalid block type", "Unexpected
      // end of ZLIB input stream"); cut anyway, a dead letter's error is no place for a long text.
      String message = cause.getMessage() == null ? "" : ": " + cause.getMessage();
      String text = cause.getClass().getSimpleName() + message;
      return text.length() > 160 ? text.substring(0, 160) : text;
    }
  }

  /**
   * A stream whose read failures are marked with where they came from, so that the reader can tell
   * a failing file system (fail the bundle, the runner retries) from corrupt content (a dead
   * letter). A failure already marked as the source's passes through unchanged.
   */
  private static final class MarkedStream extends FilterInputStream {
    private final boolean decompressed;

    private MarkedStream(InputStream in, boolean decompressed) {
      super(in);
      this.decompressed = decompressed;
    }

    /** The file's raw bytes: an IOException reading them is the source's. */
    static InputStream source(InputStream raw) {
      return new MarkedStream(raw, false);
    }

    /**
     * The decompressed content. Any other failure than the source's while decompressing means the
     * content is corrupt: a RuntimeException too, as a decoder may throw one on bytes it never
     * expected.
     */
    static InputStream decompressed(InputStream decompressing) {
      return new MarkedStream(decompressing, true);
    }

    @Override
    public int read() throws IOException {
      try {
        return super.read();
      } catch (IOException | RuntimeException e) {
        throw mark(e);
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        return super.read(b, off, len);
      } catch (IOException | RuntimeException e) {
        throw mark(e);
      }
    }

    private IOException mark(Exception e) {
      if (e instanceof SourceReadException source) {
        return source;
      }
      if (decompressed) {
        return new CorruptInputException(e);
      }
      if (e instanceof RuntimeException unexpected) {
        throw unexpected;
      }
      return new SourceReadException((IOException) e);
    }
  }
}
