package io.datalake.transforms.io;

import io.datalake.transforms.model.EventKind;
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
 */
public class ReadJsonLines extends PTransform<PBegin, PCollection<SourceRecord>> {
  private final String input;
  private final int maxRecordBytes;

  public ReadJsonLines(String input, int maxRecordBytes) {
    this.input = input.endsWith("/") ? input : input + "/";
    this.maxRecordBytes = maxRecordBytes;
  }

  /** The file pattern of one kind's input. */
  public static String pattern(String input, EventKind kind) {
    return (input.endsWith("/") ? input : input + "/") + kind.folder() + "/*";
  }

  public static boolean isInputFile(String name) {
    String n = name.endsWith(".gz") ? name.substring(0, name.length() - 3) : name;
    return n.endsWith(".jsonl") || n.endsWith(".json");
  }

  @Override
  public PCollection<SourceRecord> expand(PBegin begin) {
    List<PCollection<SourceRecord>> perKind = new ArrayList<>();
    for (EventKind kind : EventKind.values()) {
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
              .apply("Open_" + kind.folder(), FileIO.readMatches().withCompression(Compression.AUTO))
              .apply("ReadLines_" + kind.folder(), ParDo.of(new ReadLinesFn(kind, maxRecordBytes)))
              .setCoder(SourceRecord.Coder.of()));
    }
    return PCollectionList.of(perKind)
        .apply("AllKinds", Flatten.pCollections())
        .setCoder(SourceRecord.Coder.of());
  }

  static class ReadLinesFn extends DoFn<FileIO.ReadableFile, SourceRecord> {
    private final EventKind kind;
    private final int maxRecordBytes;
    private final Counter read;

    ReadLinesFn(EventKind kind, int maxRecordBytes) {
      this.kind = kind;
      this.maxRecordBytes = maxRecordBytes;
      this.read = Metrics.counter("datalake", "records_read_" + kind.folder());
    }

    @ProcessElement
    public void process(@Element FileIO.ReadableFile file, OutputReceiver<SourceRecord> out)
        throws IOException {
      String name = file.getMetadata().resourceId().toString();
      try (InputStream in = Channels.newInputStream(file.open())) {
        JsonLines.read(
            in,
            maxRecordBytes,
            (lineNumber, bytes, length) -> {
              read.inc();
              String position = name + ":" + lineNumber;
              out.output(bytes == null ? SourceRecord.oversize(kind, position, length) : SourceRecord.of(kind, position, bytes));
            });
      }
    }
  }
}
