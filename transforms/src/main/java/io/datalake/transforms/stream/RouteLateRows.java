package io.datalake.transforms.stream;

import io.datalake.transforms.model.EventKind;
import io.datalake.transforms.model.LakeRow;
import io.datalake.transforms.monitor.ProgressLog;
import io.datalake.transforms.schema.LakeTables;
import java.util.EnumMap;
import java.util.Map;
import io.datalake.transforms.schema.AvroSchemas;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Keeps rows that are later than their window's allowed lateness from being dropped at the next
 * GroupByKey (Beam drops them silently there). A DoFn cannot see the watermark, so this one bounds
 * it from above the way the Kafka source computes it: the newest event time it has seen, or the
 * clock for idle partitions, less the out-of-orderness. A row whose window closes before that bound
 * is flagged {@code late = true}, counted, and restamped to the bound, which no watermark has
 * passed; its partition still comes from its own event-time column, so it lands in its true
 * partition. Rows that may still be on time pass unchanged.
 */
public class RouteLateRows extends DoFn<LakeRow, LakeRow> {
  private final Duration window;
  private final Duration allowedLateness;
  private final Duration maxOutOfOrderness;
  private final Map<EventKind, Counter> lateRows = new EnumMap<>(EventKind.class);
  private transient long newestEventMillis;

  public RouteLateRows(Duration window, Duration allowedLateness, Duration maxOutOfOrderness) {
    this.window = window;
    this.allowedLateness = allowedLateness;
    this.maxOutOfOrderness = maxOutOfOrderness;
    for (EventKind kind : EventKind.values()) {
      lateRows.put(kind, Metrics.counter("datalake", "rows_late_" + kind.folder()));
    }
  }

  @Setup
  public void setup() {
    newestEventMillis = Long.MIN_VALUE;
  }

  @ProcessElement
  public void process(@Element LakeRow row, @Timestamp Instant timestamp, OutputReceiver<LakeRow> out) {
    long eventMillis = timestamp.getMillis();
    newestEventMillis = Math.max(newestEventMillis, eventMillis);
    long watermarkBound = Math.max(newestEventMillis, System.currentTimeMillis()) - maxOutOfOrderness.getMillis();
    long windowEnd = Math.floorDiv(eventMillis, window.getMillis()) * window.getMillis() + window.getMillis();
    if (windowEnd + allowedLateness.getMillis() > watermarkBound) {
      out.output(row);
      return;
    }
    EventKind kind = LakeTables.kindOf(row.table());
    lateRows.get(kind).inc();
    ProgressLog.lateRow(kind);
    GenericRecord flagged = GenericData.get().deepCopy(row.record().getSchema(), row.record());
    flagged.put(AvroSchemas.LATE, true);
    out.outputWithTimestamp(
        new LakeRow(row.table(), row.tenant(), row.eventTimeMicros(), flagged), new Instant(watermarkBound));
  }

  @Override
  public Duration getAllowedTimestampSkew() {
    // Restamping moves a row forward in time only, but Beam checks skew in both directions.
    return Duration.millis(Long.MAX_VALUE);
  }
}
