package io.datalake.pipelines;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.datalake.transforms.DatalakeGraph;
import io.datalake.transforms.io.LakePaths;
import io.datalake.transforms.io.WriteDeadLetters;
import io.datalake.transforms.io.WriteLakeTables;
import io.datalake.transforms.kinds.EntityOperations;
import io.datalake.transforms.kinds.RecordKind;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.lake.iceberg.IcebergCatalogConfig;
import io.datalake.transforms.lake.iceberg.IcebergCommits;
import io.datalake.transforms.lake.iceberg.WriteIcebergTables;
import io.datalake.transforms.monitor.PipelineMetrics;
import io.datalake.transforms.schema.LakeTable;
import io.datalake.transforms.schema.LakeTables;
import io.datalake.transforms.snapshot.SnapshotRows;
import io.datalake.transforms.warehouse.ClickHouseWarehouseIO;
import io.datalake.transforms.warehouse.Sql;
import io.datalake.transforms.warehouse.WarehouseTable;
import io.datalake.transforms.warehouse.WarehouseTables;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.Util;

/**
 * What a batch run did, read back from what it wrote: Parquet row counts from the files' footers,
 * dead letters from their files, input records from the reader's counters, and the rows ClickHouse
 * acknowledged from the writers' counters, beside the rows of the load it holds. It balances when
 * every input record is a row of its kind's primary table or a dead letter, and ClickHouse got
 * every row the lake expects there and holds no other.
 */
public final class BatchSummary {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String lake;
  private final Map<String, Long> inputByKind;
  private final Map<String, Long> rowsByTable;
  private final Map<String, Long> filesByTable;
  private final Map<String, Map<String, Long>> deadLettersByKindAndReason;

  /** Rows the ClickHouse branch rejected, per warehouse table (the dead letters' {@code table}). */
  private final Map<String, Long> clickhouseRejected;

  /**
   * Lake rows a current-state table left out as changing no state (relation operations), per
   * warehouse table: not expected there.
   */
  private Map<String, Long> clickhouseUnchanging = Map.of();

  /** Dead letters that take the place of an input record, per kind (see standsForInputRecord). */
  private final Map<String, Long> inputDeadLetters;

  /**
   * Rows ClickHouse acknowledged per warehouse table, snapshot rows included (the writers' {@code
   * clickhouse_inserted_<table>} counters); empty when the branch is off. Why not a count read
   * back: a ReplacingMergeTree merges the versions of one key whenever it likes, so after a run
   * that updated an entity many times, current_entities holds fewer rows than were inserted, and
   * how many fewer depends on when the merges ran.
   */
  private final Map<String, Long> clickhouseInserted = new TreeMap<>();

  /**
   * Rows of this load ClickHouse holds now, per table (of entity_operations, the input's rows
   * only): at most the acknowledged ones once merged, more when a retried insert left copies.
   */
  private final Map<String, Long> clickhouseHeld = new TreeMap<>();

  /**
   * The same rows with exact copies counted once. A task that fails and is run again (a batch on a
   * Flink cluster whose restart strategy restarts it) inserts its rows again, with the same load id
   * and values; they collapse under FINAL, so they are not a mismatch.
   */
  private final Map<String, Long> clickhouseDistinctRows = new TreeMap<>();

  private String clickhouseWhere = "";

  /** Where the lake's row counts come from, for the summary's heading. */
  private String rowsReadFrom = "Parquet footers";

  /**
   * Snapshot rows (the monthly roll-up, {@code --snapshots}) are derived, not input: their lake
   * rows, files and ClickHouse rows are counted here, apart from the tables' rows above.
   */
  private long snapshotRows;

  private long snapshotFiles;
  private long clickhouseSnapshotRows = -1;
  private long clickhouseSnapshotDistinctRows = -1;

  /** Package-private for tests: {@link #read} makes it from a run's output. */
  BatchSummary(
      String lake,
      Map<String, Long> inputByKind,
      Map<String, Long> rowsByTable,
      Map<String, Long> filesByTable,
      Map<String, Map<String, Long>> deadLetters,
      Map<String, Long> clickhouseRejected,
      Map<String, Long> inputDeadLetters) {
    this.lake = lake;
    this.inputByKind = inputByKind;
    this.rowsByTable = rowsByTable;
    this.filesByTable = filesByTable;
    this.deadLettersByKindAndReason = deadLetters;
    this.clickhouseRejected = clickhouseRejected;
    this.inputDeadLetters = inputDeadLetters;
  }

