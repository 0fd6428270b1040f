package io.datalake.transforms.lake.iceberg;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.is;

import io.datalake.transforms.Fixtures;
import io.datalake.transforms.kinds.JourneyEvents;
import io.datalake.transforms.model.DeadLetter;
import io.datalake.transforms.model.SourceRecord;
import io.datalake.transforms.parse.ParseRecords;
import io.datalake.transforms.pii.PiiKeyset;
import io.datalake.transforms.pii.PiiPolicy;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * {@code --partitionByHour} with {@code --lakeFormat=iceberg}: the tables are partitioned by
 * Iceberg's {@code hour(<event time>)}, the sink writes one file per tenant and hour, and a
 * reader's filter on the timestamp column itself prunes to the hour's files.
 */
public class IcebergHourlyPartitionsTest {
  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  @Test
  public void hourlyTablesArePartitionedByHourAndReadersFilterOnTheTimestamp() throws Exception {
    IcebergCatalogConfig config = IcebergTestTables.prepared(temp, true);
    Table table = IcebergTestTables.table(config);
    assertThat(
        IcebergLakeTables.describe(table.spec()), is("[identity(org_id), hour(created_at)]"));

    List<SourceRecord> records = new ArrayList<>();
    String[][] events = {
      {"a", "2026-01-02T03:04:05Z"}, {"b", "2026-01-02T03:59:59Z"},
      {"c", "2026-01-02T04:00:00Z"}, {"d", "2026-01-02T05:30:00Z"}
    };
    for (String[] e : events) {
      records.add(
          Fixtures.record(
              JourneyEvents.KIND, "f:" + e[0], Fixtures.analytics(e[0], "o1", "created_at", e[1])));
    }
    Pipeline pipeline = Pipeline.create(PipelineOptionsFactory.create());
    PCollection<DeadLetter> letters =
        pipeline
            .apply(Create.of(records).withCoder(SourceRecord.Coder.of()))
            .apply(ParseRecords.of(PiiKeyset.development(), PiiPolicy.defaults()))
            .get(ParseRecords.ROWS)
            .apply(
                WriteIcebergTables.to(config, "h1")
                    .withHourlyPartitions(true)
                    .withDeadLetterKeyset(PiiKeyset.development()));
    PAssert.that(letters).empty();
    pipeline.run().waitUntilFinish();
    table.refresh();

    List<String> partitions = new ArrayList<>();
    try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
      tasks.forEach(t -> partitions.add(table.spec().partitionToPath(t.file().partition())));
    }
    assertThat(
        partitions,
        containsInAnyOrder(
            "org_id=o1/created_at_hour=2026-01-02-03",
            "org_id=o1/created_at_hour=2026-01-02-04",
            "org_id=o1/created_at_hour=2026-01-02-05"));

    // The hour 04:00-05:00 by the timestamp column: one file planned, its one row read.
    Expression hour4 =
        Expressions.and(
            Expressions.greaterThanOrEqual("created_at", "2026-01-02T04:00:00+00:00"),
            Expressions.lessThan("created_at", "2026-01-02T05:00:00+00:00"));
    int planned = 0;
    try (CloseableIterable<FileScanTask> tasks = table.newScan().filter(hour4).planFiles()) {
      for (FileScanTask ignored : tasks) {
        planned++;
      }
    }
    assertThat(planned, is(1));
    List<String> ids = new ArrayList<>();
    try (CloseableIterable<Record> rows = IcebergGenerics.read(table).where(hour4).build()) {
      rows.forEach(r -> ids.add((String) r.getField("id")));
    }
    assertThat(ids, containsInAnyOrder("c"));
    // From 03:30: the 03 hour's file is read, its rows filtered by the reader.
    List<String> later = new ArrayList<>();
    try (CloseableIterable<Record> rows =
        IcebergGenerics.read(table)
            .where(Expressions.greaterThanOrEqual("created_at", "2026-01-02T03:30:00+00:00"))
            .build()) {
      rows.forEach(r -> later.add((String) r.getField("id")));
    }
    assertThat(later, containsInAnyOrder("b", "c", "d"));
  }
}
