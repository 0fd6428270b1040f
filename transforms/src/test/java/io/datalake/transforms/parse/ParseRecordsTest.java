package io.datalake.transforms.parse;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.transforms.Fixtures;
import io.datalake.transforms.kinds.CheckoutOrders;
import io.datalake.transforms.kinds.EntityOperations;
import io.datalake.transforms.kinds.JourneyEvents;
import io.datalake.transforms.kinds.JourneySessions;
import io.datalake.transforms.kinds.PortalEvents;
import io.datalake.transforms.kinds.PortalSessions;
import io.datalake.transforms.kinds.WorkflowExecutions;
import io.datalake.transforms.model.DeadLetter;
import io.datalake.transforms.model.LakeRow;
import io.datalake.transforms.model.SourceRecord;
import io.datalake.transforms.pii.PiiKeyset;
import io.datalake.transforms.pii.PiiPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.StreamSupport;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Reify;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;

public class ParseRecordsTest {
  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  private PCollectionTuple parse(List<SourceRecord> records) {
    return pipeline
        .apply(Create.of(records).withCoder(SourceRecord.Coder.of()))
        .apply(
            ParseRecords.of(PiiKeyset.development(), PiiPolicy.defaults())
                .withDroppedFields(DroppedFields.parse("checkout-orders:customData")));
  }

  private static Map<String, Integer> countByTable(Iterable<LakeRow> rows) {
    Map<String, Integer> counts = new TreeMap<>();
    rows.forEach(r -> counts.merge(r.table(), 1, Integer::sum));
    return counts;
  }

  @Test
  public void rawAndTypedVtexOrdersGiveTheSameRows() {
    ObjectNode typed = Fixtures.load("vtex_oms_get_order.json");
    ObjectNode raw = Fixtures.rawVtex(typed);
    PCollectionTuple out =
        parse(
            List.of(
                Fixtures.record(CheckoutOrders.KIND, "typed:1", typed),
                Fixtures.record(CheckoutOrders.KIND, "raw:1", raw)));
    PAssert.that(out.get(ParseRecords.DEAD_LETTERS)).empty();
    PAssert.that(out.get(ParseRecords.ROWS))
        .satisfies(
            rows -> {
              List<GenericRecord> orders = new ArrayList<>();
              List<GenericRecord> items = new ArrayList<>();
              for (LakeRow row : rows) {
                (row.table().equals("checkout_orders") ? orders : items).add(row.record());
                assertThat(row.tenant(), equalTo("luxstore"));
              }
              assertThat(orders.size(), equalTo(2));
              assertThat(items.size(), equalTo(2));
              assertThat(orders.get(0), equalTo(orders.get(1)));
              assertThat(items.get(0), equalTo(items.get(1)));
              GenericRecord order = orders.get(0);
              assertThat(order.get("value"), equalTo(1160L));
              assertThat(order.get("isCompleted"), equalTo(true));
              assertThat(order.get("orderId").toString(), equalTo("1172452900788-01"));
              // 2024-02-06T20:46:11.7010747+00:00, 7 fraction digits, to microseconds.
              assertThat(order.get("lastChange"), equalTo(1707252371701074L));
              GenericRecord shipping = (GenericRecord) order.get("shippingData");
              GenericRecord address = (GenericRecord) shipping.get("address");
              assertThat(address.get("city").toString(), equalTo("Rio de Janeiro"));
              assertThat(address.get("postalCode").toString(), not(equalTo("22630-011")));
              assertThat(
                  "customData is dropped by default",
                  order.toString(),
                  not(containsString("customApps")));
              GenericRecord item = items.get(0);
              assertThat(item.get("price"), equalTo(990L));
              assertThat(
                  item.get("uniqueId").toString(), equalTo("94913BB553334977BFD669A24E678C69"));
              assertThat(item.get("orderId").toString(), equalTo("1172452900788-01"));
              assertNoPii(rows);
              return null;
            });
    pipeline.run();
  }

