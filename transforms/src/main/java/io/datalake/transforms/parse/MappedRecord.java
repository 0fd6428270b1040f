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
  /** One row for one table, shaped like the table's declared row type. */
  public record TableRow(LakeTable table, JsonNode json) {}
}
