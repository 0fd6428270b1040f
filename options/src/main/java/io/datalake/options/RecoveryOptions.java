package io.datalake.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/** Where a streaming run keeps its checkpoints, and whether a start resumes from the newest one. */
public interface RecoveryOptions extends PipelineOptions {
  @Description(
      "Folder of retained checkpoints (FlinkRunner): a path every worker shares, file:///... on one"
          + " machine, s3://... or hdfs://... on a cluster. A streaming job keeps its checkpoints in"
          + " <checkpointDir>/<jobName>, beside datalake-job.json, the record of its consumer group,"
          + " topics, bootstrap servers and Kafka partitions (no secrets). Checkpoints there outlive the"
          + " job (also a cancel or a crash), so --resume can restart from them. Unset: the runner's own"
          + " configuration decides (state.checkpoints.dir), and --resume cannot look for one.")
  String getCheckpointDir();

  void setCheckpointDir(String value);

  @Description(
      "Resume from the newest retained checkpoint of the same job under --checkpointDir/--jobName"
          + " (FlinkRunner; --jobName is required): window contents and Kafka positions held at a crash"
          + " are restored, not lost. Refused when the job's record there names another consumer group,"
          + " other topics or bootstrap servers, or a topic since deleted and created again. Partitions"
          + " added since the checkpoint are read from the consumer group's committed offsets. With no"
          + " checkpoint of the job yet, the run starts from the consumer group's committed offsets.")
  @Default.Boolean(false)
  Boolean getResume();

  void setResume(Boolean value);
}