  @Test
  public void everyKindMapsToItsTables() {
    ObjectNode contact = Fixtures.load("epilot_entity_contact_openapi_example.json");
    ObjectNode closing = Fixtures.workflowExecution("ex-1", "739224", "2024-04-03T15:30:00.000Z");
    List<SourceRecord> records =
        List.of(
            Fixtures.record(
                EntityOperations.KIND,
                "ops:1",
                Fixtures.entityOperation(
                    "739224", "c-1", "createEntity", "2024-01-20T08:00:00.000Z", contact, true)),
            Fixtures.record(WorkflowExecutions.KIND, "wf:1", closing),
            Fixtures.record(
                JourneySessions.KIND,
                "js:1",
                Fixtures.analytics("s1", "739224", "start_time", "2024-05-10T12:00:00Z")),
            Fixtures.record(
                JourneyEvents.KIND,
                "je:1",
                Fixtures.analytics("e1", "739224", "created_at", "2024-05-10T12:01:00Z")),
            Fixtures.record(
                PortalSessions.KIND,
                "ps:1",
                Fixtures.analytics("s2", "123", "start_time", "2024-06-01T09:00:00Z")),
            Fixtures.record(
                PortalEvents.KIND,
                "pe:1",
                Fixtures.analytics("e2", "123", "created_at", "2024-06-01T09:01:00Z")));
    PCollectionTuple out = parse(records);
    PAssert.that(out.get(ParseRecords.DEAD_LETTERS)).empty();
    PAssert.that(out.get(ParseRecords.ROWS))
        .satisfies(
            rows -> {
              Map<String, Integer> counts = countByTable(rows);
              Map<String, Integer> expected = new TreeMap<>();
              for (String t :
                  List.of(
                      "entity_operations",
                      "workflow_executions",
                      "workflow_phases",
                      "workflow_tasks",
                      "workflow_contexts",
                      "workflow_cancellations",
                      "journey_sessions",
                      "journey_events",
                      "portal_sessions",
                      "portal_events")) {
                expected.put(t, 1);
              }
              assertThat(counts, equalTo(expected));
              for (LakeRow row : rows) {
                if (row.table().equals("entity_operations")) {
                  GenericRecord r = row.record();
                  assertThat(row.tenant(), equalTo("739224"));
                  assertThat(r.get("org_id").toString(), equalTo("739224"));
                  assertThat(r.get("entity_id").toString(), equalTo("c-1"));
                  assertThat(r.get("detail_type").toString(), equalTo("EntityOperation"));
                  assertThat(r.get("detail").toString(), containsString("\"status\":\"Active\""));
                }
                if (row.table().equals("workflow_phases")) {
                  assertThat(row.record().get("execution_id").toString(), equalTo("ex-1"));
                  assertThat(row.record().get("execution_updated_at"), equalTo(1712158200000000L));
                }
              }
              assertNoPii(rows);
              return null;
            });
    pipeline.run();
  }

