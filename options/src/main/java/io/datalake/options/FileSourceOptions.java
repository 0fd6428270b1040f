package io.datalake.options;

import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/** Batch input: one folder per kind of record, JSON lines files inside. */
public interface FileSourceOptions extends PipelineOptions {
  @Description(
      "Input folder (local path or s3://bucket/prefix) with one sub-folder per kind:"
          + " entity-operations/, workflow-executions/, checkout-orders/, journey-sessions/,"
          + " journey-events/, portal-sessions/, portal-events/. Files are JSON lines (*.jsonl,"
          + " *.ndjson, *.json, optionally gzipped *.gz). A missing folder is no input for that"
          + " kind; files elsewhere under it are not read, and the run warns of them.")
  String getInput();

  void setInput(String value);
}
