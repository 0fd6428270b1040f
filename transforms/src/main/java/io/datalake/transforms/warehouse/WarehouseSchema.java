package io.datalake.transforms.warehouse;

import io.datalake.transforms.model.TenantId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Schema management before a run (the pipeline's compile step): creates the database and the tables
 * when missing; for an existing table, adds the columns it lacks (and makes its tenants' views
 * again, which keep the columns they were made with) and refuses to start on a change that cannot
 * be made safely (a type change, a column the pipeline no longer writes), printing the difference
 * table by table. Every statement is idempotent ({@code IF NOT EXISTS}, columns added only when
 * missing): preparing twice, or from two launchers, changes nothing the second time. {@code
 * dead_letters} is checked and completed like the other tables (a table made before it had its
 * {@code table} column gets that column).
 */
public final class WarehouseSchema {
  private static final Logger LOG = LoggerFactory.getLogger(WarehouseSchema.class);

  private WarehouseSchema() {}

  /**
   * A table to create or complete: its columns (name to DDL type, in order), its DDL and the
   * warehouse table whose tenant views read it (null for {@code dead_letters}, which has none).
   */
  private record Definition(
      String name, Map<String, String> columns, String createStatement, WarehouseTable table) {}

  /** The warehouse tables, then {@code dead_letters}; all checked and migrated the same way. */
  private static List<Definition> definitions(String database, List<WarehouseTable> tables) {
    List<Definition> definitions = new ArrayList<>();
    for (WarehouseTable table : tables) {
      Map<String, String> columns = new LinkedHashMap<>();
      table.columns().forEach(c -> columns.put(c.name(), c.ddlType()));
      columns.put(WarehouseTables.INSERTED_AT, WarehouseTables.INSERTED_AT_TYPE);
      definitions.add(
          new Definition(table.name(), columns, table.createStatement(database), table));
    }
    Map<String, String> deadLetterColumns = new LinkedHashMap<>(DeadLetterTable.columns());
    deadLetterColumns.put(WarehouseTables.INSERTED_AT, WarehouseTables.INSERTED_AT_TYPE);
    definitions.add(
        new Definition(
            DeadLetterTable.NAME,
            deadLetterColumns,
            DeadLetterTable.createStatement(database),
            null));
    Map<String, String> runColumns = new LinkedHashMap<>(RunsTable.columns());
    runColumns.put(WarehouseTables.INSERTED_AT, WarehouseTables.INSERTED_AT_TYPE);
    definitions.add(
        new Definition(RunsTable.NAME, runColumns, RunsTable.createStatement(database), null));
    return definitions;
  }

  public static void prepare(ClickHouseClient client, String database) {
    prepare(client, database, WarehouseTables.all());
  }

  /**
   * Prepares {@code tables} (those of the kinds a write feeds), then {@code dead_letters} and
   * {@code datalake_runs} ({@link RunsTable}). Every table also has {@link
   * WarehouseTables#INSERTED_AT}, which the server fills in, added to a table made without it.
   */
  public static void prepare(
      ClickHouseClient client, String database, List<WarehouseTable> tables) {
    client.execute("CREATE DATABASE IF NOT EXISTS " + Sql.identifier(database));
    Map<String, Map<String, String>> existing = existingColumns(client, database);
    List<String> views = views(client, database);
    List<String> problems = new ArrayList<>();
    for (Definition table : definitions(database, tables)) {
      Map<String, String> columns = existing.get(table.name());
      if (columns == null) {
        client.execute(table.createStatement());
        LOG.info("datalake: created ClickHouse table {}.{}", database, table.name());
        continue;
      }
      List<String> tableProblems = new ArrayList<>();
      Map<String, String> wanted = table.columns();
      for (Map.Entry<String, String> column : wanted.entrySet()) {
        String actual = columns.get(column.getKey());
        if (actual == null) {
          continue;
        }
        if (!actual.equals(column.getValue())) {
          tableProblems.add(
              "  column "
                  + column.getKey()
                  + ": is "
                  + actual
                  + ", pipeline writes "
                  + column.getValue()
                  + " (type change)");
        }
      }
      for (String column : columns.keySet()) {
        if (!wanted.containsKey(column)) {
          tableProblems.add(
              "  column "
                  + column
                  + ": exists in ClickHouse, the pipeline no longer writes it (dropped column)");
        }
      }
      if (!tableProblems.isEmpty()) {
        problems.add("table " + database + "." + table.name() + ":");
        problems.addAll(tableProblems);
        continue;
      }
      String previous = null;
      for (Map.Entry<String, String> column : wanted.entrySet()) {
        if (!columns.containsKey(column.getKey())) {
          client.execute(
              "ALTER TABLE "
                  + Sql.identifier(database)
                  + "."
                  + Sql.identifier(table.name())
                  + " ADD COLUMN "
                  + Sql.identifier(column.getKey())
                  + " "
                  // Rows written before the column existed have no write time: until a merge
                  // writes it, ClickHouse computes now() for them at each read.
                  + (column.getKey().equals(WarehouseTables.INSERTED_AT)
                      ? WarehouseTables.INSERTED_AT_DDL
                      : column.getValue())
                  // 18.16 looks for the AFTER column among those of the new one's kind: none
                  // for the one MATERIALIZED column, which comes last anyway.
                  + (previous == null || column.getKey().equals(WarehouseTables.INSERTED_AT)
                      ? ""
                      : " AFTER " + Sql.identifier(previous)));
          LOG.info(
              "datalake: added column {} {} to ClickHouse table {}.{}",
              column.getKey(),
              column.getValue(),
              database,
              table.name());
        }
        previous = column.getKey();
      }
      if (table.table() != null) {
        remakeStaleViews(client, database, table.table(), existing, views);
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalStateException(
          "ClickHouse tables differ from the pipeline's schema in ways that cannot be applied safely;"
              + " migrate or drop them first:\n"
              + String.join("\n", problems));
    }
  }

  /**
   * A view keeps the columns its table had when it was made (18.16 and current servers alike), so a
   * tenant's {@code _final} view of a table that has since gained columns would not show them: such
   * views are made again. A view counts as the table's when its name is a tenant's view name of it
   * and all its columns are the table's; it is stale when it lacks some. Between the drop and the
   * create (milliseconds, before the run) the view does not exist.
   */
  private static void remakeStaleViews(
      ClickHouseClient client,
      String database,
      WarehouseTable table,
      Map<String, Map<String, String>> existing,
      List<String> views) {
    String suffix = "_" + table.name() + "_final";
    Set<String> wanted = new LinkedHashSet<>();
    table.columns().forEach(c -> wanted.add(c.name()));
    for (String view : views) {
      Map<String, String> columns = existing.get(view);
      String tenant = view.substring(0, Math.max(0, view.length() - suffix.length()));
      if (!view.endsWith(suffix)
          || !TenantId.isValid(tenant)
          || columns == null
          || !wanted.containsAll(columns.keySet())
          || columns.keySet().containsAll(wanted)) {
        continue;
      }
      client.execute(
          "DROP TABLE IF EXISTS " + Sql.identifier(database) + "." + Sql.identifier(view));
      client.execute(table.createViewStatement(database, tenant));
      LOG.info("datalake: made view {}.{} again with the table's new columns", database, view);
    }
  }

  private static List<String> views(ClickHouseClient client, String database) {
    return lines(
        client.execute(
            "SELECT name FROM system.tables WHERE database = "
                + Sql.string(database)
                + " AND engine = 'View' FORMAT TabSeparated"));
  }

  /** The non-blank lines of a TabSeparated answer. */
  static List<String> lines(String body) {
    List<String> lines = new ArrayList<>();
    for (String line : body.split("\n")) {
      if (!line.isBlank()) {
        lines.add(line);
      }
    }
    return lines;
  }

  private static Map<String, Map<String, String>> existingColumns(
      ClickHouseClient client, String database) {
    Map<String, Map<String, String>> tables = new LinkedHashMap<>();
    String body =
        client.execute(
            "SELECT table, name, type FROM system.columns WHERE database = "
                + Sql.string(database)
                + " FORMAT TabSeparated");
    for (String line : lines(body)) {
      String[] parts = line.split("\t", 3);
      tables.computeIfAbsent(parts[0], t -> new LinkedHashMap<>()).put(parts[1], parts[2]);
    }
    return tables;
  }
}
