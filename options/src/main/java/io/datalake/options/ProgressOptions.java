package io.datalake.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/** How often a worker logs what it is doing. */
public interface ProgressOptions extends PipelineOptions {
  @Description(
      "Seconds between progress lines in each worker's log, one per instance of the parse step"
          + " (records per kind per second: in, out, dead-lettered) and of the late-row router (late"
          + " rows). 0 turns them off.")
  @Default.Integer(10)
  Integer getProgressSeconds();

  void setProgressSeconds(Integer value);
}