  public static BatchSummary read(
      PipelineResult result,
      String lake,
      String runId,
      boolean hourly,
      ClickHouseWarehouseIO.Write warehouse) {
    return read(result, lake, runId, hourly, warehouse, null);
  }

  /**
   * As above; with {@code iceberg}, the lake's rows are counted from the snapshot summaries of this
   * run's commits to the Iceberg tables (rows and files each added), not from Parquet footers.
   */
  public static BatchSummary read(
      PipelineResult result,
      String lake,
      String runId,
      boolean hourly,
      ClickHouseWarehouseIO.Write warehouse,
      IcebergCatalogConfig iceberg) {
    Map<String, Long> input =
        PipelineMetrics.byLabel(
            result.metrics(),
            PipelineMetrics.Family.RECORDS_READ,
            RecordKinds.builtIn().all().stream().map(RecordKind::name).toList());
    Map<String, Long> rows = new TreeMap<>();
    Map<String, Long> files = new TreeMap<>();
    String prefix = WriteLakeTables.filePrefix(runId);
    String depth = LakePaths.partitionGlob(hourly) + "/";
    String snapshotPrefix = prefix + "-" + DatalakeGraph.SNAPSHOT_BRANCH + "-";
    long snapshots = 0;
    long snapshotFiles = 0;
    org.apache.iceberg.catalog.Catalog catalog = iceberg == null ? null : iceberg.catalog();
    for (LakeTable table : iceberg == null ? List.<LakeTable>of() : LakeTables.all()) {
      org.apache.iceberg.Table t = catalog.loadTable(iceberg.id(table.name()));
      org.apache.iceberg.Snapshot main =
          IcebergCommits.runSnapshot(t, runId, WriteIcebergTables.MAIN_WRITER);
      org.apache.iceberg.Snapshot derived =
          IcebergCommits.runSnapshot(t, runId, DatalakeGraph.SNAPSHOT_BRANCH);
      rows.put(table.name(), IcebergCommits.addedRows(main));
      files.put(table.name(), IcebergCommits.addedFiles(main));
      snapshots += IcebergCommits.addedRows(derived);
      snapshotFiles += IcebergCommits.addedFiles(derived);
    }
    if (catalog != null) {
      IcebergCatalogConfig.close(catalog);
    }
    for (LakeTable table : iceberg == null ? LakeTables.all() : List.<LakeTable>of()) {
      long count = 0;
      long fileCount = 0;
      for (ResourceId file : match(lake + table.name() + "/" + depth + prefix + "-*.parquet")) {
        long n = parquetRowCount(file);
        if (file.getFilename().startsWith(snapshotPrefix)) {
          snapshots += n;
          snapshotFiles++;
        } else {
          count += n;
          fileCount++;
        }
      }
      rows.put(table.name(), count);
      files.put(table.name(), fileCount);
    }
    Map<String, Map<String, Long>> deadLetters = new TreeMap<>();
    Map<String, Long> clickhouseRejected = new TreeMap<>();
    Map<String, Long> inputDeadLetters = new TreeMap<>();
    for (RecordKind kind : RecordKinds.builtIn().all()) {
      for (ResourceId file :
          match(lake + WriteDeadLetters.FOLDER + "/" + kind.name() + "/" + prefix + "-*.jsonl")) {
        for (JsonNode letter : jsonLines(file)) {
          String step = letter.path("step").asText();
          String table = letter.path("table").isTextual() ? letter.path("table").asText() : null;
          if (ClickHouseWarehouseIO.STEP.equals(step) && table != null) {
            clickhouseRejected.merge(table, 1L, Long::sum);
          }
          if (standsForInputRecord(step, table)) {
            inputDeadLetters.merge(kind.name(), 1L, Long::sum);
          }
          deadLetters
              .computeIfAbsent(kind.name(), k -> new TreeMap<>())
              .merge(
                  letter.path("step").asText() + ": " + letter.path("error").asText(),
                  1L,
                  Long::sum);
        }
      }
    }
    BatchSummary summary =
        new BatchSummary(
            lake, input, rows, files, deadLetters, clickhouseRejected, inputDeadLetters);
    summary.snapshotRows = snapshots;
    summary.snapshotFiles = snapshotFiles;
    if (iceberg != null) {
      summary.rowsReadFrom =
          "Iceberg snapshot summaries of run "
              + runId
              + " in "
              + iceberg.type()
              + " catalog "
              + iceberg.warehouse()
              + ", namespace "
              + iceberg.namespace();
    }
    if (warehouse != null) {
      summary.clickhouseUnchanging =
          PipelineMetrics.byLabel(
              result.metrics(),
              PipelineMetrics.Family.CLICKHOUSE_UNCHANGING,
              WarehouseTables.all().stream().map(WarehouseTable::name).toList());
      summary.clickhouseWhere = warehouse.url() + " database " + warehouse.database();
      List<String> tables = WarehouseTables.all().stream().map(WarehouseTable::name).toList();
      summary.clickhouseInserted.putAll(
          PipelineMetrics.byLabel(
              result.metrics(), PipelineMetrics.Family.CLICKHOUSE_INSERTED, tables));
      for (WarehouseTable table : WarehouseTables.all()) {
        String rowsOfThisLoad =
            "FROM "
                + Sql.identifier(warehouse.database())
                + "."
                + Sql.identifier(table.name())
                + " WHERE _load_id = "
                + Sql.string(warehouse.loadId());
        boolean withSnapshots = table.name().equals(EntityOperations.OPERATIONS.name());
        // The input's rows of entity_operations, and apart from them the snapshot rows.
        String inputRows =
            withSnapshots ? rowsOfThisLoad + " AND " + SNAPSHOT_ROW + " = 0" : rowsOfThisLoad;
        summary.clickhouseInserted.putIfAbsent(table.name(), 0L);
        summary.clickhouseHeld.put(table.name(), count(warehouse, inputRows));
        summary.clickhouseDistinctRows.put(table.name(), distinct(warehouse, inputRows));
        if (withSnapshots) {
          String snapshotRows = rowsOfThisLoad + " AND " + SNAPSHOT_ROW + " = 1";
          summary.clickhouseSnapshotRows = count(warehouse, snapshotRows);
          summary.clickhouseSnapshotDistinctRows = distinct(warehouse, snapshotRows);
        }
      }
    }
    return summary;
  }

