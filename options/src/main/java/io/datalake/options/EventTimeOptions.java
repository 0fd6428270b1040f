package io.datalake.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/** Which event times the pipeline trusts, in batch and streaming. */
public interface EventTimeOptions extends PipelineOptions {
  @Description(
      "How far, in seconds, a record's event time may lie ahead of the clock of the worker that"
          + " parses it. A record dated further ahead is a dead letter (step parse) in the lake and"
          + " in ClickHouse, in batch and streaming. The default, one day, admits producers whose"
          + " clocks are off or that stamp local time as UTC (at most 14 hours ahead); a time"
          + " further ahead is a bug, and in streaming a row dated ahead of the clock waits in"
          + " its window until the clock reaches it, so this also bounds how long such a row"
          + " stays in state. 0 rejects every event time ahead of the clock.")
  @Default.Long(86400)
  Long getMaxFutureSeconds();

  void setMaxFutureSeconds(Long value);
}
