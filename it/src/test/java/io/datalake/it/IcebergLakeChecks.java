package io.datalake.it;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.datalake.options.DatalakeOptions;
import io.datalake.pipelines.DatalakePipeline;
import io.datalake.transforms.lake.iceberg.IcebergCatalogConfig;
import io.datalake.transforms.schema.LakeTable;
import io.datalake.transforms.schema.LakeTables;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.io.CloseableIterable;

/**
 * What the ITs of the Iceberg lake's catalogs and storages check the same way: the bundled samples
 * through the DirectRunner into a lake of the given options, every table's rows against a Parquet
 * lake of the same input (Iceberg's reader), and a rerun that adds nothing.
 */
final class IcebergLakeChecks {
  static final Path SAMPLES =
      Path.of(System.getProperty("datalake.project.dir", ".."), "pipelines", "samples", "input");

  private IcebergLakeChecks() {}

  /**
   * A batch of the samples on the DirectRunner with {@code lakeArgs}; throws unless it balances.
   */
  static void batch(List<String> lakeArgs) {
    List<String> args =
        new ArrayList<>(
            List.of("--runner=DirectRunner", "--input=" + SAMPLES, "--piiDevelopmentKeyset=true"));
    args.addAll(lakeArgs);
    DatalakeOptions options =
        PipelineOptionsFactory.fromArgs(args.toArray(String[]::new)).as(DatalakeOptions.class);
    DatalakePipeline.run(options);
  }

  /** Every table's rows (sorted) read by Iceberg's reader. */
  static Map<String, List<String>> rows(IcebergCatalogConfig config, Catalog catalog)
      throws Exception {
    Map<String, List<String>> rows = new TreeMap<>();
    for (LakeTable table : LakeTables.all()) {
      rows.put(
          table.name(),
          IcebergLakeIT.sorted(
              IcebergLakeIT.icebergRows(catalog.loadTable(config.id(table.name())), null)));
    }
    return rows;
  }

  /**
   * Asserts the Iceberg lake of {@code icebergArgs} holds the rows of the Parquet lake at {@code
   * parquet}, and that the same batch again changes no table.
   */
  static void equalsParquetAndRerunAddsNothing(
      IcebergCatalogConfig config, Path parquet, List<String> icebergArgs) throws Exception {
    Catalog catalog = config.catalog();
    try {
      Map<String, List<String>> rows = rows(config, catalog);
      for (LakeTable table : LakeTables.all()) {
        assertThat(
            table.name() + " rows",
            rows.get(table.name()),
            equalTo(IcebergLakeIT.sorted(IcebergLakeIT.parquetRows(parquet, table.name()))));
      }
      batch(icebergArgs);
      assertThat("the tables after the rerun", rows(config, catalog), equalTo(rows));
    } finally {
      IcebergCatalogConfig.close(catalog);
    }
  }

  /** The locations of the current snapshot's data files, as its metadata names them. */
  static List<String> liveFiles(Table table) throws Exception {
    List<String> files = new ArrayList<>();
    try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
      tasks.forEach(task -> files.add(task.file().location()));
    }
    return files;
  }
}