  @Test
  public void badLinesOfEverySortAreDeadLetters() {
    ObjectNode order = Fixtures.load("vtex_oms_get_order.json");
    ObjectNode wrongType = order.deepCopy().put("value", "eleven");
    ObjectNode noTime = order.deepCopy();
    noTime.remove("lastChange");
    ObjectNode noTenant = order.deepCopy();
    noTenant.remove("hostname");
    ObjectNode badTime = order.deepCopy().put("lastChange", "yesterday");
    ObjectNode itemsNotArray = order.deepCopy().put("items", "{\"not\":\"an array\"}");
    ObjectNode farFuture = order.deepCopy().put("lastChange", "+300000-01-01T00:00:00Z");
    ObjectNode unknownOp =
        Fixtures.entityOperation(
            "739224",
            "c-1",
            "mergeEntity",
            "2024-01-20T08:00:00Z",
            Fixtures.JSON.createObjectNode(),
            false);
    List<SourceRecord> records =
        List.of(
            Fixtures.line(
                CheckoutOrders.KIND,
                "f:1",
                "{\"orderId\": \"x\", \"clientProfileData\": {\"email\": \"rodrigo.smith@email.com"),
            Fixtures.record(CheckoutOrders.KIND, "f:2", wrongType),
            Fixtures.record(CheckoutOrders.KIND, "f:3", noTime),
            Fixtures.record(CheckoutOrders.KIND, "f:4", noTenant),
            Fixtures.record(CheckoutOrders.KIND, "f:5", badTime),
            Fixtures.record(CheckoutOrders.KIND, "f:6", itemsNotArray),
            Fixtures.record(CheckoutOrders.KIND, "f:12", farFuture),
            Fixtures.line(CheckoutOrders.KIND, "f:7", ""),
            Fixtures.line(CheckoutOrders.KIND, "f:8", "   "),
            Fixtures.line(CheckoutOrders.KIND, "f:9", "[1,2]"),
            Fixtures.line(CheckoutOrders.KIND, "f:10", "{\"a\":1} {\"b\":2}"),
            SourceRecord.oversize(CheckoutOrders.KIND, "f:11", 999_999_999L),
            Fixtures.record(EntityOperations.KIND, "g:1", unknownOp),
            Fixtures.line(JourneyEvents.KIND, "h:1", "{\"id\":\"1\",\"org_id\":\"1\"}"));
    PCollectionTuple out = parse(records);
    PAssert.that(out.get(ParseRecords.ROWS)).empty();
    PAssert.that(out.get(ParseRecords.DEAD_LETTERS))
        .satisfies(
            letters -> {
              List<String> got = new ArrayList<>();
              for (DeadLetter l : letters) {
                // The tenant, when it could be read, makes the dead letter the tenant's.
                got.add(l.source + " " + l.step + ": " + l.error + " [" + l.tenant + "]");
                assertThat(l.error, not(containsString("rodrigo")));
                assertThat(
                    l.encryptedRecord == null || l.encryptedRecord.startsWith("piir:"),
                    equalTo(true));
              }
              assertThat(
                  got,
                  containsInAnyOrder(
                      "f:1 parse: invalid JSON: unexpected end of input at line 1, column 73 [null]",
                      "f:2 type: checkout_orders.value: expected an integer, got a string that is not one"
                          + " [luxstore]",
                      "f:3 parse: missing lastChange [luxstore]",
                      "f:4 parse: missing hostname [null]",
                      "f:5 parse: lastChange is not an ISO-8601 timestamp [luxstore]",
                      "f:6 parse: items is not an array [luxstore]",
                      "f:12 parse: lastChange is outside the years 1-9999 [luxstore]",
                      "f:7 parse: empty line [null]",
                      "f:8 parse: empty line [null]",
                      "f:9 parse: expected a JSON object, got array [null]",
                      "f:10 parse: invalid JSON: more than one JSON document on the line at line 1, column 9"
                          + " [null]",
                      "f:11 read: record of 999999999 bytes exceeds --maxRecordBytes [null]",
                      "g:1 route: unknown operation (not one of the documented 10) [739224]",
                      "h:1 parse: missing created_at [1]"));
              return null;
            });
    pipeline.run();
  }

  @Test
  public void rowsCarryTheirRecordsEventTimeAsTimestamp() {
    ObjectNode order = Fixtures.load("vtex_oms_get_order.json");
    PCollectionTuple out = parse(List.of(Fixtures.record(CheckoutOrders.KIND, "o:1", order)));
    PAssert.that(out.get(ParseRecords.ROWS).apply(Reify.timestamps()))
        .satisfies(
            rows -> {
              for (TimestampedValue<LakeRow> row : rows) {
                assertThat(
                    row.getTimestamp(),
                    equalTo(org.joda.time.Instant.parse("2024-02-06T20:46:11.701Z")));
              }
              return null;
            });
    pipeline.run();
  }

  @Test
  public void numericLookingIdentifiersStayStrings() {
    ObjectNode contact = Fixtures.load("epilot_entity_contact_openapi_example.json");
    ObjectNode order = Fixtures.load("vtex_oms_get_order.json");
    ((ObjectNode) order.get("clientProfileData")).put("userProfileId", 12345);
    PCollectionTuple out =
        parse(
            List.of(
                Fixtures.record(CheckoutOrders.KIND, "o:1", order),
                Fixtures.record(
                    EntityOperations.KIND,
                    "e:1",
                    Fixtures.entityOperation(
                        "739224", "c-1", "updateEntity", "2024-01-20T08:00:00Z", contact, false))));
    PAssert.that(out.get(ParseRecords.ROWS))
        .satisfies(
            rows -> {
              for (LakeRow row : rows) {
                if (row.table().equals("checkout_orders")) {
                  GenericRecord profile = (GenericRecord) row.record().get("clientProfileData");
                  assertThat(profile.get("userProfileId").toString(), equalTo("12345"));
                }
              }
              return null;
            });
    pipeline.run();
  }