  /**
   * Whether an entity_operations row is a snapshot row, as a ClickHouse expression (0 or 1; an
   * input row without detail-type is 0, not NULL).
   */
  private static final String SNAPSHOT_ROW =
      "(ifNull(detail_type, '') = " + Sql.string(SnapshotRows.DETAIL_TYPE) + ")";

  private static long count(ClickHouseWarehouseIO.Write warehouse, String rows) {
    return Long.parseLong(warehouse.client().execute("SELECT count() " + rows).trim());
  }

  private static long distinct(ClickHouseWarehouseIO.Write warehouse, String rows) {
    return Long.parseLong(
        warehouse.client().execute("SELECT count() FROM (SELECT DISTINCT * " + rows + ")").trim());
  }

  /** Snapshot rows the run wrote to the lake (derived rows, not counted in {@link #rows}). */
  public long snapshotRows() {
    return snapshotRows;
  }

  /** Rows ClickHouse acknowledged per warehouse table (snapshot rows included); empty: off. */
  public Map<String, Long> clickhouseRows() {
    return clickhouseInserted;
  }

  public long inputRecords() {
    return inputByKind.values().stream().mapToLong(Long::longValue).sum();
  }

  public long rows(String table) {
    return rowsByTable.getOrDefault(table, 0L);
  }

  /**
   * Dead letters of input records; rows the ClickHouse branch rejected are counted apart, and so
   * are rows of secondary tables the lake writer rejected (their record has its primary row).
   */
  public long deadLetters() {
    return inputDeadLetters.values().stream().mapToLong(Long::longValue).sum();
  }

  /**
   * Whether a dead letter takes the place of an input record: one of any step before the sinks (no
   * table), or a row of a primary table the lake writer rejected, as that record then has no
   * primary row. A ClickHouse reject is counted apart; a rejected row of a secondary lake table
   * belongs to a record whose primary row is counted already.
   */
  static boolean standsForInputRecord(String step, String table) {
    if (ClickHouseWarehouseIO.STEP.equals(step)) {
      return false;
    }
    if (WriteLakeTables.STEP.equals(step) && table != null) {
      return LakeTables.all().stream().anyMatch(t -> t.primary() && t.name().equals(table));
    }
    return true;
  }

  /** Rows the ClickHouse branch rejected, per warehouse table. */
  public Map<String, Long> clickhouseRejected() {
    return clickhouseRejected;
  }

  public long deadLetters(String kind) {
    return deadLettersByKindAndReason.getOrDefault(kind, Map.of()).values().stream()
        .mapToLong(Long::longValue)
        .sum();
  }

