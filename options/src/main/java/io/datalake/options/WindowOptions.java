package io.datalake.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/** Event-time windows of the streaming lake. */
public interface WindowOptions extends PipelineOptions {
  @Description(
      "Fixed event-time window, in seconds, that decides when lake files are finished (streaming).")
  @Default.Integer(300)
  Integer getWindowSeconds();

  void setWindowSeconds(Integer value);

  @Description(
      "How long, in seconds, a window stays open for late records, which land in their true"
          + " partition as additional files. Records later than that are not dropped: they are"
          + " written with late = true.")
  @Default.Integer(86400)
  Integer getAllowedLatenessSeconds();

  void setAllowedLatenessSeconds(Integer value);
}
