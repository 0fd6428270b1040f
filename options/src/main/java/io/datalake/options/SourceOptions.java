package io.datalake.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/** Where the records come from: files in batch, Kafka in streaming. */
public interface SourceOptions extends PipelineOptions {
  /** The kinds of source the graph can read from. */
  enum Source {
    files,
    kafka
  }

  @Description("Where records come from: 'files' (batch, see --input) or 'kafka' (streaming).")
  @Default.Enum("files")
  Source getSource();

  void setSource(Source value);

  @Description(
      "Longest record accepted, in bytes: an input line, or a Kafka record's value; a longer one"
          + " becomes a dead letter of step read (a line's content is not kept in memory past this"
          + " size).")
  @Default.Integer(16 * 1024 * 1024)
  Integer getMaxRecordBytes();

  void setMaxRecordBytes(Integer value);
}