  /**
   * A blank string where a timestamp, number, object or list is declared is no value: a date not
   * set yet, also nested; blank items are no items (the mapper reads them before typing, by the
   * same rule); a string keeps its blank text.
   */
  @Test
  public void aBlankStringWhereATypedValueIsDeclaredIsNull() {
    ObjectNode order = Fixtures.load("vtex_oms_get_order.json");
    order.put("invoicedDate", "").put("value", "  ").put("sequence", "");
    order.put("paymentData", "").put("items", " ");
    ObjectNode logistics = (ObjectNode) order.get("shippingData").get("logisticsInfo").get(0);
    logistics.put("shippingEstimateDate", "");
    PCollectionTuple out = parse(List.of(Fixtures.record(CheckoutOrders.KIND, "o:1", order)));
    PAssert.that(out.get(ParseRecords.DEAD_LETTERS)).empty();
    PAssert.that(out.get(ParseRecords.ROWS))
        .satisfies(
            rows -> {
              int orders = 0;
              for (LakeRow row : rows) {
                if (row.table().equals("checkout_orders")) {
                  orders++;
                  GenericRecord r = row.record();
                  assertThat(r.get("invoicedDate"), nullValue());
                  assertThat(r.get("value"), nullValue());
                  assertThat(r.get("paymentData"), nullValue());
                  assertThat(r.get("sequence").toString(), equalTo(""));
                  GenericRecord shipping = (GenericRecord) r.get("shippingData");
                  GenericRecord first =
                      (GenericRecord) ((List<?>) shipping.get("logisticsInfo")).get(0);
                  assertThat(first.get("shippingEstimateDate"), nullValue());
                  assertThat(r.get("creationDate"), notNullValue());
                }
              }
              assertThat(orders, equalTo(1));
              for (LakeRow row : rows) {
                assertThat("no items: none", row.table(), not(equalTo("checkout_order_items")));
              }
              return null;
            });
    pipeline.run();
  }

  /**
   * PII of published payloads that the samples do not carry: VTEX's order group and PII-version
   * documents (the shopper's saved addresses, who approved or cancelled the order, the masked
   * email, the browser) and epilot's entity operations (the diff's values before and after, the
   * caller's Cognito user name), in both forms of each kind.
   */
  @Test
  public void publishedPiiBeyondTheSamplesIsEncrypted() {
    ObjectNode order = Fixtures.load("vtex_oms_get_order.json");
    ObjectNode shipping = (ObjectNode) order.get("shippingData");
    ObjectNode saved = shipping.putArray("availableAddresses").addObject();
    saved.put("addressType", "residential").put("receiverName", "Camila Saved");
    saved.put("street", "Rua do Couto Saved").put("number", "2929");
    saved.put("complement", "Bloco 5 apt 321").put("neighborhood", "Penha Saved");
    saved.put("postalCode", "21020-402").put("reference", "Next to the Saved Shopping");
    saved.put("city", "Rio de Janeiro").putArray("geoCoordinates").add(-43.2735939).add(-22.8351);
    order.put("emailTracked", "067fbeb6@ct.str.com");
    order.put("approvedBy", "approver-t004843@str.com");
    order.put("cancelledBy", "t004842@str.com").put("canceledBy", "t004842@str.com");
    order.putObject("contextData").put("userAgent", "Mozilla/5.0 (Probe NT 10.0)");

    ObjectNode contact = Fixtures.load("epilot_entity_contact_openapi_example.json");
    contact.put("_title", "Titled Contactperson");
    ObjectNode operation =
        Fixtures.entityOperation(
            "739224", "c-1", "updateEntity", "2024-01-20T08:00:00Z", contact, false);
    ObjectNode detail = (ObjectNode) operation.get("detail");
    ObjectNode before = detail.putObject("diff").putObject("updated");
    before
        .put("first_name", "Zoey")
        .put("last_name", "Müller-Łukasz")
        .put("birthdate", "1987-06-05");
    before.putArray("address").addObject().put("street", "Old Street 7").put("city", "Köln");
    before.putArray("payment").addObject().putObject("data").put("iban", "DE89370400440532013000");
    ((ObjectNode) detail.get("diff")).putObject("added").put("middle_name", "Quintessa");
    ((ObjectNode) detail.get("diff")).putObject("deleted").put("last_name", "Formerlyname");
    detail
        .putObject("caller")
        .putObject("EpilotAuth")
        .putObject("token")
        .put("cognito:username", "n.ahmad@epilot.cloud");
    ObjectNode stringified = operation.deepCopy();
    stringified.put("detail", detail.toString());

    PCollectionTuple out =
        parse(
            List.of(
                Fixtures.record(CheckoutOrders.KIND, "o:1", order),
                Fixtures.record(CheckoutOrders.KIND, "o:2", Fixtures.rawVtex(order)),
                Fixtures.record(EntityOperations.KIND, "e:1", operation),
                Fixtures.record(EntityOperations.KIND, "e:2", stringified)));
    List<String> pii =
        List.of(
            "Camila Saved",
            "Rua do Couto Saved",
            "2929",
            "Bloco 5 apt 321",
            "Penha Saved",
            "21020-402",
            "Next to the Saved Shopping",
            "-43.2735939",
            "067fbeb6@ct.str.com",
            "t004842",
            "t004843",
            "Probe NT",
            "sandraDaves",
            "Alanna & Daniel",
            "Zoey",
            "Müller-Łukasz",
            "1987-06-05",
            "Old Street 7",
            "DE89370400440532013000",
            "Quintessa",
            "Formerlyname",
            "n.ahmad",
            "Titled Contactperson");
    PAssert.that(out.get(ParseRecords.DEAD_LETTERS)).empty();
    PAssert.that(out.get(ParseRecords.ROWS))
        .satisfies(
            rows -> {
              assertThat(
                  countByTable(rows),
                  equalTo(
                      Map.of(
                          "checkout_order_items",
                          2,
                          "checkout_orders",
                          2,
                          "entity_operations",
                          2)));
              String all =
                  String.join(
                      "\n",
                      StreamSupport.stream(rows.spliterator(), false)
                          .map(r -> r.record().toString())
                          .toList());
              for (String value : pii) {
                assertThat(value, all, not(containsString(value)));
              }
              // What is not PII stays readable: the saved address's city.
              assertThat(all, containsString("Rio de Janeiro"));
              return null;
            });
    pipeline.run();
  }

