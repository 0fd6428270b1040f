package io.datalake.transforms.lake.iceberg;

import io.datalake.transforms.kinds.RecordKinds;
import java.io.IOException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.parquet.GenericParquetWriter;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.parquet.Parquet;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.junit.rules.TemporaryFolder;

/**
 * Lake tables for the maintenance tests: a prepared Hadoop catalog on a temporary folder, and data
 * files written the way a streaming run's checkpoints write them (many small files of one run, each
 * appended in a commit of its own), with Iceberg's own writer.
 */
public final class IcebergTestTables {
  public static final String TABLE = "journey_events";

  private IcebergTestTables() {}

  /** A Hadoop catalog under {@code temp} with the lake's tables, day or hour partitioned. */
  public static IcebergCatalogConfig prepared(TemporaryFolder temp, boolean hourly)
      throws IOException {
    IcebergCatalogConfig config = IcebergCatalogConfig.hadoop(temp.newFolder("wh").toString());
    IcebergLakeTables.prepare(config, RecordKinds.builtIn(), hourly, "SNAPPY");
    return config;
  }

  public static Table table(IcebergCatalogConfig config) {
    return config.catalog().loadTable(config.id(TABLE));
  }

  /**
   * Appends {@code files} data files of {@code rowsPerFile} rows each of tenant {@code org} at
   * {@code time} (plus one second per row), named as run {@code runId}'s main writer names them,
   * each in its own commit. Returns the ids written.
   */
  public static List<String> appendSmallFiles(
      Table table, String runId, String org, String time, int files, int rowsPerFile)
      throws IOException {
    List<String> ids = new ArrayList<>();
    OffsetDateTime start = OffsetDateTime.parse(time);
    for (int f = 0; f < files; f++) {
      List<Record> rows = new ArrayList<>();
      for (int r = 0; r < rowsPerFile; r++) {
        Record row = filled(table.schema().asStruct());
        String id = runId + "-" + org + "-" + f + "-" + r;
        row.setField("id", id);
        row.setField("org_id", org);
        row.setField("created_at", start.plusSeconds((long) f * rowsPerFile + r));
        rows.add(row);
        ids.add(id);
      }
      AppendFiles append = table.newAppend();
      append.appendFile(write(table, runId, rows));
      append.commit();
    }
    return ids;
  }

  /** Writes {@code rows} (of one partition) into one data file of run {@code runId}. */
  public static DataFile write(Table table, String runId, List<Record> rows) throws IOException {
    return write(table, runId, WriteIcebergTables.MAIN_WRITER, rows);
  }

  /**
   * A data file of {@code rows} named as writer {@code writerName} of run {@code runId} names it.
   */
  public static DataFile write(Table table, String runId, String writerName, List<Record> rows)
      throws IOException {
    Record first = rows.get(0);
    org.apache.iceberg.PartitionKey key =
        new org.apache.iceberg.PartitionKey(table.spec(), table.schema());
    key.partition(
        new org.apache.iceberg.data.InternalRecordWrapper(table.schema().asStruct()).wrap(first));
    String name = WriteIcebergTables.filePrefix(runId, writerName) + UUID.randomUUID() + ".parquet";
    DataWriter<Record> writer =
        Parquet.writeData(
                table
                    .io()
                    .newOutputFile(
                        table.locationProvider().newDataLocation(table.spec(), key, name)))
            .forTable(table)
            .withSpec(table.spec())
            .withPartition(key)
            .createWriterFunc(GenericParquetWriter::buildWriter)
            .build();
    try (DataWriter<Record> w = writer) {
      rows.forEach(w::write);
    }
    return writer.toDataFile();
  }

  /** The table's rows as text, sorted: equal lists mean the same rows. */
  public static List<String> rows(Table table) throws IOException {
    table.refresh();
    List<String> out = new ArrayList<>();
    try (CloseableIterable<Record> rows = IcebergGenerics.read(table).build()) {
      for (Record r : rows) {
        out.add(r.toString());
      }
    }
    out.sort(null);
    return out;
  }

  /** The rows of snapshot {@code snapshotId} as text, sorted. */
  public static List<String> rowsAt(Table table, long snapshotId) throws IOException {
    List<String> out = new ArrayList<>();
    try (CloseableIterable<Record> rows =
        IcebergGenerics.read(table).useSnapshot(snapshotId).build()) {
      for (Record r : rows) {
        out.add(r.toString());
      }
    }
    out.sort(null);
    return out;
  }

  /** The Parquet files under the table's data folder, referenced or not. */
  public static List<java.nio.file.Path> dataFilesOnDisk(Table table) throws IOException {
    java.nio.file.Path data = java.nio.file.Path.of(table.location(), "data");
    if (!java.nio.file.Files.exists(data)) {
      return List.of();
    }
    try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.walk(data)) {
      return files.filter(f -> f.getFileName().toString().endsWith(".parquet")).toList();
    }
  }

  /** The number of snapshots in the table's history. */
  public static int snapshots(Table table) {
    table.refresh();
    int n = 0;
    for (org.apache.iceberg.Snapshot ignored : table.snapshots()) {
      n++;
    }
    return n;
  }

  /** The current snapshot's data files. */
  public static List<DataFile> liveFiles(Table table) throws IOException {
    table.refresh();
    List<DataFile> files = new ArrayList<>();
    try (CloseableIterable<org.apache.iceberg.FileScanTask> tasks = table.newScan().planFiles()) {
      tasks.forEach(t -> files.add(t.file()));
    }
    return files;
  }

  /** A row of {@code table} whose required columns hold a value of their type. */
  public static Record row(Table table) {
    return filled(table.schema().asStruct());
  }

  /** A record whose required fields hold a value of their type. */
  private static Record filled(Types.StructType struct) {
    Record record = GenericRecord.create(struct);
    for (Types.NestedField field : struct.fields()) {
      if (field.isRequired()) {
        record.setField(field.name(), value(field.type()));
      }
    }
    return record;
  }

  private static Object value(Type type) {
    return switch (type.typeId()) {
      case STRING -> "x";
      case LONG -> 1L;
      case INTEGER -> 1;
      case DOUBLE -> 1.0;
      case BOOLEAN -> true;
      case TIMESTAMP -> OffsetDateTime.of(2026, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC);
      case STRUCT -> filled(type.asStructType());
      case LIST -> List.of();
      default -> throw new IllegalArgumentException("no test value for " + type);
    };
  }
}
