package io.datalake.pipelines;

import io.datalake.transforms.io.LakePaths;
import io.datalake.transforms.kinds.EntityOperations;
import io.datalake.transforms.lake.iceberg.IcebergCatalogConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.PartitionField;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.io.CloseableIterable;

/**
 * The data files of the Iceberg {@code entity_operations} table's current snapshot, for {@code
 * ./datalake snapshot}: each under the Hive-style path {@link SnapshotInputs} plans from ({@code
 * entity_operations/org_id=T/year=Y/month=M/day=D/<file name>}, from the file's partition values),
 * mapped to its real location. Only committed files are read: a file no snapshot references (a run
 * killed before its commit) is not part of the table.
 */
final class IcebergSnapshotFiles {
  private IcebergSnapshotFiles() {}

  /** Planned path to real location, in the table's file order. */
  static Map<String, String> list(IcebergCatalogConfig config) {
    Catalog catalog = config.catalog();
    try {
      Table table = catalog.loadTable(config.id(EntityOperations.OPERATIONS.name()));
      Map<String, String> out = new LinkedHashMap<>();
      if (table.currentSnapshot() == null) {
        return out;
      }
      try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
        for (FileScanTask task : tasks) {
          DataFile file = task.file();
          out.put(plannedPath(table.specs().get(file.specId()), file), file.location());
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot list the files of " + table.name(), e);
      }
      return out;
    } finally {
      IcebergCatalogConfig.close(catalog);
    }
  }

  /** The file as SnapshotInputs sees a lake file: tenant folder, day, name. */
  static String plannedPath(PartitionSpec spec, DataFile file) {
    String tenant = null;
    LocalDate day = null;
    List<PartitionField> fields = spec.fields();
    for (int i = 0; i < fields.size(); i++) {
      String transform = fields.get(i).transform().toString();
      if (transform.equals("identity")) {
        tenant = file.partition().get(i, String.class);
      } else if (transform.equals("day")) {
        day = LocalDate.ofEpochDay(file.partition().get(i, Integer.class));
      } else if (transform.equals("hour")) {
        day = LocalDate.ofEpochDay(Math.floorDiv(file.partition().get(i, Integer.class), 24));
      }
    }
    if (tenant == null || day == null) {
      throw new IllegalStateException(
          "the Iceberg table's partitioning "
              + fields
              + " is not the lake's (tenant, day or hour)");
    }
    String name = file.location().substring(file.location().lastIndexOf('/') + 1);
    List<String> parts = new ArrayList<>();
    parts.add(EntityOperations.OPERATIONS.name());
    parts.add("org_id=" + LakePaths.escape(tenant));
    parts.add(String.format("year=%04d", day.getYear()));
    parts.add(String.format("month=%02d", day.getMonthValue()));
    parts.add(String.format("day=%02d", day.getDayOfMonth()));
    parts.add(name);
    return String.join("/", parts);
  }
}