  /**
   * epilot's assignees are user ids or variable assignments ({@code Assignees}: oneOf string,
   * {@code VariableAssignment}); both are accepted, the resolved users join {@code assigned_to} and
   * the assignments stay in {@code _extra}.
   */
  @Test
  public void variableAssigneesKeepTheirUsersAndTheirRule() {
    ObjectNode execution =
        Fixtures.workflowExecution("ex-1", "20000123", "2025-05-21T10:00:00.000Z");
    ArrayNode assignees = execution.putArray("assigned_to").add("user-1");
    assignees.addObject().put("variable", "{{entity.owner}}").putArray("value").add("user_12345");
    // A rule resolved to no one in one place: no id, and the execution is kept.
    assignees.addObject().put("variable", "{{entity.backup}}").putArray("value").addNull().add("");
    ((ObjectNode) execution.get("phases").get(0))
        .putArray("assigned_to")
        .addObject()
        .put("variable", "{{entity.manager}}");
    ObjectNode v1 = Fixtures.load("epilot_workflow_get_execution_v1.json");
    PCollectionTuple out =
        parse(
            List.of(
                Fixtures.record(WorkflowExecutions.KIND, "w:1", execution),
                Fixtures.record(WorkflowExecutions.KIND, "w:2", v1)));
    PAssert.that(out.get(ParseRecords.ROWS))
        .satisfies(
            rows -> {
              int executions = 0;
              for (LakeRow row : rows) {
                if (row.table().equals("workflow_executions")
                    && "ex-1".equals(String.valueOf(row.record().get("id")))) {
                  executions++;
                }
                if (row.table().equals("workflow_executions")) {
                  assertThat(
                      String.valueOf(row.record().get("assigned_to")),
                      equalTo("[user-1, user_12345]"));
                  assertThat(
                      String.valueOf(row.record().get("_extra")),
                      allOf(
                          // A template ({{...}}) starts with a brace and is text, not a
                          // JSON document cut short: the PII walk leaves it readable.
                          containsString(
                              "\"assigned_to_variables\":[{\"variable\":\"{{entity.owner}}\""),
                          containsString("\"value\":[\"user_12345\"]")));
                }
                if (row.table().equals("workflow_phases")) {
                  assertThat(String.valueOf(row.record().get("assigned_to")), equalTo("[]"));
                  assertThat(
                      String.valueOf(row.record().get("_extra")),
                      containsString(
                          "\"assigned_to_variables\":[{\"variable\":\"{{entity.manager}}\""));
                }
              }
              assertThat("the execution is kept", executions, equalTo(1));
              return null;
            });
    PAssert.that(out.get(ParseRecords.DEAD_LETTERS))
        .satisfies(
            letters -> {
              List<String> got = new ArrayList<>();
              letters.forEach(l -> got.add(l.source + " " + l.step + ": " + l.error));
              assertThat(
                  got,
                  containsInAnyOrder(
                      "w:2 parse: a v1 workflow execution (lastUpdateTime, flow[]): this kind reads"
                          + " epilot's v2 flow execution (org_id, updated_at, phases[], tasks[])"));
              return null;
            });
    pipeline.run();
  }

