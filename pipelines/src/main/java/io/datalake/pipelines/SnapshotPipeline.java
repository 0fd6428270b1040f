package io.datalake.pipelines;

import io.datalake.options.DatalakeOptions;
import io.datalake.transforms.DatalakeGraph;
import io.datalake.transforms.io.LakePaths;
import io.datalake.transforms.io.ReadLakeRows;
import io.datalake.transforms.io.WriteDeadLetters;
import io.datalake.transforms.io.WriteLakeTables;
import io.datalake.transforms.kinds.EntityOperations;
import io.datalake.transforms.lake.iceberg.IcebergCatalogConfig;
import io.datalake.transforms.lake.iceberg.WriteIcebergTables;
import io.datalake.transforms.model.DeadLetter;
import io.datalake.transforms.model.LakeRow;
import io.datalake.transforms.pii.PiiKeyset;
import io.datalake.transforms.snapshot.Months;
import io.datalake.transforms.snapshot.SnapshotEntities;
import io.datalake.transforms.snapshot.SnapshotRows;
import io.datalake.transforms.warehouse.ClickHouseClient;
import io.datalake.transforms.warehouse.ClickHouseWarehouseIO;
import io.datalake.transforms.warehouse.Sql;
import io.datalake.transforms.warehouse.TenantDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.MoveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Distinct;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One month's snapshot rows computed again from the lake ({@code ./datalake snapshot}): month M
 * from each tenant's snapshot rows of M-1 plus its operations of M-1, or from its full history when
 * it has no snapshot of M-1 ({@link SnapshotInputs}), by the roll-up's own rules ({@link
 * SnapshotEntities}). The rows replace the month's snapshot files in the lake (one file per tenant,
 * named by the month only, so a rerun overwrites it; a tenant left with no active entity loses its
 * file) and, with {@code --clickhouseUrl}, the month's snapshot rows of {@code entity_operations}:
 * inserted with {@code _version} = the time they were computed, so that they win under {@code
 * FINAL}, then the month's older snapshot rows are deleted.
 *
 * <p>Months depend on each other (M+1 is seeded by M), so a range is computed one month after the
 * other, each a batch run of its own.
 */
