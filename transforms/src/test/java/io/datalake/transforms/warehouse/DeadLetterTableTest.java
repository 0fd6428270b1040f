package io.datalake.transforms.warehouse;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.datalake.transforms.io.WriteDeadLetters;
import io.datalake.transforms.model.DeadLetter;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.values.Row;
import org.junit.Test;

/**
 * The warehouse's {@code dead_letters} table and the lake's dead-letter lines come from one
 * declaration: the same fields, in the same order, with the same values.
 */
public class DeadLetterTableTest {
  private static final DeadLetter REJECTED =
      new DeadLetter(
              "checkout-orders",
              "clickhouse",
              "checkout_orders.orderId (part of the key) is missing",
              "clickhouse:checkout_orders:org-a/null",
              "enc:abc",
              "checkout_orders")
          .withTenant("org-a");

  @Test
  public void theTableIsTheDeclaredFieldsPlusVersionAndLoadId() {
    assertThat(
        DeadLetterTable.createStatement("lake"),
        equalTo(
            "CREATE TABLE IF NOT EXISTS `lake`.`dead_letters` (\n"
                + "  `kind` String,\n  `step` String,\n  `error` String,\n  `source` String,\n"
                + "  `encrypted_record` Nullable(String),\n  `table` Nullable(String),\n"
                + "  `org_id` Nullable(String),\n"
                + "  `_version` UInt64,\n  `_load_id` String,\n"
                + "  `_inserted_at` DateTime MATERIALIZED now()\n"
                + ") ENGINE = ReplacingMergeTree(_version)\nPARTITION BY tuple()\n"
                + "ORDER BY (`kind`, `source`, `step`)"));
    assertThat(
        DeadLetterTable.rowSchema().getFieldNames(),
        equalTo(new ArrayList<>(DeadLetterTable.columns().keySet())));
  }

  @Test
  public void aLakeLineAndAWarehouseRowHoldTheSameFields() throws Exception {
    JsonNode line = new ObjectMapper().readTree(WriteDeadLetters.toJson(REJECTED));
    Row row = DeadLetterTable.toRow(DeadLetterTable.rowSchema(), REJECTED, 42L, "load-1");
    List<String> lineFields = new ArrayList<>();
    line.fieldNames().forEachRemaining(lineFields::add);
    List<String> rowFields = row.getSchema().getFieldNames();
    assertThat(lineFields, equalTo(rowFields.subList(0, rowFields.size() - 2)));
    for (String field : lineFields) {
      assertThat(field, row.getString(field), equalTo(line.get(field).asText()));
    }
    assertThat(row.getInt64(WarehouseTables.VERSION), equalTo(42L));
    assertThat(row.getString(WarehouseTables.LOAD_ID), equalTo("load-1"));
  }

  @Test
  public void aDeadLetterOfAnEarlierStepHasNoTable() throws Exception {
    DeadLetter parse = new DeadLetter("checkout-orders", "parse", "not JSON", "f.jsonl:3", null);
    JsonNode line = new ObjectMapper().readTree(WriteDeadLetters.toJson(parse));
    assertThat(line.get("table").isNull(), equalTo(true));
    assertThat(line.get("encrypted_record").isNull(), equalTo(true));
    assertThat(line.get("org_id").isNull(), equalTo(true));
  }
}
