package io.datalake.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * Encryption of personal data. Only the keyset's location travels with the pipeline: the keys are
 * read where the work runs, never serialized into the graph or the options.
 */
public interface PiiOptions extends PipelineOptions {
  @Description(
      "Tink JSON keyset file (local path, s3:// or any Beam file system) used to encrypt PII."
          + " Create one with './datalake keys create FILE'. Required unless"
          + " --piiDevelopmentKeyset=true.")
  @Default.String("")
  String getPiiKeyset();

  void setPiiKeyset(String value);

  @Description(
      "Use the built-in development keyset when no --piiKeyset is given (a --piiKeyset given"
          + " wins). Its key is public: for local trials only, never for real data.")
  @Default.Boolean(false)
  Boolean getPiiDevelopmentKeyset();

  void setPiiDevelopmentKeyset(Boolean value);

  @Description(
      "PII policy file (JSON: kind -> list of field paths). Empty uses the built-in policy, which"
          + " covers the PII of the documented VTEX and epilot payloads.")
  @Default.String("")
  String getPiiPolicy();

  void setPiiPolicy(String value);
}