public final class SnapshotPipeline {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotPipeline.class);
  private static final String TABLE = EntityOperations.OPERATIONS.name();
  private static final String ROWS_COUNTER = "snapshot_rows";
  private static final String DEAD_LETTERS_COUNTER = "snapshot_dead_letters";
  private static final long MUTATION_WAIT_MILLIS = 120_000;

  private SnapshotPipeline() {}

  /**
   * What one month's run did.
   *
   * @param rows snapshot rows written (entities active at the month's start)
   * @param seededTenants tenants computed from their snapshot of the month before; the others from
   *     their full history
   * @param removedFiles snapshot files removed: of tenants with no active entity left, and the
   *     pipeline's own (--snapshots, the stream) that the month's new files replace
   * @param deadLetters snapshot rows the lake or ClickHouse refused (in the dead letters)
   * @param version the {@code _version} of the month's rows in ClickHouse (epoch microseconds)
   */
  public record MonthResult(
      YearMonth month,
      long rows,
      int seededTenants,
      int fullHistoryTenants,
      long removedFiles,
      long deadLetters,
      long version) {}

  /**
   * Checks the options that matter here (--lake, the keyset, ClickHouse's) before anything is read;
   * returns the lake root (ending in /).
   */
  public static String validate(DatalakeOptions options) {
    NoSecretsInOptions.check(options);
    FileSystems.setDefaultPipelineOptions(options);
    if (options.getLake() == null || options.getLake().isBlank()) {
      throw new IllegalArgumentException(
          "--lake is required: a local folder or s3://bucket/prefix");
    }
    RunPlan.checkParquetCompression(options.getParquetCompression());
    RunPlan.warehouse(options, keyset(options));
    return RunPlan.lakeRoot(options);
  }

  /** The keyset the dead letters' records are encrypted with, read and checked. */
  private static PiiKeyset keyset(DatalakeOptions options) {
    PiiKeyset keyset =
        PiiKeyset.fromOptions(options.getPiiKeyset(), options.getPiiDevelopmentKeyset());
    keyset.cipher();
    return keyset;
  }

  /** Computes and writes the snapshot rows of {@code month}; fails when the run does. */
  public static MonthResult run(DatalakeOptions options, YearMonth month) {
    String lake = validate(options);
    PiiKeyset keyset = keyset(options);
    boolean hourly = options.getPartitionByHour();
    S3Uploads.configure(options);
    AwsRegionOnce.configure(options);
    // With the Iceberg lake: the table's committed files, planned as the Parquet lake's are; the
    // month's rows replace its snapshot rows in one overwrite commit (no files to remove after).
    IcebergCatalogConfig iceberg = RunPlan.iceberg(options, lake, false);
    Map<String, String> icebergFiles =
        iceberg == null ? Map.of() : IcebergSnapshotFiles.list(iceberg);
    SnapshotInputs planned =
        SnapshotInputs.plan(
            month, iceberg == null ? list(lake, hourly) : new ArrayList<>(icebergFiles.keySet()));
    SnapshotInputs inputs =
        iceberg == null
            ? planned
            : new SnapshotInputs(
                month,
                planned.seeds().stream().map(icebergFiles::get).toList(),
                planned.operations().stream().map(icebergFiles::get).toList(),
                Map.of(),
                List.of(),
                planned.seededTenants(),
                planned.historyTenants());
    // Microseconds, as every _version: later than any earlier computation of the month.
    long version = Instant.now().toEpochMilli() * 1000L;
    String runId = SnapshotInputs.runId(month);
    ClickHouseWarehouseIO.Write warehouse = RunPlan.warehouse(options, keyset);
    if (warehouse != null) {
      ClickHouseWarehouseIO.Write unprepared = warehouse.withRunId(runId).withVersion(version);
      warehouse =
          PreRunSteps.step(
              "PrepareWarehouse", () -> ClickHouseWarehouseIO.prepareSchema(unprepared));
    }
    LOG.info(
        "datalake: snapshot of {}: {} tenant(s) from their snapshot of {}, {} from their full"
            + " history; {} file(s) to read",
        month,
        inputs.seededTenants().size(),
        month.minusMonths(1),
        inputs.historyTenants().size(),
        inputs.seeds().size() + inputs.operations().size());

    FlinkTempFiles.configure(options);
    Pipeline pipeline = Pipeline.create(options);
    long previousStart = Months.startMicros(Months.index(month.minusMonths(1)));
    PCollection<LakeRow> seeds =
        pipeline
            .apply("ReadSeeds", ReadLakeRows.of(EntityOperations.OPERATIONS, inputs.seeds()))
            .apply(
                "SeedRowsOfThePreviousMonth",
                Filter.by(
                    row -> SnapshotRows.isSnapshot(row) && row.eventTimeMicros() == previousStart));
    PCollection<LakeRow> operations =
        pipeline
            .apply(
                "ReadOperations", ReadLakeRows.of(EntityOperations.OPERATIONS, inputs.operations()))
            .apply("OperationRows", Filter.by(row -> !SnapshotRows.isSnapshot(row)));
    PCollection<LakeRow> snapshots =
        PCollectionList.of(seeds)
            .and(operations)
            .apply("SeedsAndOperations", Flatten.pCollections())
            .apply("SnapshotEntities", SnapshotEntities.months(month, month));
    snapshots.apply("CountRows", ParDo.of(new CountFn(ROWS_COUNTER)));

    List<PCollection<DeadLetter>> letters = new ArrayList<>();
    letters.add(
        snapshots.apply(
            "WriteSnapshotFiles",
            iceberg == null
                ? WriteLakeTables.to(lake, runId)
                    // One file per tenant and month, named by the month alone: a rerun replaces it.
                    .withFilesPerWorker(false)
                    .withShardsPerPartition(1)
                    .withHourlyPartitions(hourly)
                    .withCompression(options.getParquetCompression())
                    .withDeadLetterKeyset(keyset)
                : WriteIcebergTables.to(iceberg, runId)
                    .withBranch(DatalakeGraph.SNAPSHOT_BRANCH)
                    .withHourlyPartitions(hourly)
                    .withCompression(options.getParquetCompression())
                    .withDeadLetterKeyset(keyset)
                    .withSnapshotMonthOverwrite(month)));
    PCollectionView<List<String>> written =
        snapshots
            .apply(
                "TenantFolders",
                MapElements.into(TypeDescriptors.strings())
                    .via((LakeRow row) -> "org_id=" + LakePaths.escape(row.tenant())))
            .apply("DistinctTenants", Distinct.create())
            .apply("TenantsWritten", View.asList());
    List<KV<String, String>> stale = new ArrayList<>();
    inputs.own().forEach((tenant, files) -> files.forEach(f -> stale.add(KV.of(tenant, f))));
    pipeline
        .apply(
            "StaleSnapshotFiles",
            Create.of(stale).withCoder(KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of())))
        .apply(
            "RemoveFilesOfTenantsWithoutRows",
            ParDo.of(new RemoveUnwrittenFn(written)).withSideInputs(written));
    if (warehouse != null) {
      letters.add(snapshots.apply("WriteWarehouse", warehouse));
    }
    PCollection<DeadLetter> all =
        PCollectionList.of(letters).apply("AllDeadLetters", Flatten.pCollections());
    all.apply("CountDeadLetters", ParDo.of(new CountFn(DEAD_LETTERS_COUNTER)));
    if (warehouse != null) {
      all.apply("WarehouseDeadLetters", warehouse.deadLetters());
    }
    all.apply("WriteDeadLetters", WriteDeadLetters.to(lake, runId));

    PipelineResult result =
        BatchFailure.runToCompletion(pipeline, warehouse, "The snapshot run of " + month);
    // Only now that the month's new files are all in place: a reader never finds none.
    delete(inputs.replaced());
    if (warehouse != null) {
      removeOlderRows(warehouse, month, version);
    }
    return new MonthResult(
        month,
        counter(result, ROWS_COUNTER),
        inputs.seededTenants().size(),
        inputs.historyTenants().size(),
        counter(result, RemoveUnwrittenFn.REMOVED) + inputs.replaced().size(),
        counter(result, DEAD_LETTERS_COUNTER),
        version);
  }

  /** Every file of {@code entity_operations} in the lake. */
  static List<String> list(String lake, boolean hourly) {
    try {
      MatchResult match =
          FileSystems.match(
              SnapshotInputs.glob(lake, hourly), EmptyMatchTreatment.ALLOW_IF_WILDCARD);
      List<String> files = new ArrayList<>();
      if (match.status() == MatchResult.Status.OK) {
        for (MatchResult.Metadata file : match.metadata()) {
          files.add(file.resourceId().toString());
        }
      }
      return files;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the lake's " + TABLE + " files", e);
    }
  }

  /** Deletes these files (already gone: nothing to do). */
  static void delete(List<String> files) {
    List<ResourceId> resources = new ArrayList<>();
    for (String file : files) {
      resources.add(FileSystems.matchNewResource(file, false));
    }
    try {
      FileSystems.delete(resources, MoveOptions.StandardMoveOptions.IGNORE_MISSING_FILES);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot remove the " + files.size() + " replaced snapshot file(s) of the month", e);
    }
  }

  /**
   * Deletes the month's snapshot rows that this run did not write (older {@code _version}): those
   * of entities no longer active at the month's start, which no new row replaces. ClickHouse runs
   * the delete as a mutation in the background; this waits until it is done, so that the command
   * ends with the month's rows as they are now.
   */
  static void removeOlderRows(
      ClickHouseWarehouseIO.Write warehouse, YearMonth month, long version) {
    ClickHouseClient client = warehouse.client();
    String table = Sql.identifier(warehouse.database()) + "." + Sql.identifier(TABLE);
    long start = Months.startMicros(Months.index(month)) / 1_000_000L;
    String older =
        "detail_type = "
            + Sql.string(SnapshotRows.DETAIL_TYPE)
            + " AND timestamp = toDateTime("
            + start
            + ") AND _version < "
            + version;
    client.execute("ALTER TABLE " + table + " DELETE WHERE " + older);
    // The tenants' copies (18.16) get inserts only from their feeds: they delete the same rows.
    TenantDatabase.deleteFromCopies(client, warehouse.database(), TABLE, warehouse.tables(), older);
    long deadline = System.currentTimeMillis() + MUTATION_WAIT_MILLIS;
    String pending =
        "SELECT count() FROM system.mutations WHERE database = "
            + Sql.string(warehouse.database())
            + " AND table = "
            + Sql.string(TABLE)
            + " AND is_done = 0";
    while (Long.parseLong(client.execute(pending).trim()) > 0) {
      if (System.currentTimeMillis() > deadline) {
        throw new IllegalStateException(
            "ClickHouse has not finished deleting the replaced snapshot rows of "
                + month
                + " within "
                + MUTATION_WAIT_MILLIS / 1000
                + " s (system.mutations); they go once it has, and FINAL already prefers the"
                + " new rows");
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for ClickHouse", e);
      }
    }
  }

  private static long counter(PipelineResult result, String name) {
    long total = 0;
    for (MetricResult<Long> c :
        result
            .metrics()
            .queryMetrics(
                MetricsFilter.builder()
                    .addNameFilter(MetricNameFilter.named(SnapshotPipeline.class, name))
                    .build())
            .getCounters()) {
      total += c.getAttempted();
    }
    return total;
  }

  /** Counts what passes. */
  static class CountFn extends DoFn<Object, Void> {
    private final Counter counter;

    CountFn(String name) {
      this.counter = Metrics.counter(SnapshotPipeline.class, name);
    }

    @ProcessElement
    public void process() {
      counter.inc();
    }
  }

  /**
   * Removes the month's existing snapshot file of a tenant that got no row this time (all its
   * entities ended): no new file replaces it. A tenant that got rows has its file replaced by the
   * write, under the same name.
   */
  static class RemoveUnwrittenFn extends DoFn<KV<String, String>, Void> {
    static final String REMOVED = "snapshot_files_removed";
    private final PCollectionView<List<String>> written;
    private final Counter removed = Metrics.counter(SnapshotPipeline.class, REMOVED);

    RemoveUnwrittenFn(PCollectionView<List<String>> written) {
      this.written = written;
    }

    @ProcessElement
    public void process(ProcessContext c) {
      if (c.sideInput(written).contains(c.element().getKey())) {
        return;
      }
      delete(List.of(c.element().getValue()));
      removed.inc();
    }
  }
}
