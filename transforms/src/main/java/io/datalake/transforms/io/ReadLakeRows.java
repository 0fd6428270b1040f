package io.datalake.transforms.io;

import io.datalake.transforms.model.LakeRow;
import io.datalake.transforms.schema.LakeTable;
import java.util.List;
import java.util.Objects;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.parquet.ParquetIO;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;

/**
 * Reads the rows of one lake table back from its Parquet files (named one by one, as a listing of
 * the lake found them), as {@link LakeRow}s placed by their own tenant and event-time columns: what
 * the pipeline wrote, read again, e.g. to compute a month's snapshot from the lake.
 *
 * <p>A row without its tenant or event time cannot have been written by the pipeline (both are
 * required columns of every lake table): such a file fails the read, naming the table and the
 * column, rather than giving a snapshot computed from part of the lake.
 */
public class ReadLakeRows extends PTransform<PBegin, PCollection<LakeRow>> {
  private final LakeTable table;
  private final List<String> files;

  /** Reads the rows of {@code table} in {@code files} (full paths or URIs); none: no rows. */
  public static ReadLakeRows of(LakeTable table, List<String> files) {
    return new ReadLakeRows(Objects.requireNonNull(table, "table"), List.copyOf(files));
  }

  private ReadLakeRows(LakeTable table, List<String> files) {
    this.table = table;
    this.files = files;
  }

  @Override
  public PCollection<LakeRow> expand(PBegin begin) {
    return begin
        .apply("Files", Create.of(files).withCoder(StringUtf8Coder.of()))
        // A file listed a moment ago and gone now (replaced by a rerun) is an error, not nothing.
        .apply("Match", FileIO.matchAll().withEmptyMatchTreatment(EmptyMatchTreatment.DISALLOW))
        .apply("Open", FileIO.readMatches())
        .apply(
            "ReadParquet",
            ParquetIO.readFiles(table.avroSchema())
                .withConfiguration(WriteLakeTables.parquetConfiguration()))
        .apply("ToLakeRows", ParDo.of(new ToLakeRowFn(table)))
        .setCoder(LakeRow.Coder.of());
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("table", table.name()).withLabel("Lake table"))
        .add(DisplayData.item("files", files.size()).withLabel("Files"));
  }

  /** A record of the table, placed by its tenant and event-time columns. */
  static class ToLakeRowFn extends DoFn<GenericRecord, LakeRow> {
    private final LakeTable table;

    ToLakeRowFn(LakeTable table) {
      this.table = table;
    }

    @ProcessElement
    public void process(@Element GenericRecord record, OutputReceiver<LakeRow> out) {
      Object tenant = record.get(table.tenantColumn());
      Object time = record.get(table.eventTimeColumn());
      if (tenant == null || !(time instanceof Long micros)) {
        throw new IllegalStateException(
            "a row of lake table "
                + table.name()
                + " has no "
                + (tenant == null ? table.tenantColumn() : table.eventTimeColumn())
                + ": the lake holds a file the pipeline did not write");
      }
      out.output(new LakeRow(table.name(), tenant.toString(), micros, record));
    }
  }
}
