package io.datalake.transforms.lake.iceberg;

import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.schema.LakeTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.iceberg.PartitionField;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prepares the lake's Iceberg tables before a run, as {@code PrepareWarehouse} does ClickHouse's:
 * creates the namespace and the missing tables, adds the columns a table lacks (a newly declared
 * column; Iceberg adds it without rewriting a file, older rows read it as null), and refuses to
 * start on a change it cannot make safely (a column whose type changed, a column the pipeline no
 * longer writes, another partitioning), printing the difference table by table. Nothing is changed
 * when anything is refused.
 */
public final class IcebergLakeTables {
  private static final Logger LOG = LoggerFactory.getLogger(IcebergLakeTables.class);

  /** Iceberg table format version of new tables (row-level deletes, required by overwrites). */
  public static final String FORMAT_VERSION = "2";

  private IcebergLakeTables() {}

  /**
   * Makes the catalog hold every table of {@code kinds} in the shape this run writes; returns what
   * it did, one line per created or changed table.
   *
   * @throws IllegalStateException when a table differs in a way that cannot be changed safely,
   *     naming every difference
   */
  public static List<String> prepare(
      IcebergCatalogConfig config, RecordKinds kinds, boolean hourly, String compression) {
    Catalog catalog = config.catalog();
    try {
      if (catalog instanceof SupportsNamespaces namespaces
          && !namespaces.namespaceExists(config.id("x").namespace())) {
        namespaces.createNamespace(config.id("x").namespace());
      }
      List<String> refused = new ArrayList<>();
      List<Runnable> changes = new ArrayList<>();
      List<String> done = new ArrayList<>();
      for (LakeTable lakeTable : kinds.tables()) {
        TableIdentifier id = config.id(lakeTable.name());
        Schema wanted = IcebergSchemas.schema(lakeTable);
        if (!catalog.tableExists(id)) {
          PartitionSpec spec = IcebergSchemas.spec(lakeTable, wanted, hourly);
          changes.add(
              () ->
                  catalog.createTable(
                      id,
                      wanted,
                      spec,
                      Map.of(
                          TableProperties.FORMAT_VERSION,
                          FORMAT_VERSION,
                          TableProperties.PARQUET_COMPRESSION,
                          compression.toLowerCase(Locale.ROOT))));
          done.add(id + ": created, partitioned by " + describe(spec));
          continue;
        }
        Table table = catalog.loadTable(id);
        List<String> problems = new ArrayList<>();
        List<String> added = new ArrayList<>();
        compare("", table.schema().asStruct(), wanted.asStruct(), problems, added);
        PartitionSpec expected = IcebergSchemas.spec(lakeTable, wanted, hourly);
        if (!describe(table.spec()).equals(describe(expected))) {
          problems.add(
              "partitioned by "
                  + describe(table.spec())
                  + ", this run writes "
                  + describe(expected)
                  + " (run with the --partitionByHour the table was made with)");
        }
        if (!problems.isEmpty()) {
          refused.add(id + ":\n    " + String.join("\n    ", problems));
        } else if (!added.isEmpty()) {
          changes.add(() -> table.updateSchema().unionByNameWith(wanted).commit());
          done.add(id + ": added " + String.join(", ", added));
        }
      }
      if (!refused.isEmpty()) {
        throw new IllegalStateException(
            "The lake's Iceberg tables differ from what this run writes in ways that cannot be"
                + " changed safely (nothing was changed):\n  "
                + String.join("\n  ", refused));
      }
      changes.forEach(Runnable::run);
      done.forEach(line -> LOG.info("datalake: iceberg table {}", line));
      return done;
    } finally {
      IcebergCatalogConfig.close(catalog);
    }
  }

  /** The spec as {@code [identity(org_id), day(created_at)]}, by column name. */
  static String describe(PartitionSpec spec) {
    List<String> fields = new ArrayList<>();
    for (PartitionField field : spec.fields()) {
      fields.add(field.transform() + "(" + spec.schema().findColumnName(field.sourceId()) + ")");
    }
    return fields.toString();
  }

  /** Compares by name: what the table lacks is added, anything else that differs is refused. */
  private static void compare(
      String prefix,
      Types.StructType existing,
      Types.StructType wanted,
      List<String> problems,
      List<String> added) {
    for (Types.NestedField field : existing.fields()) {
      if (wanted.field(field.name()) == null) {
        problems.add(
            "column "
                + prefix
                + field.name()
                + " ("
                + field.type()
                + ") is in the table but this run no longer writes it");
      }
    }
    for (Types.NestedField field : wanted.fields()) {
      Types.NestedField old = existing.field(field.name());
      String name = prefix + field.name();
      if (old == null) {
        added.add(name + " " + field.type());
      } else {
        compareType(name, old.type(), field.type(), problems, added);
        if (old.isRequired() && field.isOptional()) {
          problems.add("column " + name + " is required in the table, this run writes nulls");
        }
      }
    }
  }

  private static void compareType(
      String name, Type existing, Type wanted, List<String> problems, List<String> added) {
    if (existing.isStructType() && wanted.isStructType()) {
      compare(name + ".", existing.asStructType(), wanted.asStructType(), problems, added);
    } else if (existing.isListType() && wanted.isListType()) {
      compareType(
          name + "[]",
          existing.asListType().elementType(),
          wanted.asListType().elementType(),
          problems,
          added);
    } else if (existing.isPrimitiveType() && wanted.isPrimitiveType()) {
      if (!existing.equals(wanted)) {
        problems.add(
            "column " + name + " is " + existing + " in the table, this run writes " + wanted);
      }
    } else {
      problems.add(
          "column " + name + " is " + existing + " in the table, this run writes " + wanted);
    }
  }
}
