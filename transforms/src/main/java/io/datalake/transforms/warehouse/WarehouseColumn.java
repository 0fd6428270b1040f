package io.datalake.transforms.warehouse;

import io.datalake.transforms.model.LakeRow;
import io.datalake.transforms.model.RecordRejectedException;
import java.io.Serializable;
import org.apache.beam.sdk.io.clickhouse.TableSchema;

/**
 * One ClickHouse column: its DDL type, the type ClickHouseIO writes it with, and how its value is
 * taken from a lake row (throwing for a value the column would reject).
 *
 * @param description what a column the warehouse adds holds (one line, for the README's table
 *     reference); null for a column of a lake field, whose meaning is the field's
 */
public record WarehouseColumn(
    String name, String ddlType, TableSchema.ColumnType ioType, Value value, String description)
    implements Serializable {

  /** A column of a lake field: its meaning is the field's. */
  public WarehouseColumn(String name, String ddlType, TableSchema.ColumnType ioType, Value value) {
    this(name, ddlType, ioType, value, null);
  }

  /** Reads the column's value from a lake row. */
  @FunctionalInterface
  public interface Value extends Serializable {
    Object of(LakeRow row) throws RecordRejectedException;
  }
}
