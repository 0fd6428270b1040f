package io.datalake.transforms.io;

import io.datalake.transforms.kinds.RecordKind;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.model.SourceRecord;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
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
  private final String input;
  private final int maxRecordBytes;
  private final RecordKinds kinds;

  public ReadJsonLines(String input, int maxRecordBytes) {
    this(input, maxRecordBytes, RecordKinds.builtIn());
  }

  /** Reads the input folder of each of {@code kinds}. */
  public ReadJsonLines(String input, int maxRecordBytes, RecordKinds kinds) {
    this.input = input.endsWith("/") ? input : input + "/";
    this.maxRecordBytes = maxRecordBytes;
    this.kinds = kinds;
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
    private final RecordKind kind;
    private final int maxRecordBytes;
    private final Counter read;

    ReadLinesFn(RecordKind kind, int maxRecordBytes) {
      this.kind = kind;
      this.maxRecordBytes = maxRecordBytes;
      this.read = Metrics.counter("datalake", "records_read_" + kind.name());
    }

    @ProcessElement
    public void process(@Element FileIO.ReadableFile file, OutputReceiver<SourceRecord> out)
        throws IOException {
      String name = file.getMetadata().resourceId().toString();
      boolean gzip = name.endsWith(".gz");
      long[] lastLine = {0};
      try (InputStream raw = new SourceStream(Channels.newInputStream(file.open()));
          InputStream in = gzip ? new DecompressedStream(new GzipStream(raw)) : raw) {
        JsonLines.read(
            in,
            maxRecordBytes,
            (lineNumber, bytes, length) -> {
              read.inc();
              lastLine[0] = lineNumber;
              String position = name + ":" + lineNumber;
              out.output(
                  bytes == null
                      ? SourceRecord.oversize(kind, position, length)
                      : SourceRecord.of(kind, position, bytes));
            });
      } catch (CorruptInputException e) {
        read.inc();
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

  /** The file's raw bytes; a failure to read them is marked as the source's. */
  private static final class SourceStream extends java.io.FilterInputStream {
    SourceStream(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      try {
        return super.read();
      } catch (SourceReadException e) {
        throw e;
      } catch (IOException e) {
        throw new SourceReadException(e);
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        return super.read(b, off, len);
      } catch (SourceReadException e) {
        throw e;
      } catch (IOException e) {
        throw new SourceReadException(e);
      }
    }
  }

  /**
   * The decompressed content. Any other failure than the source's while decompressing means the
   * content is corrupt: a RuntimeException too, as a decoder may throw one on bytes it never
   * expected.
   */
  private static final class DecompressedStream extends java.io.FilterInputStream {
    DecompressedStream(InputStream decompressing) {
      super(decompressing);
    }

    @Override
    public int read() throws IOException {
      try {
        return super.read();
      } catch (SourceReadException e) {
        throw e;
      } catch (IOException | RuntimeException e) {
        throw new CorruptInputException(e);
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        return super.read(b, off, len);
      } catch (SourceReadException e) {
        throw e;
      } catch (IOException | RuntimeException e) {
        throw new CorruptInputException(e);
      }
    }
  }
}
