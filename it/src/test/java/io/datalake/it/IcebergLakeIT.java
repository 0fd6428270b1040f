package io.datalake.it;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import io.datalake.options.DatalakeOptions;
import io.datalake.pipelines.DatalakePipeline;
import io.datalake.pipelines.cli.EventGenerator;
import io.datalake.testing.CurrentClickHouse;
import io.datalake.testing.LakeFiles;
import io.datalake.transforms.lake.iceberg.IcebergCatalogConfig;
import io.datalake.transforms.lake.iceberg.IcebergCommits;
import io.datalake.transforms.schema.LakeTable;
import io.datalake.transforms.schema.LakeTables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.Test;

/**
 * The batch with {@code --lakeFormat=iceberg} against the Parquet lake of the same input, read by
 * Iceberg's own Java reader and by the current ClickHouse engine (chdb, {@code icebergLocal}): the
 * bundled samples (DirectRunner) and a generated input over every kind with bad records
 * (FlinkRunner, embedded) go into one Iceberg lake; each also into a Parquet lake of its own. Rows,
 * types and partitions must be equal; a rerun of the samples adds nothing; time travel to the
 * samples' snapshot shows the earlier state.
 *
 * <p>The lakes are under the module's {@code target/}: chdb reads local files only inside its
 * working folder, the module's.
 */
public class IcebergLakeIT {
  private static final Path SAMPLES =
      Path.of(System.getProperty("datalake.project.dir", ".."), "pipelines", "samples", "input");
  private static final Pattern PARQUET_FOLDER =
      Pattern.compile("^[a-z_]+/org_id=([^/]+)/year=(\\d{4})/month=(\\d{2})/day=(\\d{2})$");
  private static final Pattern ICEBERG_PARTITION =
      Pattern.compile("^[^=]+=([^/]+)/[a-zA-Z_]+_day=(\\d{4})-(\\d{2})-(\\d{2})$");

  @Test
  public void icebergTablesEqualTheParquetLakeForIcebergsReaderAndTheCurrentClickHouse()
      throws Exception {
    Path root =
        Path.of("target", "iceberg-lake-it-" + UUID.randomUUID().toString().substring(0, 8))
            .toAbsolutePath();
    Path generated = generatedInput(root.resolve("generated-input"), 1500);
    Path icebergLake = root.resolve("iceberg-lake");
    Path samplesParquet = root.resolve("parquet-samples");
    Path generatedParquet = root.resolve("parquet-generated");

    run(SAMPLES, samplesParquet, "parquet", "DirectRunner");
    run(generated, generatedParquet, "parquet", "DirectRunner");
    run(SAMPLES, icebergLake, "iceberg", "DirectRunner");
    IcebergCatalogConfig config = IcebergCatalogConfig.hadoop(icebergLake.toString());
    Catalog catalog = config.catalog();
    Map<String, Long> afterSamples = new TreeMap<>();
    for (LakeTable table : LakeTables.all()) {
      Table t = catalog.loadTable(config.id(table.name()));
      afterSamples.put(
          table.name(), t.currentSnapshot() == null ? -1 : t.currentSnapshot().snapshotId());
    }
    run(generated, icebergLake, "iceberg", "FlinkRunner");

    CurrentClickHouse clickhouse = CurrentClickHouse.stateless();
    int tablesWithRows = 0;
    for (LakeTable table : LakeTables.all()) {
      Table t = catalog.loadTable(config.id(table.name()));
      List<String> parquet = new ArrayList<>();
      parquet.addAll(parquetRows(samplesParquet, table.name()));
      parquet.addAll(parquetRows(generatedParquet, table.name()));
      List<String> iceberg = icebergRows(t, null);
      assertThat(table.name() + " rows", sorted(iceberg), equalTo(sorted(parquet)));
      if (!iceberg.isEmpty()) {
        tablesWithRows++;
      }
      // Partitions: tenant and day, the same set.
      TreeSet<String> parquetPartitions = parquetPartitions(samplesParquet, table.name());
      parquetPartitions.addAll(parquetPartitions(generatedParquet, table.name()));
      assertThat(table.name() + " partitions", icebergPartitions(t), equalTo(parquetPartitions));
      // Time travel: the snapshot after the samples' run holds the samples' rows only.
      long samplesSnapshot = afterSamples.get(table.name());
      if (samplesSnapshot >= 0) {
        assertThat(
            table.name() + " at the samples' snapshot",
            sorted(icebergRows(t, samplesSnapshot)),
            equalTo(sorted(parquetRows(samplesParquet, table.name()))));
      }
      if (!iceberg.isEmpty()) {
        checkInCurrentClickHouse(
            clickhouse, t, table, List.of(samplesParquet, generatedParquet), iceberg.size());
        if (samplesSnapshot >= 0) {
          String atSamples =
              clickhouse.query(
                  "SELECT count() FROM icebergLocal('"
                      + t.location()
                      + "') SETTINGS iceberg_snapshot_id = "
                      + samplesSnapshot);
          assertThat(
              table.name() + " in ClickHouse at the samples' snapshot",
              Long.parseLong(atSamples.trim()),
              is((long) parquetRows(samplesParquet, table.name()).size()));
        }
      }
    }
    assertThat(tablesWithRows, is(LakeTables.all().size()));

    // A rerun of the same batch: the tables hold the same rows, none twice.
    Map<String, List<String>> before = new TreeMap<>();
    for (LakeTable table : LakeTables.all()) {
      before.put(
          table.name(), sorted(icebergRows(catalog.loadTable(config.id(table.name())), null)));
    }
    run(SAMPLES, icebergLake, "iceberg", "DirectRunner");
    for (LakeTable table : LakeTables.all()) {
      Table t = catalog.loadTable(config.id(table.name()));
      assertThat(
          table.name() + " after the rerun",
          sorted(icebergRows(t, null)),
          equalTo(before.get(table.name())));
      if (afterSamples.get(table.name()) >= 0) {
        Snapshot current = t.currentSnapshot();
        assertThat(
            current.summary().get(IcebergCommits.RUN_ID),
            equalTo(
                catalog
                    .loadTable(config.id(table.name()))
                    .snapshot(afterSamples.get(table.name()))
                    .summary()
                    .get(IcebergCommits.RUN_ID)));
        assertThat(current.operation(), is("overwrite"));
      }
    }
    IcebergCatalogConfig.close(catalog);
  }

