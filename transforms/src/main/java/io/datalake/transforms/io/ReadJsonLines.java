package io.datalake.transforms.io;

import io.datalake.transforms.kinds.RecordKind;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.model.SourceRecord;
import io.datalake.transforms.monitor.PipelineMetrics;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
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
 * <p>A compressed file that turns out corrupt or truncated part way keeps the lines read before the
 * damage; one unreadable record (a dead letter of step {@code read} downstream, at {@code
 * file:<last good line + 1>}) stands for the rest, and the batch goes on. A failure to read the
 * file's bytes from its file system (a network error, say) is not corruption: it fails the bundle
 * as before, so that the runner retries it instead of dead-lettering good data.
 */
public class ReadJsonLines extends PTransform<PBegin, PCollection<SourceRecord>> {
  /** The longest line kept as a record unless told otherwise: 16 MiB. */
  public static final int DEFAULT_MAX_RECORD_BYTES = 16 * 1024 * 1024;

  private final String input;
  private final int maxRecordBytes;
  private final RecordKinds kinds;

  /** Reads the {@code <input>/<kind>/} folders of the built-in kinds. */
  public static ReadJsonLines from(String input) {
    return new ReadJsonLines(input, DEFAULT_MAX_RECORD_BYTES, RecordKinds.builtIn());
  }

  private ReadJsonLines(String input, int maxRecordBytes, RecordKinds kinds) {
    this.input = input.endsWith("/") ? input : input + "/";
    this.maxRecordBytes = maxRecordBytes;
    this.kinds = kinds;
  }

  /** Lines longer than this many bytes become oversize records (dead letters downstream). */
  public ReadJsonLines withMaxRecordBytes(int value) {
    if (value <= 0) {
      throw new IllegalArgumentException("--maxRecordBytes must be more than 0, got " + value);
    }
    return new ReadJsonLines(input, value, kinds);
  }

  /** Reads the input folder of each of {@code value}; the built-in kinds unless set. */
  public ReadJsonLines withKinds(RecordKinds value) {
    return new ReadJsonLines(input, maxRecordBytes, java.util.Objects.requireNonNull(value));
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("input", input).withLabel("Input folder"))
        .add(DisplayData.item("maxRecordBytes", maxRecordBytes).withLabel("Max record bytes"));
  }

  /** The file pattern of one kind's input. */
  public static String pattern(String input, RecordKind kind) {
    return (input.endsWith("/") ? input : input + "/") + kind.folder() + "/*";
  }

  public static boolean isInputFile(String name) {
    String n = name.endsWith(".gz") ? name.substring(0, name.length() - 3) : name;
    return n.endsWith(".jsonl") || n.endsWith(".json");
  }

  @Override
  public PCollection<SourceRecord> expand(PBegin begin) {
    List<PCollection<SourceRecord>> perKind = new ArrayList<>();
    for (RecordKind kind : kinds.all()) {
      perKind.add(
          begin
              .apply(
                  "Match_" + kind.folder(),
                  FileIO.match()
                      .filepattern(pattern(input, kind))
                      .withEmptyMatchTreatment(EmptyMatchTreatment.ALLOW))
              .apply(
                  "JsonLinesFiles_" + kind.folder(),
                  Filter.by(m -> isInputFile(m.resourceId().getFilename())))
              .apply(
                  "Open_" + kind.folder(),
                  // Decompressed in ReadLinesFn, to tell a corrupt file from a failing read.
                  FileIO.readMatches().withCompression(Compression.UNCOMPRESSED))
              .apply("ReadLines_" + kind.folder(), ParDo.of(new ReadLinesFn(kind, maxRecordBytes)))
              .setCoder(SourceRecord.Coder.of(kinds)));
    }
    return PCollectionList.of(perKind)
        .apply("AllKinds", Flatten.pCollections())
        .setCoder(SourceRecord.Coder.of(kinds));
  }

  static class ReadLinesFn extends DoFn<FileIO.ReadableFile, SourceRecord> {
    /** Lines read between two increments of the records-read counter. */
    static final int LINES_PER_COUNT = 1_000;

    private final RecordKind kind;
    private final int maxRecordBytes;
    private final PipelineMetrics.Counters read = PipelineMetrics.Family.RECORDS_READ.counters();

    ReadLinesFn(RecordKind kind, int maxRecordBytes) {
      this.kind = kind;
      this.maxRecordBytes = maxRecordBytes;
    }

    @ProcessElement
    public void process(@Element FileIO.ReadableFile file, OutputReceiver<SourceRecord> out)
        throws IOException {
      String name = file.getMetadata().resourceId().toString();
      boolean gzip = name.endsWith(".gz");
      long[] lastLine = {0};
      // Lines read and not yet counted: a counter's increment per line went through the runner's
      // metrics container each time (5% of a Flink batch's samples), so lines are counted in
      // batches, and the rest when the file ends or fails.
      long[] uncounted = {0};
      try (InputStream raw = MarkedStream.source(Channels.newInputStream(file.open()));
          InputStream in = gzip ? MarkedStream.decompressed(new GzipStream(raw)) : raw) {
        JsonLines.read(
            in,
            maxRecordBytes,
            (lineNumber, bytes, length) -> {
              if (++uncounted[0] == LINES_PER_COUNT) {
                read.inc(kind.name(), uncounted[0]);
                uncounted[0] = 0;
              }
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
