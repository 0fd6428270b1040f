package io.datalake.transforms.parse;

import com.fasterxml.jackson.databind.JsonNode;
import io.datalake.transforms.schema.LakeTable;
import java.time.Instant;
import java.util.List;

/**
 * A parsed input record reshaped into the rows of its tables, still JSON (typing comes next), with
 * the tenant and event time that place them.
 */
public record MappedRecord(String tenant, Instant eventTime, List<TableRow> rows) {
  /**
   * One row for one table, shaped like the table's declared row type.
   *
   * @param depth the depth of the row's object in its record (1: the record; 3: an element of one
   *     of its arrays), for the overall nesting bound of stringified JSON typed in the row
   */
  public record TableRow(LakeTable table, JsonNode json, int depth) {
    public TableRow(LakeTable table, JsonNode json) {
      this(table, json, 1);
    }
  }
}
