package io.datalake.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/** Upkeep of the Iceberg lake that runs do after their commits (--lakeFormat=iceberg). */
public interface IcebergMaintenanceOptions extends PipelineOptions {
  @Description(
      "Days of Iceberg snapshots to keep (--lakeFormat=iceberg): after its commits a batch run"
          + " expires each table's snapshots older than this and deletes the files only they"
          + " referenced; a streaming run does the same after a commit to a table, at most once an"
          + " hour per table, and always keeps the last hour's snapshots (a restore's replay is"
          + " recognised by them). The current snapshot always stays. Time travel reaches back this"
          + " far. 0 keeps only the current snapshot; -1 expires nothing.")
  @Default.Integer(7)
  Integer getIcebergKeepSnapshotsDays();

  void setIcebergKeepSnapshotsDays(Integer value);
}
