package io.datalake.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/** The monthly SnapshotOperation roll-up of entity operations. */
public interface SnapshotOptions extends PipelineOptions {
  @Description(
      "Write the monthly roll-up: for each month, one entity_operations row (detail_type"
          + " SnapshotOperation, operation snapshotEntity, timestamp the month's first instant UTC,"
          + " partition day=01) per entity active at its start, holding the detail of its latest"
          + " create, update or restore. Streaming: a stateful step keeps each entity's latest state"
          + " and writes month M's rows when the watermark passes the start of M plus"
          + " --allowedLatenessSeconds (state grows with the number of entities, about 10 KB of heap"
          + " each with Flink's heap backend: on a Flink cluster the state backend defaults to"
          + " RocksDB, which writes a month's rows more slowly). Batch: the months from the one after the input's"
          + " first operation through the month of its newest, which is right only when the input is"
          + " the full history (an ingest batch of one day cannot know older entities).")
  @Default.Boolean(false)
  Boolean getSnapshots();

  void setSnapshots(Boolean value);
}