  /** Rows of the primary tables (one per accepted record) plus dead letters. */
  public long accountedFor() {
    long primaryRows =
        LakeTables.all().stream().filter(LakeTable::primary).mapToLong(t -> rows(t.name())).sum();
    return primaryRows + deadLetters();
  }

  /**
   * Every input record is accounted for, and ClickHouse received each lake row except those its
   * branch dead-lettered.
   */
  public boolean balanced() {
    return inputRecords() == accountedFor() && clickhouseMismatches().isEmpty();
  }

  /**
   * Warehouse tables that did not get every row the lake expects there (less the rejected ones), or
   * hold more distinct rows of this load than that.
   */
  public List<String> clickhouseMismatches() {
    Map<String, Long> rejected = clickhouseRejected();
    List<String> mismatches = new ArrayList<>();
    clickhouseInserted.forEach(
        (t, v) -> {
          long expected = expected(t, rejected);
          if (!clickhouseMatches(
              v - derivedRows(t),
              clickhouseDistinctRows.getOrDefault(t, v - derivedRows(t)),
              expected)) {
            mismatches.add(t);
          }
        });
    if (clickhouseSnapshotDistinctRows > snapshotRows) {
      mismatches.add(EntityOperations.OPERATIONS.name() + " snapshots");
    }
    return mismatches;
  }

  /** The derived snapshot rows a table gets beside its lake rows: entity_operations only. */
  private long derivedRows(String t) {
    return t.equals(EntityOperations.OPERATIONS.name()) ? snapshotRows : 0;
  }

  /**
   * The rows warehouse table {@code t} should get from this run: its source's lake rows, less the
   * ones its branch rejected (dead letters) and the ones it leaves out as changing no state.
   */
  private long expected(String t, Map<String, Long> rejected) {
    return rows(WarehouseTables.byName(t).source())
        - rejected.getOrDefault(t, 0L)
        - clickhouseUnchanging.getOrDefault(t, 0L);
  }

  /**
   * ClickHouse acknowledged every row the lake expects it to get ({@code acknowledged >= expected}:
   * a retried insert can add to it) and holds nothing else: its distinct rows of this load are at
   * most the expected ones ({@code distinct <= expected}; merges and copies only lower the distinct
   * rows it holds). Copies the input itself holds are distinct rows of the lake too, so they count
   * on both sides.
   */
  static boolean clickhouseMatches(long acknowledged, long distinct, long expected) {
    return acknowledged >= expected && distinct <= expected;
  }

