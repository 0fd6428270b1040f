package io.datalake.transforms.lake.iceberg;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import io.datalake.transforms.kinds.JourneyEvents;
import io.datalake.transforms.schema.LakeTable;
import io.datalake.transforms.schema.LakeTables;
import java.util.List;
import org.apache.avro.generic.GenericData;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.StructLike;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.junit.Test;

public class IcebergSchemasTest {
  @Test
  public void everyTableHasTheColumnsOfItsAvroSchemaInOrder() {
    for (LakeTable table : LakeTables.all()) {
      Schema schema = IcebergSchemas.schema(table);
      List<String> avro =
          table.avroSchema().getFields().stream().map(org.apache.avro.Schema.Field::name).toList();
      List<String> iceberg = schema.columns().stream().map(Types.NestedField::name).toList();
      assertThat(table.name(), iceberg, is(avro));
    }
  }

  @Test
  public void typesAreThoseOfTheParquetLake() {
    Schema schema = IcebergSchemas.schema(JourneyEvents.TABLE);
    assertThat(schema.findType("created_at"), is((Type) Types.TimestampType.withZone()));
    assertThat(schema.findType("org_id"), is((Type) Types.StringType.get()));
    assertThat(schema.findField("org_id").isOptional(), is(true));
    // The pipeline's own flag is never null, as in the Parquet files (REQUIRED).
    assertThat(schema.findField("late").isRequired(), is(true));
    assertThat(schema.findType("late"), is((Type) Types.BooleanType.get()));
  }

  @Test
  public void nestedRecordsAreStructsAndArraysLists() {
    Schema schema = IcebergSchemas.schema(LakeTables.byName("checkout_orders"));
    long structs = schema.columns().stream().filter(f -> f.type().isStructType()).count();
    long lists = schema.columns().stream().filter(f -> f.type().isListType()).count();
    assertThat("structs " + schema, structs > 0, is(true));
    assertThat("lists " + schema, lists > 0, is(true));
    // Every field id is unique, nested ones included: numbered 1..n.
    assertThat(
        org.apache.iceberg.types.TypeUtil.indexById(schema.asStruct()).size(),
        is(schema.highestFieldId()));
  }

  @Test
  public void partitionedByTenantAndDayOrHourOfTheEventTime() {
    LakeTable table = JourneyEvents.TABLE;
    Schema schema = IcebergSchemas.schema(table);
    assertThat(
        IcebergLakeTables.describe(IcebergSchemas.spec(table, schema, false)),
        is("[identity(org_id), day(created_at)]"));
    assertThat(
        IcebergLakeTables.describe(IcebergSchemas.spec(table, schema, true)),
        is("[identity(org_id), hour(created_at)]"));
    assertThat(
        IcebergLakeTables.describe(
            IcebergSchemas.spec(
                LakeTables.byName("checkout_orders"),
                IcebergSchemas.schema(LakeTables.byName("checkout_orders")),
                false)),
        is(
            "[identity("
                + LakeTables.byName("checkout_orders").tenantColumn()
                + "), day("
                + LakeTables.byName("checkout_orders").eventTimeColumn()
                + ")]"));
  }

  @Test
  public void aRowsPartitionComesFromItsOwnColumns() {
    LakeTable table = JourneyEvents.TABLE;
    PartitionSpec spec = IcebergSchemas.spec(table, IcebergSchemas.schema(table), false);
    GenericData.Record record = new GenericData.Record(table.avroSchema());
    record.put("org_id", new org.apache.avro.util.Utf8("739224"));
    // 2026-01-02T03:04:05Z, and one before 1970 (floor, not truncation).
    record.put("created_at", 1_767_323_045_000_000L);
    StructLike partition = IcebergSchemas.partition(spec, record);
    assertThat(partition.get(0, Object.class), is("739224"));
    assertThat(spec.partitionToPath(partition), is("org_id=739224/created_at_day=2026-01-02"));
    record.put("created_at", -1L);
    assertThat(
        spec.partitionToPath(IcebergSchemas.partition(spec, record)),
        is("org_id=739224/created_at_day=1969-12-31"));
    PartitionSpec hourly = IcebergSchemas.spec(table, IcebergSchemas.schema(table), true);
    record.put("created_at", 1_767_323_045_000_000L);
    assertThat(
        hourly.partitionToPath(IcebergSchemas.partition(hourly, record)),
        is("org_id=739224/created_at_hour=2026-01-02-03"));
  }
}
