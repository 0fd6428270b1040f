package io.datalake.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/** How records are typed against their declared schemas. */
public interface TypingOptions extends PipelineOptions {
  @Description(
      "Fields dropped before typing, as kind:path pairs separated by commas. The default drops"
          + " VTEX's customizable content, whose shape is per store. Fields not listed and not in"
          + " the schema are kept in the _extra JSON column.")
  @Default.String("checkout-orders:customData")
  String getDropFields();

  void setDropFields(String value);
}