  public String render() {
    StringBuilder out = new StringBuilder();
    out.append("\n=== datalake batch summary ===\n");
    out.append("lake: ").append(lake).append('\n');
    out.append("input records read: ").append(inputRecords()).append('\n');
    inputByKind.forEach((k, v) -> out.append(String.format("  %-22s %8d%n", k, v)));
    out.append("rows written (read back from ").append(rowsReadFrom).append("):\n");
    rowsByTable.forEach(
        (t, v) ->
            out.append(String.format("  %-24s %8d rows in %d files%n", t, v, filesByTable.get(t))));
    if (snapshotRows > 0 || snapshotFiles > 0) {
      out.append(
          String.format(
              "derived snapshot rows (SnapshotOperation, not input records):%n  %-24s %8d rows in"
                  + " %d files%n",
              EntityOperations.OPERATIONS.name(), snapshotRows, snapshotFiles));
    }
    long refusedByClickHouse =
        clickhouseInserted.isEmpty()
            ? 0
            : clickhouseRejected().values().stream().mapToLong(Long::longValue).sum();
    // The lines below list every dead letter, a row a sink refused too (of a record counted as
    // written); the records refused, which the accounting line counts, are said apart so that the
    // figures add up.
    long listed =
        deadLettersByKindAndReason.values().stream()
            .flatMap(reasons -> reasons.values().stream())
            .mapToLong(Long::longValue)
            .sum();
    long rowsRefused = listed - deadLetters();
    out.append("dead letters: ")
        .append(listed)
        .append(
            rowsRefused > 0
                ? " ("
                    + deadLetters()
                    + (deadLetters() == 1 ? " record, " : " records, ")
                    + rowsRefused
                    + (rowsRefused == 1 ? " row " : " rows ")
                    + (refusedByClickHouse == rowsRefused
                        ? "ClickHouse refused)"
                        : "a sink refused)")
                : "")
        .append(" under ")
        .append(lake)
        .append(WriteDeadLetters.FOLDER)
        .append("/\n");
    deadLettersByKindAndReason.forEach(
        (kind, reasons) -> {
          out.append(
              String.format(
                  "  %s: %d%n", kind, reasons.values().stream().mapToLong(Long::longValue).sum()));
          reasons.forEach((reason, n) -> out.append(String.format("    %6d  %s%n", n, reason)));
        });
    if (clickhouseInserted.isEmpty()) {
      out.append("ClickHouse: off (no --clickhouseUrl)\n");
    } else {
      out.append("rows inserted into ClickHouse by this run (acknowledged by ")
          .append(clickhouseWhere)
          .append("):\n");
      Map<String, Long> rejected = clickhouseRejected();
      List<String> mismatches = clickhouseMismatches();
      clickhouseInserted.forEach(
          (t, v) -> {
            long derived = derivedRows(t);
            long held = clickhouseHeld.getOrDefault(t, 0L);
            long copies = held - clickhouseDistinctRows.getOrDefault(t, held);
            boolean operations = t.equals(EntityOperations.OPERATIONS.name());
            if (operations && clickhouseSnapshotRows > 0) {
              // The acknowledged rows include the snapshot rows: so does what it holds.
              held += clickhouseSnapshotRows;
              copies += clickhouseSnapshotRows - clickhouseSnapshotDistinctRows;
            }
            StringBuilder notes =
                new StringBuilder("lake ").append(rows(WarehouseTables.byName(t).source()));
            if (derived > 0) {
              notes.append(" and ").append(derived).append(" derived snapshot rows");
            }
            if (rejected.containsKey(t)) {
              notes.append(", rejected ").append(rejected.get(t));
            }
            if (clickhouseUnchanging.containsKey(t)) {
              notes.append(", ").append(clickhouseUnchanging.get(t));
              notes.append(" changing no state left out");
            }
            if (copies > 0) {
              notes
                  .append(", ")
                  .append(copies)
                  .append(" identical rows (a retried insert, or a record given twice), merged")
                  .append(" by FINAL");
            }
            if (held < v) {
              // Not a loss: ClickHouse acknowledged them; a merge kept each key's latest version.
              notes.append("; ").append(held).append(" held now, versions of one key merged");
            }
            boolean mismatch =
                mismatches.contains(t)
                    || operations
                        && mismatches.contains(EntityOperations.OPERATIONS.name() + " snapshots");
            out.append(
                String.format("  %-24s %8d  (%s)%s%n", t, v, notes, mismatch ? "  MISMATCH" : ""));
          });
    }
    out.append(
        String.format(
            "input records %d = records accounted for %d (primary-table rows + dead letters): %s%n",
            inputRecords(), accountedFor(), balanced() ? "OK" : "MISMATCH"));
    return out.toString();
  }

  private static List<ResourceId> match(String pattern) {
    try {
      MatchResult match = FileSystems.match(pattern, EmptyMatchTreatment.ALLOW);
      List<ResourceId> ids = new ArrayList<>();
      if (match.status() == MatchResult.Status.OK) {
        for (MatchResult.Metadata m : match.metadata()) {
          ids.add(m.resourceId());
        }
      }
      ids.sort((a, b) -> a.toString().compareTo(b.toString()));
      return ids;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list " + pattern, e);
    }
  }

  /** The row count in a Parquet file's footer: the last 8 bytes are its length and PAR1. */
  static long parquetRowCount(ResourceId file) {
    try (SeekableByteChannel channel = (SeekableByteChannel) FileSystems.open(file)) {
      long size = channel.size();
      ByteBuffer tail = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      channel.position(size - 8);
      readFully(channel, tail);
      int footerLength = tail.getInt(0);
      ByteBuffer footer = ByteBuffer.allocate(footerLength);
      channel.position(size - 8 - footerLength);
      readFully(channel, footer);
      FileMetaData metadata =
          Util.readFileMetaData(new java.io.ByteArrayInputStream(footer.array()));
      return metadata.getNum_rows();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the Parquet footer of " + file, e);
    }
  }

  private static void readFully(SeekableByteChannel channel, ByteBuffer buffer) throws IOException {
    while (buffer.hasRemaining()) {
      if (channel.read(buffer) < 0) {
        throw new IOException("unexpected end of file");
      }
    }
  }

  private static List<JsonNode> jsonLines(ResourceId file) {
    List<JsonNode> lines = new ArrayList<>();
    try (BufferedReader reader =
        new BufferedReader(
            new InputStreamReader(
                Channels.newInputStream(FileSystems.open(file)), StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        if (!line.isBlank()) {
          lines.add(JSON.readTree(line));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + file, e);
    }
    return lines;
  }
}