  /**
   * VTEX's other published payloads name an order without being one (the hook notification, the
   * feed item, the hook's ping, the cart, the order list's and search's summaries): each is one
   * dead letter that says what it is.
   */
  @Test
  public void otherVtexPayloadsAreDeadLettersThatSayWhatTheyAre() throws Exception {
    JsonNode feed =
        Fixtures.JSON.readTree(
            getClass().getResourceAsStream("/fixtures/vtex_oms_feed_items.json"));
    PCollectionTuple out =
        parse(
            List.of(
                Fixtures.record(
                    CheckoutOrders.KIND,
                    "v:1",
                    Fixtures.load("vtex_oms_order_hook_notification.json")),
                Fixtures.record(CheckoutOrders.KIND, "v:2", feed.get(0)),
                Fixtures.line(CheckoutOrders.KIND, "v:3", "{\"hookConfig\": \"ping\"}"),
                Fixtures.record(
                    CheckoutOrders.KIND, "v:4", Fixtures.load("vtex_checkout_orderform.json")),
                // An order search result (Orders API PII version, POST
                // /api/orders/extendsearch/orders, list[0], shortened): an order's id, hostname
                // and lastChange, and the shopper in fields no order path names.
                Fixtures.line(
                    CheckoutOrders.KIND,
                    "v:5",
                    "{\"orderId\": \"v71041992str-01\", \"hostname\": \"str\","
                        + " \"lastChange\": \"2024-09-24T16:50:35Z\", \"clientName\":"
                        + " \"Renata Strava\", \"clientEmail\": \"renatastrava@email.com\","
                        + " \"totalValue\": 11198, \"totalItems\": 1, \"status\": \"invoiced\"}"),
                // GET /api/oms/pvt/orders, list[0] (shortened): no hostname either.
                Fixtures.line(
                    CheckoutOrders.KIND,
                    "v:6",
                    "{\"orderId\": \"1306331686122-01\", \"creationDate\":"
                        + " \"2019-02-04T10:29:11+00:00\", \"clientName\": \"J C\", \"items\":"
                        + " null, \"totalValue\": 7453, \"totalItems\": 1}")));
    PAssert.that(out.get(ParseRecords.ROWS)).empty();
    PAssert.that(out.get(ParseRecords.DEAD_LETTERS))
        .satisfies(
            letters -> {
              List<String> got = new ArrayList<>();
              letters.forEach(l -> got.add(l.source + " " + l.step + ": " + l.error));
              String reads =
                  ", not an order: this kind reads orders as GET /api/oms/pvt/orders/{id} returns"
                      + " them";
              assertThat(
                  got,
                  containsInAnyOrder(
                      "v:1 parse: a VTEX order hook notification (OrderId, State)" + reads,
                      "v:2 parse: a VTEX orders feed item (eventId, handle, orderId)" + reads,
                      "v:3 parse: a VTEX hook configuration ping (hookConfig)" + reads,
                      "v:4 parse: a VTEX checkout orderForm, a cart (orderFormId, no orderId)"
                          + reads,
                      "v:5 parse: a VTEX order list or search item (totalValue, no totals)" + reads,
                      "v:6 parse: a VTEX order list or search item (totalValue, no totals)"
                          + reads));
              return null;
            });
    pipeline.run();
  }

  private static void assertNoPii(Iterable<LakeRow> rows) {
    String all =
        String.join(
            "\n",
            StreamSupport.stream(rows.spliterator(), false)
                .map(r -> r.record().toString())
                .toList());
    for (String pii : Fixtures.PII) {
      assertThat(List.of(all), not(hasItem(containsString(pii))));
    }
  }

  /**
   * Beam checks each output timestamp against the input's less the allowed skew; the skew must let
   * any event time through, and subtracting it from any input timestamp must not overflow (it did
   * from a batch input's, the minimum: an exception built and caught for every record).
   */
  @Test
  public void anyEventTimeMayBeOutputAndTheSkewSubtractsFromAnyInputTimestamp() {
    for (Instant input :
        List.of(
            BoundedWindow.TIMESTAMP_MIN_VALUE, Instant.EPOCH, BoundedWindow.TIMESTAMP_MAX_VALUE)) {
      Instant lowest = input.minus(ParseRecords.ParseFn.ANY_TIMESTAMP);
      assertThat(lowest.isAfter(BoundedWindow.TIMESTAMP_MIN_VALUE), equalTo(false));
    }
  }
}
