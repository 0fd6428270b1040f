package io.datalake.transforms.warehouse;

import io.datalake.transforms.model.LakeRow;
import io.datalake.transforms.model.RecordRejectedException;
import java.io.Serializable;
import org.apache.beam.sdk.io.clickhouse.TableSchema;

/**
 * One ClickHouse column: its DDL type, the type ClickHouseIO writes it with, and how its value is
 * taken from a lake row (throwing for a value the column would reject).
 */
public record WarehouseColumn(
    String name, String ddlType, TableSchema.ColumnType ioType, Value value)
    implements Serializable {

  /** Reads the column's value from a lake row. */
  @FunctionalInterface
  public interface Value extends Serializable {
    Object of(LakeRow row) throws RecordRejectedException;
  }
}
