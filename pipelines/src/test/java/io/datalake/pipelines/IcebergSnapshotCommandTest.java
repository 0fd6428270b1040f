package io.datalake.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import io.datalake.options.DatalakeOptions;
import io.datalake.transforms.lake.iceberg.IcebergCatalogConfig;
import io.datalake.transforms.lake.iceberg.IcebergSnapshotOverwrite;
import io.datalake.transforms.snapshot.SnapshotHistory;
import io.datalake.transforms.snapshot.SnapshotRows;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * {@code ./datalake snapshot} on the Iceberg lake: a month computed again replaces that month's
 * snapshot rows (the batch's own, then its own earlier ones) by one overwrite commit, so the month
 * holds one copy of each entity's row, and the other months are untouched.
 */
public class IcebergSnapshotCommandTest {
  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  private static DatalakeOptions options(String... args) {
    return PipelineOptionsFactory.fromArgs(args).as(DatalakeOptions.class);
  }

  /** The snapshot rows of the table, by month, as entity@tenant, sorted. */
  private static Map<String, List<String>> snapshotRows(Table table) throws Exception {
    table.refresh();
    Map<String, List<String>> out = new TreeMap<>();
    try (CloseableIterable<Record> rows = IcebergGenerics.read(table).build()) {
      for (Record r : rows) {
        if (SnapshotRows.DETAIL_TYPE.equals(r.getField("detail_type"))) {
          out.computeIfAbsent(
                  r.getField("timestamp").toString().substring(0, 7), m -> new ArrayList<>())
              .add(r.getField("entity_id") + "@" + r.getField("org_id"));
        }
      }
    }
    out.values().forEach(l -> l.sort(null));
    return out;
  }

  @Test
  public void aMonthComputedAgainReplacesItsSnapshotRowsInOneOverwrite() throws Exception {
    Path input = temp.newFolder("input").toPath();
    Path folder = Files.createDirectories(input.resolve("entity-operations"));
    List<String> lines = new ArrayList<>();
    SnapshotHistory.HISTORY.forEach(op -> lines.add(SnapshotHistory.envelope(op).toString()));
    Files.write(folder.resolve("history.jsonl"), lines);
    Path lake = temp.newFolder("lake").toPath();
    String[] common = {"--lake=" + lake, "--lakeFormat=iceberg", "--piiDevelopmentKeyset=true"};
    List<String> batch = new ArrayList<>(List.of(common));
    batch.add("--input=" + input);
    batch.add("--snapshots=true");
    DatalakePipeline.run(options(batch.toArray(String[]::new)));

    IcebergCatalogConfig config = IcebergCatalogConfig.hadoop(lake.toString());
    Table table = config.catalog().loadTable(config.id("entity_operations"));
    Map<String, List<String>> fromBatch = snapshotRows(table);
    assertThat(fromBatch.values().stream().mapToInt(List::size).sum(), is(25));

    YearMonth march = YearMonth.of(2024, 3);
    for (int run = 0; run < 2; run++) {
      SnapshotPipeline.MonthResult result = SnapshotPipeline.run(options(common), march);
      assertThat(result.rows(), is((long) fromBatch.get("2024-03").size()));
      table.refresh();
      assertThat(table.currentSnapshot().operation(), is("overwrite"));
      assertThat(
          table.currentSnapshot().summary().get(IcebergSnapshotOverwrite.MONTH), is("2024-03"));
      // One copy of March's rows, the same as the batch computed; the other months untouched.
      assertThat(snapshotRows(table), equalTo(fromBatch));
    }

    // The batch again after the command: its months replace the command's March (one copy).
    DatalakePipeline.run(options(batch.toArray(String[]::new)));
    table.refresh();
    assertThat(table.currentSnapshot().operation(), is("overwrite"));
    assertThat(snapshotRows(table), equalTo(fromBatch));
  }
}
