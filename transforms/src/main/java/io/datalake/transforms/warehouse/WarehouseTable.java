package io.datalake.transforms.warehouse;

import java.io.Serializable;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.beam.sdk.io.clickhouse.TableSchema;
import org.apache.beam.sdk.schemas.Schema;

/**
 * A ClickHouse table of the warehouse: {@code ReplacingMergeTree(_version)} ordered by its natural
 * key, fed from one lake table.
 *
 * @param source the lake table its rows come from
 * @param tenantColumn the column the per-tenant views filter on
 * @param partitionBy the partition expression; {@code tuple()} for tables whose versions of one key
 *     can fall in different months (ReplacingMergeTree only replaces within a partition)
 * @param viewFilter extra condition of the per-tenant {@code _final} views, with {@code
 *     {table:NAME}} (the warehouse table NAME, as the view names it) and {@code {org}}
 *     placeholders; empty for none
 */
public record WarehouseTable(
    String name,
    String source,
    String tenantColumn,
    List<WarehouseColumn> columns,
    List<String> orderBy,
    String partitionBy,
    String viewFilter)
    implements Serializable {
  private static final Pattern PLACEHOLDER =
      Pattern.compile("\\{table:([A-Za-z0-9_]+)\\}|\\{org\\}");

  public TableSchema ioSchema() {
    return TableSchema.of(
        columns.stream()
            .map(c -> TableSchema.Column.of(c.name(), c.ioType()))
            .toArray(TableSchema.Column[]::new));
  }

  public Schema rowSchema() {
    return TableSchema.getEquivalentSchema(ioSchema());
  }

  public String createStatement(String database) {
    return createStatement(
        database,
        name,
        Sql.identifier(WarehouseTables.INSERTED_AT) + " " + WarehouseTables.INSERTED_AT_DDL);
  }

  /**
   * The table's DDL under another name, with {@code insertedAt} as the last column's declaration: a
   * tenant's copy ({@link TenantDatabase}) takes the write time from the warehouse's row.
   */
  String createStatement(String database, String tableName, String insertedAt) {
    StringBuilder sql = new StringBuilder("CREATE TABLE IF NOT EXISTS ");
    sql.append(Sql.identifier(database)).append('.').append(Sql.identifier(tableName));
    sql.append(" (\n");
    for (WarehouseColumn c : columns) {
      sql.append("  ").append(Sql.identifier(c.name())).append(' ').append(c.ddlType());
      sql.append(",\n");
    }
    sql.append("  ").append(insertedAt).append('\n');
    sql.append(") ENGINE = ReplacingMergeTree(_version)\n");
    sql.append("PARTITION BY ").append(partitionBy).append('\n');
    sql.append("ORDER BY (")
        .append(String.join(", ", orderBy.stream().map(Sql::identifier).toList()))
        .append(')');
    return sql.toString();
  }

  public String viewName(String tenant) {
    return tenant + "_" + name + "_final";
  }

  /** The tenant's deduplicated view: only its rows, latest versions ({@code FINAL}). */
  public String createViewStatement(String database, String tenant) {
    String db = Sql.identifier(database);
    return viewStatement(
        db + "." + Sql.identifier(viewName(tenant)),
        "*",
        t -> db + "." + Sql.identifier(t),
        tenant);
  }

  /**
   * A deduplicated view of the tenant's rows: {@code CREATE VIEW IF NOT EXISTS view AS SELECT
   * columns FROM <this table> FINAL WHERE <tenant> AND <viewFilter>}, each table named (this one
   * and those the filter reads, {@code {table:NAME}}) by {@code tableReference}.
   */
  String viewStatement(
      String view, String columns, Function<String, String> tableReference, String tenant) {
    String org = Sql.string(tenant);
    // One pass: nothing a placeholder is replaced with is read again.
    Matcher m = PLACEHOLDER.matcher(viewFilter);
    StringBuilder filter = new StringBuilder();
    while (m.find()) {
      String value = m.group(1) == null ? org : tableReference.apply(m.group(1));
      m.appendReplacement(filter, Matcher.quoteReplacement(value));
    }
    m.appendTail(filter);
    return "CREATE VIEW IF NOT EXISTS "
        + view
        + " AS SELECT "
        + columns
        + " FROM "
        + tableReference.apply(name)
        + " FINAL WHERE "
        + tenantColumn
        + " = "
        + org
        + (filter.length() == 0 ? "" : " AND " + filter);
  }
}
