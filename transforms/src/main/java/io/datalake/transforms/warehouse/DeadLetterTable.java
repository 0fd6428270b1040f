package io.datalake.transforms.warehouse;

import io.datalake.transforms.model.DeadLetter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.io.clickhouse.TableSchema;
import org.apache.beam.sdk.io.clickhouse.TableSchema.ColumnType;
import org.apache.beam.sdk.io.clickhouse.TableSchema.TypeName;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;

/**
 * The warehouse's {@code dead_letters} table, made from {@link DeadLetter#STORED_FIELDS} (the
 * declaration the lake's dead-letter files are made from too) plus the warehouse's {@code _version}
 * (when it was written, epoch microseconds) and {@code _load_id}: one row per rejected record,
 * keyed by where it came from.
 */
public final class DeadLetterTable {
  public static final String NAME = "dead_letters";

  /** The record's tenant, null when unknown ({@code DeadLetter#tenant}); a tenant's row policy. */
  public static final String TENANT_COLUMN = DeadLetter.TENANT_FIELD;

  private static final List<String> ORDER_BY = List.of("kind", "source", "step");

  private DeadLetterTable() {}

  /** Column name to ClickHouse DDL type, in table order. */
  public static Map<String, String> columns() {
    Map<String, String> columns = new LinkedHashMap<>();
    for (DeadLetter.StoredField field : DeadLetter.STORED_FIELDS) {
      columns.put(field.name(), field.nullable() ? "Nullable(String)" : "String");
    }
    columns.put(WarehouseTables.VERSION, "UInt64");
    columns.put(WarehouseTables.LOAD_ID, "String");
    return columns;
  }

  /** Column name to what it holds, in table order (the README's table reference). */
  public static Map<String, String> meanings() {
    Map<String, String> meanings = new LinkedHashMap<>();
    for (DeadLetter.StoredField field : DeadLetter.STORED_FIELDS) {
      meanings.put(field.name(), field.description());
    }
    meanings.put(
        WarehouseTables.VERSION,
        "When the dead letter was written, in microseconds since 1970-01-01 UTC; FINAL keeps the"
            + " latest per key");
    meanings.put(WarehouseTables.LOAD_ID, "The pipeline run that wrote it (a UUID per run)");
    return meanings;
  }

  /** The {@code ORDER BY} columns: a record's position and the step that refused it. */
  public static List<String> orderBy() {
    return ORDER_BY;
  }

  public static String createStatement(String database) {
    return createStatement(
        database,
        NAME,
        Sql.identifier(WarehouseTables.INSERTED_AT) + " " + WarehouseTables.INSERTED_AT_DDL);
  }

  /** The DDL under another name, {@code insertedAt} the last column's declaration. */
  static String createStatement(String database, String tableName, String insertedAt) {
    StringBuilder sql = new StringBuilder("CREATE TABLE IF NOT EXISTS ");
    sql.append(Sql.identifier(database)).append('.').append(Sql.identifier(tableName));
    sql.append(" (\n");
    List<String> lines = new ArrayList<>();
    columns().forEach((name, type) -> lines.add("  " + Sql.identifier(name) + " " + type));
    lines.add("  " + insertedAt);
    sql.append(String.join(",\n", lines)).append('\n');
    sql.append(") ENGINE = ReplacingMergeTree(_version)\nPARTITION BY tuple()\n");
    sql.append("ORDER BY (")
        .append(String.join(", ", ORDER_BY.stream().map(Sql::identifier).toList()))
        .append(')');
    return sql.toString();
  }

  /** The schema ClickHouseIO inserts with. */
  public static TableSchema ioSchema() {
    List<TableSchema.Column> columns = new ArrayList<>();
    for (DeadLetter.StoredField field : DeadLetter.STORED_FIELDS) {
      columns.add(
          TableSchema.Column.of(
              field.name(),
              field.nullable() ? ColumnType.nullable(TypeName.STRING) : ColumnType.STRING));
    }
    columns.add(TableSchema.Column.of(WarehouseTables.VERSION, ColumnType.UINT64));
    columns.add(TableSchema.Column.of(WarehouseTables.LOAD_ID, ColumnType.STRING));
    return TableSchema.of(columns.toArray(TableSchema.Column[]::new));
  }

  public static Schema rowSchema() {
    return TableSchema.getEquivalentSchema(ioSchema());
  }

  /** The letter as a row of the table, written at {@code versionMicros} by load {@code loadId}. */
  public static Row toRow(Schema schema, DeadLetter letter, long versionMicros, String loadId) {
    Row.Builder row = Row.withSchema(schema);
    for (DeadLetter.StoredField field : DeadLetter.STORED_FIELDS) {
      row.addValue(field.value().apply(letter));
    }
    return row.addValues(versionMicros, loadId).build();
  }
}
