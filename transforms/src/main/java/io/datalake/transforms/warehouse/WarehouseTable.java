package io.datalake.transforms.warehouse;

import java.io.Serializable;
import java.util.List;
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
 * @param viewFilter extra condition of the per-tenant {@code _final} views, with {@code {db}} and
 *     {@code {org}} placeholders; empty for none
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
    StringBuilder sql = new StringBuilder("CREATE TABLE IF NOT EXISTS ");
    sql.append(Sql.identifier(database)).append('.').append(Sql.identifier(name)).append(" (\n");
    for (WarehouseColumn c : columns) {
      sql.append("  ").append(Sql.identifier(c.name())).append(' ').append(c.ddlType());
      sql.append(",\n");
    }
    sql.append("  ")
        .append(Sql.identifier(WarehouseTables.INSERTED_AT))
        .append(' ')
        .append(WarehouseTables.INSERTED_AT_DDL)
        .append('\n');
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
    String org = Sql.string(tenant);
    String filter = viewFilter.replace("{db}", db).replace("{org}", org);
    return "CREATE VIEW IF NOT EXISTS "
        + db
        + "."
        + Sql.identifier(viewName(tenant))
        + " AS SELECT * FROM "
        + db
        + "."
        + Sql.identifier(name)
        + " FINAL WHERE "
        + tenantColumn
        + " = "
        + org
        + (filter.isEmpty() ? "" : " AND " + filter);
  }
}
