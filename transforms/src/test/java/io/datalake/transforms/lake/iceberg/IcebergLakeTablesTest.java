package io.datalake.transforms.lake.iceberg;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.junit.Assert.assertThrows;

import io.datalake.transforms.kinds.JourneyEvents;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.schema.LakeTable;
import java.util.List;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.types.Types;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class IcebergLakeTablesTest {
  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  @Test
  public void createsEveryTableOnceThenChangesNothing() throws Exception {
    IcebergCatalogConfig config = IcebergCatalogConfig.hadoop(temp.newFolder("wh").toString());
    RecordKinds kinds = RecordKinds.builtIn();
    List<String> first = IcebergLakeTables.prepare(config, kinds, false, "SNAPPY");
    assertThat(first, hasSize(kinds.tables().size()));
    assertThat(IcebergLakeTables.prepare(config, kinds, false, "SNAPPY"), is(empty()));
    Catalog catalog = config.catalog();
    Table table = catalog.loadTable(config.id(JourneyEvents.TABLE.name()));
    assertThat(
        ((org.apache.iceberg.HasTableOperations) table).operations().current().formatVersion(),
        is(2));
    assertThat(table.properties().get("write.parquet.compression-codec"), is("snappy"));
    assertThat(IcebergLakeTables.describe(table.spec()), is("[identity(org_id), day(created_at)]"));
  }

  @Test
  public void theJdbcCatalogOnASqliteFileHoldsTheSameTables() throws Exception {
    String db = temp.newFile("catalog.db").toString();
    IcebergCatalogConfig config =
        new IcebergCatalogConfig(
            "jdbc", temp.newFolder("wh").toString(), "jdbc:sqlite:" + db, null, "lake");
    RecordKinds kinds = RecordKinds.builtIn();
    assertThat(
        IcebergLakeTables.prepare(config, kinds, false, "ZSTD"), hasSize(kinds.tables().size()));
    assertThat(IcebergLakeTables.prepare(config, kinds, false, "ZSTD"), is(empty()));
    Table table = config.catalog().loadTable(config.id(JourneyEvents.TABLE.name()));
    assertThat(table.location().endsWith("/lake/journey_events"), is(true));
  }

  @Test
  public void aJdbcCatalogUrlWithAPasswordIsRefused() {
    IllegalArgumentException refused =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new IcebergCatalogConfig(
                    "jdbc", "/tmp/wh", "jdbc:postgresql://db/x?password=secret", null, null));
    assertThat(refused.getMessage(), containsString("--icebergCatalogCredentialsFile"));
    assertThat(refused.getMessage().contains("secret"), is(false));
  }

  @Test
  public void anS3WarehouseNeedsTheJdbcCatalogAndOtherSchemesAreRefusedBeforeTheRun() {
    IllegalArgumentException refused =
        assertThrows(
            IllegalArgumentException.class, () -> IcebergCatalogConfig.hadoop("s3://bucket/lake"));
    assertThat(refused.getMessage(), containsString("needs --icebergCatalog=jdbc"));
    IllegalArgumentException gcs =
        assertThrows(
            IllegalArgumentException.class, () -> IcebergCatalogConfig.hadoop("gs://bucket/lake"));
    assertThat(gcs.getMessage(), containsString("s3://BUCKET/PREFIX"));
    IcebergCatalogConfig s3 =
        new IcebergCatalogConfig("jdbc", "s3://bucket/lake/", "jdbc:sqlite:/tmp/c.db", null, null)
            .withS3(new IcebergS3FileIO("http://127.0.0.1:9090", "us-east-1"));
    assertThat(s3.warehouse(), is("s3://bucket/lake"));
    assertThat(
        s3.s3().catalogProperties().get("io-impl"), is("org.apache.iceberg.aws.s3.S3FileIO"));
    assertThat(s3.s3().catalogProperties().get("s3.path-style-access"), is("true"));
    assertThat(
        "a local warehouse has no S3 settings",
        IcebergCatalogConfig.hadoop("/tmp/wh").withS3(new IcebergS3FileIO("http://x", "r")).s3(),
        is((IcebergS3FileIO) null));
  }

  @Test
  public void addsANewlyDeclaredColumn() throws Exception {
    IcebergCatalogConfig config = IcebergCatalogConfig.hadoop(temp.newFolder("wh").toString());
    LakeTable events = JourneyEvents.TABLE;
    Schema full = IcebergSchemas.schema(events);
    // The table as an older version made it: without the "type" column.
    Schema older =
        new Schema(full.columns().stream().filter(c -> !c.name().equals("type")).toList());
    Catalog catalog = config.catalog();
    catalog.createTable(config.id(events.name()), older, IcebergSchemas.spec(events, older, false));
    List<String> done = IcebergLakeTables.prepare(config, RecordKinds.builtIn(), false, "SNAPPY");
    assertThat(done.toString(), containsString("journey_events: added type string"));
    Table table = catalog.loadTable(config.id(events.name()));
    assertThat(table.schema().findField("type").isOptional(), is(true));
  }

  @Test
  public void refusesAnIncompatibleChangeWithTheDifferenceAndChangesNothing() throws Exception {
    IcebergCatalogConfig config = IcebergCatalogConfig.hadoop(temp.newFolder("wh").toString());
    LakeTable events = JourneyEvents.TABLE;
    Schema full = IcebergSchemas.schema(events);
    // "type" was a long, and there is a column the pipeline no longer writes.
    List<Types.NestedField> columns = new java.util.ArrayList<>();
    for (Types.NestedField c : full.columns()) {
      columns.add(
          c.name().equals("type")
              ? Types.NestedField.optional(c.fieldId(), "type", Types.LongType.get())
              : c);
    }
    columns.add(Types.NestedField.optional(1000, "gone", Types.StringType.get()));
    Schema changed = new Schema(columns);
    Catalog catalog = config.catalog();
    catalog.createTable(
        config.id(events.name()), changed, IcebergSchemas.spec(events, changed, false));
    IllegalStateException refused =
        assertThrows(
            IllegalStateException.class,
            () -> IcebergLakeTables.prepare(config, RecordKinds.builtIn(), true, "SNAPPY"));
    assertThat(refused.getMessage(), containsString("datalake.journey_events:"));
    assertThat(
        refused.getMessage(),
        containsString("column type is long in the table, this run writes string"));
    assertThat(
        refused.getMessage(),
        containsString("column gone (string) is in the table but this run no longer writes it"));
    assertThat(
        refused.getMessage(),
        containsString(
            "partitioned by [identity(org_id), day(created_at)], this run writes [identity(org_id),"
                + " hour(created_at)]"));
    // Nothing changed: no other table was created.
    assertThat(catalog.tableExists(config.id("portal_events")), is(false));
  }
}
