package io.datalake.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/** How often a worker logs what it is doing. */
public interface ProgressOptions extends PipelineOptions {
  @Description(
      "Seconds between progress lines in each worker's log: records per kind per second (in, out,"
          + " dead-lettered, late), the event-time watermark and the Kafka backlog per topic. 0 turns"
          + " them off.")
  @Default.Integer(10)
  Integer getProgressSeconds();

  void setProgressSeconds(Integer value);
}