  /** Counts, column types and the rows themselves, in the current engine, against the Parquet. */
  private static void checkInCurrentClickHouse(
      CurrentClickHouse clickhouse, Table t, LakeTable table, List<Path> parquetLakes, long rows) {
    String iceberg = "icebergLocal('" + t.location() + "')";
    // file() takes paths relative to the engine's folder (ours), and no absolute path in a {a,b}.
    Path cwd = Path.of("").toAbsolutePath();
    StringBuilder glob =
        new StringBuilder("file('")
            .append(cwd.relativize(parquetLakes.get(0).getParent()))
            .append("/{");
    for (int i = 0; i < parquetLakes.size(); i++) {
      glob.append(i > 0 ? "," : "").append(parquetLakes.get(i).getFileName());
    }
    String parquet =
        glob.append("}/").append(table.name()).append("/**/*.parquet', Parquet)").toString();
    String noHive = " SETTINGS use_hive_partitioning = 0";
    assertThat(
        table.name() + " count in ClickHouse",
        Long.parseLong(clickhouse.query("SELECT count() FROM " + iceberg).trim()),
        is(rows));
    assertThat(
        table.name() + " types in ClickHouse",
        columns(clickhouse.query("DESCRIBE TABLE " + iceberg)),
        equalTo(columns(clickhouse.query("DESCRIBE TABLE " + parquet + noHive))));
    for (String[] pair :
        List.of(new String[] {iceberg, parquet}, new String[] {parquet, iceberg})) {
      String missing =
          clickhouse.query(
              "SELECT count() FROM (SELECT * FROM "
                  + pair[0]
                  + " EXCEPT ALL SELECT * FROM "
                  + pair[1]
                  + ")"
                  + noHive);
      assertThat(
          table.name() + " rows of " + pair[0] + " not in " + pair[1], missing.trim(), is("0"));
    }
    // Partition pruning on the columns: one tenant's rows.
    String tenant =
        clickhouse.query("SELECT " + table.tenantColumn() + " FROM " + iceberg + " LIMIT 1").trim();
    assertThat(
        clickhouse.query(
            "SELECT count() FROM "
                + iceberg
                + " WHERE "
                + table.tenantColumn()
                + " = '"
                + tenant
                + "'"),
        equalTo(
            clickhouse.query(
                "SELECT count() FROM "
                    + parquet
                    + " WHERE "
                    + table.tenantColumn()
                    + " = '"
                    + tenant
                    + "'"
                    + noHive)));
  }

  /**
   * Name and type of each column of a DESCRIBE's TSV output. The one known difference is left out:
   * list elements are nullable in both lakes' schema (Avro's union with null), which Iceberg
   * declares (ClickHouse: Array(Nullable(String))), while the Parquet lake's two-level lists carry
   * no element nullability (ClickHouse: Array(String)).
   */
  private static List<String> columns(String describe) {
    List<String> columns = new ArrayList<>();
    for (String line : describe.split("\n")) {
      String[] fields = line.split("\t");
      if (fields.length >= 2) {
        columns.add(
            fields[0]
                + " "
                + fields[1].replaceAll("Array\\(Nullable\\(([A-Za-z0-9]+)\\)\\)", "Array($1)"));
      }
    }
    return columns;
  }

