package io.datalake.pipelines.cli;

import io.datalake.options.DatalakeOptions;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.io.aws2.options.S3Options;

/**
 * What {@code ./datalake run --help} lists: the pipeline's own options and those of the runner and
 * the file system it uses most (the embedded FlinkRunner, S3), which Beam parses from the same
 * command line but which are not part of {@link DatalakeOptions}. For the help only: Beam prints
 * every interface of this one's hierarchy once.
 */
public interface RunHelpOptions extends DatalakeOptions, FlinkPipelineOptions, S3Options {}
