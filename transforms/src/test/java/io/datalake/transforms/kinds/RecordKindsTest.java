package io.datalake.transforms.kinds;

import static io.datalake.transforms.schema.Field.str;
import static io.datalake.transforms.schema.Field.ts;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.Assert.assertThrows;

import io.datalake.transforms.model.SourceRecord;
import io.datalake.transforms.parse.FlatRecordMapper;
import io.datalake.transforms.pii.PiiPolicy;
import io.datalake.transforms.schema.LakeTable;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.util.CoderUtils;
import org.junit.Test;

/** The registry of kinds, and declarations that do not hold together failing when built. */
public class RecordKindsTest {
  private static LakeTable.Builder table(String name) {
    return LakeTable.named(name)
        .columns(str("id"), str("org_id"), ts("at"), ts("changed_at"))
        .tenant("org_id")
        .eventTime("at")
        .key("org_id", "id");
  }

  private static RecordKind.Builder kind(String name, LakeTable... tables) {
    return RecordKind.named(name)
        .tenantField("org_id")
        .eventTimeField("at")
        .recordIdField("id")
        .mapper(FlatRecordMapper::new)
        .tables(tables);
  }

  private static String failure(Runnable declaration) {
    return assertThrows(IllegalArgumentException.class, declaration::run).getMessage();
  }

  @Test
  public void theBuiltInKindsInTheirFixedOrder() {
    assertThat(
        RecordKinds.builtIn().all().stream().map(RecordKind::name).toList(),
        equalTo(
            List.of(
                "entity-operations",
                "workflow-executions",
                "checkout-orders",
                "journey-sessions",
                "journey-events",
                "portal-sessions",
                "portal-events")));
    assertThat(RecordKinds.builtIn().defaultDroppedFields(), equalTo("checkout-orders:customData"));
  }

  @Test
  public void theKindOfATableComesFromTheDeclarationsNotFromItsName() {
    RecordKinds kinds = RecordKinds.builtIn();
    for (RecordKind kind : kinds.all()) {
      for (LakeTable table : kind.tables()) {
        assertThat(table.name(), kinds.kindOf(table.name()), equalTo(kind));
      }
    }
    assertThat(kinds.kindOf("workflow_contexts"), equalTo(WorkflowExecutions.KIND));
    assertThat(kinds.kindOf("checkout_order_items"), equalTo(CheckoutOrders.KIND));
    assertThat(
        failure(() -> kinds.kindOf("workflow_whatever")),
        equalTo("Unknown lake table: workflow_whatever"));
  }

  @Test
  public void aTableThatDoesNotHoldTogetherFailsWhenDeclared() {
    assertThat(
        failure(() -> table("t").key("org_id", "idd").build()),
        equalTo(
            "Lake table t: key column idd is not a column of its row type (columns: id, org_id,"
                + " at, changed_at)"));
    assertThat(
        failure(() -> table("t").eventTime("id").build()),
        equalTo("Lake table t: event-time column id is STRING, not TIMESTAMP"));
    assertThat(
        failure(() -> table("t").key("id").build()),
        equalTo("Lake table t: the key [id] must hold the tenant column org_id"));
    assertThat(
        failure(() -> table("t").version("changed_at").immutable().build()),
        equalTo(
            "Lake table t: an immutable table has no versions, so its version column is its event"
                + " time"));
    assertThat(
        failure(() -> table("Bad-Name").build()),
        equalTo(
            "Lake table Bad-Name: a table name is lower-case letters, digits and '_' (it names"
                + " folders and ClickHouse tables)"));
    LakeTable parent = table("parent").primary().build();
    assertThat(
        failure(() -> table("child").childOf(parent, "parent_id", "id").build()),
        equalTo(
            "Lake table child: parent column parent_id is not a column of its row type (columns:"
                + " id, org_id, at, changed_at)"));
  }

  @Test
  public void aKindThatDoesNotHoldTogetherFailsWhenDeclared() {
    LakeTable a = table("a").primary().build();
    LakeTable b = table("b").primary().build();
    assertThat(
        failure(() -> kind("two", a, b).build()),
        equalTo(
            "Kind of record two: exactly one of its tables must be primary (one row per accepted"
                + " record), got [a, b]"));
    assertThat(
        failure(
            () -> RecordKinds.builtIn().with(kind("again", EntityOperations.OPERATIONS).build())),
        equalTo("Kinds of record entity-operations and again share the table entity_operations"));
    assertThat(
        failure(() -> RecordKinds.builtIn().with(kind("journey-events", a).build())),
        equalTo("Kinds of record journey-events and journey-events share the name journey-events"));
  }

  @Test
  public void encodedRecordsCarryTheKindsNameNotItsPosition() throws Exception {
    RecordKind extra = kind("extra", table("extra_rows").primary().build()).build();
    RecordKinds kinds = RecordKinds.builtIn().with(extra);
    SourceRecord record = SourceRecord.of(extra, "f:1", "{}".getBytes(StandardCharsets.UTF_8));
    byte[] bytes = CoderUtils.encodeToByteArray(SourceRecord.Coder.of(kinds), record);
    assertThat(new String(bytes, 1, 5, StandardCharsets.UTF_8), equalTo("extra"));
    assertThat(
        CoderUtils.decodeFromByteArray(SourceRecord.Coder.of(kinds), bytes), equalTo(record));
    // Without the kind registered, its records are refused rather than taken for another kind's.
    assertThat(
        assertThrows(
                CoderException.class,
                () -> CoderUtils.decodeFromByteArray(SourceRecord.Coder.of(), bytes))
            .getMessage(),
        equalTo(
            "Unknown kind of record: extra (known: entity-operations, workflow-executions,"
                + " checkout-orders, journey-sessions, journey-events, portal-sessions,"
                + " portal-events)"));
    assertThat(
        failure(() -> PiiPolicy.defaults().paths(extra)),
        equalTo(
            "The PII policy was made without kind extra: make it with PiiPolicy.defaults(kinds) or"
                + " load(location, kinds)"));
  }
}
