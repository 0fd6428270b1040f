package io.datalake.pipelines.cli;

import io.datalake.options.DatalakeOptions;
import io.datalake.transforms.io.ReadJsonLines;
import io.datalake.transforms.kinds.RecordKinds;
import java.io.IOException;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult;

/** How much a batch run would read: for the warning about the DirectRunner on a large input. */
final class DirectRunnerInput {
  private DirectRunnerInput() {}

  /**
   * The bytes on disk of the files the run would read (gzipped files count compressed), or 0 when
   * there is no input or it cannot be listed: the run itself then reports that, this is only a
   * warning.
   */
  static long totalBytes(DatalakeOptions options) {
    String input = options.getInput();
    if (input == null || input.isBlank()) {
      return 0;
    }
    FileSystems.setDefaultPipelineOptions(options);
    long total = 0;
    try {
      for (MatchResult.Metadata m : ReadJsonLines.inputFiles(input, RecordKinds.builtIn())) {
        total += m.sizeBytes();
      }
    } catch (IOException e) {
      return 0; // listing failed: the run reports it
    }
    return total;
  }
}
