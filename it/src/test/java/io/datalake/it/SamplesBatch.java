package io.datalake.it;

import io.datalake.options.DatalakeOptions;
import io.datalake.pipelines.DatalakePipeline;
import io.datalake.testing.LocalServices;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/** The bundled samples (the demo's input) through the batch pipeline, into a warehouse database. */
final class SamplesBatch {
  private SamplesBatch() {}

  /**
   * Runs the batch pipeline (DirectRunner) on pipelines/samples/input into {@code lake} and the
   * local ClickHouse's {@code database}, as the admin.
   */
  static void run(Path lake, String database) {
    Path samples =
        Path.of(System.getProperty("datalake.project.dir", ".."), "pipelines", "samples", "input")
            .toAbsolutePath()
            .normalize();
    List<String> args = new ArrayList<>();
    args.add("--input=" + samples);
    args.add("--lake=" + lake);
    args.add("--piiDevelopmentKeyset=true");
    args.addAll(LocalServices.clickhouseArgs());
    args.add("--clickhouseDatabase=" + database);
    DatalakePipeline.run(
        PipelineOptionsFactory.fromArgs(args.toArray(String[]::new)).as(DatalakeOptions.class));
  }
}