  private static void run(Path input, Path lake, String format, String runner) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--runner=" + runner,
                "--input=" + input,
                "--lake=" + lake,
                "--lakeFormat=" + format,
                "--piiDevelopmentKeyset=true"));
    if (runner.equals("FlinkRunner")) {
      args.addAll(List.of("--flinkMaster=[local]", "--parallelism=2"));
    }
    DatalakeOptions options =
        PipelineOptionsFactory.fromArgs(args.toArray(String[]::new)).as(DatalakeOptions.class);
    DatalakePipeline.run(options); // throws unless the summary balances
  }

  /** Events of every kind from the samples' templates, some bad, with fixed ids and clock. */
  private static Path generatedInput(Path dir, int events) throws Exception {
    Instant clock = Instant.parse("2026-11-20T12:00:00Z");
    EventGenerator generator =
        new EventGenerator(SAMPLES, 17, () -> clock, n -> new UUID(17, n).toString(), false);
    Map<String, List<String>> lines = new TreeMap<>();
    for (long n = 0; n < events; n++) {
      EventGenerator.Event event = generator.next(n, 0.2, 0.02);
      lines.computeIfAbsent(event.kind().folder(), k -> new ArrayList<>()).add(event.value());
    }
    for (Map.Entry<String, List<String>> kind : lines.entrySet()) {
      Files.createDirectories(dir.resolve(kind.getKey()));
      Files.write(dir.resolve(kind.getKey()).resolve("part-0.jsonl"), kind.getValue());
    }
    return dir;
  }

  static List<String> parquetRows(Path lake, String table) throws Exception {
    List<String> rows = new ArrayList<>();
    for (LakeFiles.LakeRecord row : LakeFiles.rows(lake, table)) {
      rows.add(render(row.record()));
    }
    return rows;
  }

  private static TreeSet<String> parquetPartitions(Path lake, String table) throws Exception {
    TreeSet<String> partitions = new TreeSet<>();
    for (LakeFiles.LakeRecord row : LakeFiles.rows(lake, table)) {
      Matcher m = PARQUET_FOLDER.matcher(row.folder());
      assertThat(row.folder(), m.matches(), is(true));
      partitions.add(m.group(1) + "@" + m.group(2) + "-" + m.group(3) + "-" + m.group(4));
    }
    return partitions;
  }

  private static TreeSet<String> icebergPartitions(Table t) throws Exception {
    TreeSet<String> partitions = new TreeSet<>();
    try (CloseableIterable<FileScanTask> tasks = t.newScan().planFiles()) {
      for (FileScanTask task : tasks) {
        String path = t.spec().partitionToPath(task.file().partition());
        Matcher m = ICEBERG_PARTITION.matcher(path);
        assertThat(path, m.matches(), is(true));
        partitions.add(m.group(1) + "@" + m.group(2) + "-" + m.group(3) + "-" + m.group(4));
      }
    }
    return partitions;
  }

  static List<String> icebergRows(Table t, Long snapshot) throws Exception {
    List<String> rows = new ArrayList<>();
    if (t.currentSnapshot() == null) {
      return rows;
    }
    IcebergGenerics.ScanBuilder scan = IcebergGenerics.read(t);
    if (snapshot != null) {
      scan = scan.useSnapshot(snapshot);
    }
    try (CloseableIterable<Record> records = scan.build()) {
      for (Record r : records) {
        rows.add(render(r));
      }
    }
    return rows;
  }

  /** A row as text, the same for an Avro record of the Parquet lake and an Iceberg record. */
  private static String render(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof GenericRecord avro) {
      StringBuilder out = new StringBuilder("{");
      for (org.apache.avro.Schema.Field f : avro.getSchema().getFields()) {
        out.append(f.name()).append('=').append(render(avro.get(f.name()))).append(',');
      }
      return out.append('}').toString();
    }
    if (value instanceof Record iceberg) {
      StringBuilder out = new StringBuilder("{");
      for (org.apache.iceberg.types.Types.NestedField f : iceberg.struct().fields()) {
        out.append(f.name()).append('=').append(render(iceberg.getField(f.name()))).append(',');
      }
      return out.append('}').toString();
    }
    if (value instanceof OffsetDateTime time) {
      // Avro's timestamp-micros is the long it renders.
      return String.valueOf(ChronoUnit.MICROS.between(Instant.EPOCH, time.toInstant()));
    }
    if (value instanceof Collection<?> list) {
      List<String> items = new ArrayList<>();
      list.forEach(i -> items.add(render(i)));
      return items.toString();
    }
    return value.toString();
  }

  static List<String> sorted(List<String> rows) {
    List<String> copy = new ArrayList<>(rows);
    copy.sort(String::compareTo);
    return copy;
  }
}
