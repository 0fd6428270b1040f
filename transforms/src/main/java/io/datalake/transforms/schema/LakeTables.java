package io.datalake.transforms.schema;

import static io.datalake.transforms.schema.Field.arr;
import static io.datalake.transforms.schema.Field.arrOf;
import static io.datalake.transforms.schema.Field.bool;
import static io.datalake.transforms.schema.Field.f64;
import static io.datalake.transforms.schema.Field.i64;
import static io.datalake.transforms.schema.Field.json;
import static io.datalake.transforms.schema.Field.rec;
import static io.datalake.transforms.schema.Field.str;
import static io.datalake.transforms.schema.Field.strings;
import static io.datalake.transforms.schema.Field.ts;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The declared schema of every lake table. What analysts rely on is typed strictly (ids, tenant,
 * timestamps, money in cents, quantities, flags, statuses, PII fields, the nested structures of
 * orders); parts whose shape varies between sources are JSON text. PII fields are strings: they
 * hold encryption tokens.
 */
public final class LakeTables {
  private LakeTables() {}

  // ---- entity operations -------------------------------------------------------------------

  public static final LakeTable ENTITY_OPERATIONS =
      table(
          "entity_operations",
          "timestamp",
          List.of("org_id", "entity_id", "activity_id"),
          true,
          str("id"),
          str("detail_type"),
          str("operation"),
          str("source"),
          str("org_id"),
          ts("timestamp"),
          str("region"),
          str("account"),
          str("activity_id"),
          str("entity_id"),
          str("schema"),
          json("detail"));

  // ---- workflow executions -----------------------------------------------------------------

  private static final List<Field> PHASE_FIELDS =
      List.of(
          str("id"),
          str("template_id"),
          str("name"),
          str("status"),
          ts("updated_at"),
          ts("due_date"),
          json("due_date_config"),
          strings("assigned_to"),
          json("analytics"),
          strings("taxonomies"),
          json("loop_config"));

  private static final List<Field> TASK_FIELDS =
      List.of(
          str("id"),
          str("template_id"),
          str("name"),
          json("description"),
          str("status"),
          str("phase_id"),
          str("task_type"),
          json("journey"),
          ts("due_date"),
          json("due_date_config"),
          json("requirements"),
          strings("assigned_to"),
          json("analytics"),
          ts("created_at"),
          ts("updated_at"),
          bool("manually_created"),
          bool("enabled"),
          json("ecp"),
          json("installer"),
          strings("taxonomies"),
          json("loop_config"));

  private static final List<Field> CONTEXT_FIELDS =
      List.of(str("entity_id"), str("entity_schema"), bool("is_primary"));

  private static final List<Field> CLOSING_REASON_FIELDS =
      List.of(json("selected_reasons"), json("configured_reasons"), str("extra_description"));

  /** The execution snapshot as it arrives; phases, tasks and contexts go to their own tables. */
  public static final FieldType.RecordType WORKFLOW_EXECUTION_INPUT =
      new FieldType.RecordType(
          "workflow_execution",
          List.of(
              str("id"),
              str("org_id"),
              str("flow_template_id"),
              str("name"),
              str("status"),
              ts("created_at"),
              ts("updated_at"),
              ts("due_date"),
              json("due_date_config"),
              strings("assigned_to"),
              json("analytics"),
              json("crt_tasks"),
              json("edges"),
              json("_execution_chain"),
              json("closing_reason"),
              bool("available_in_ecp"),
              json("entity_sync"),
              strings("taxonomies"),
              json("trigger"),
              bool("singleClosingReasonSelection"),
              arr("phases", new FieldType.RecordType("phase", PHASE_FIELDS)),
              arr("tasks", new FieldType.RecordType("task", TASK_FIELDS)),
              arr("contexts", new FieldType.RecordType("context", CONTEXT_FIELDS))));

  public static final LakeTable WORKFLOW_EXECUTIONS =
      new LakeTable(
          "workflow_executions",
          without(WORKFLOW_EXECUTION_INPUT, "phases", "tasks", "contexts"),
          "updated_at",
          List.of("org_id", "id"),
          true);

  /** Columns every workflow child row carries from its execution. */
  private static final List<Field> EXECUTION_PARENT =
      List.of(str("execution_id"), str("org_id"), ts("execution_updated_at"));

  public static final LakeTable WORKFLOW_PHASES =
      child("workflow_phases", EXECUTION_PARENT, "execution_updated_at", PHASE_FIELDS, "id");
  public static final LakeTable WORKFLOW_TASKS =
      child("workflow_tasks", EXECUTION_PARENT, "execution_updated_at", TASK_FIELDS, "id");
  public static final LakeTable WORKFLOW_CONTEXTS =
      child(
          "workflow_contexts",
          EXECUTION_PARENT,
          "execution_updated_at",
          CONTEXT_FIELDS,
          "entity_id");
  public static final LakeTable WORKFLOW_CANCELLATIONS =
      child(
          "workflow_cancellations",
          EXECUTION_PARENT,
          "execution_updated_at",
          CLOSING_REASON_FIELDS);

  // ---- checkout orders (VTEX) --------------------------------------------------------------

  private static final Field[] ADDRESS_FIELDS = {
    str("addressType"),
    str("receiverName"),
    str("addressId"),
    str("versionId"),
    str("entityId"),
    str("postalCode"),
    str("city"),
    str("state"),
    str("country"),
    str("street"),
    str("number"),
    str("neighborhood"),
    str("complement"),
    str("reference"),
    // PII: encrypted whole, so a string token rather than [lon, lat].
    str("geoCoordinates")
  };

  private static final List<Field> ITEM_FIELDS =
      List.of(
          str("uniqueId"),
          str("id"),
          str("productId"),
          str("ean"),
          str("lockId"),
          i64("quantity"),
          str("seller"),
          str("name"),
          str("refId"),
          i64("price"),
          i64("listPrice"),
          i64("manualPrice"),
          i64("sellingPrice"),
          i64("costPrice"),
          i64("commission"),
          i64("tax"),
          i64("rewardValue"),
          i64("freightCommission"),
          i64("shippingPrice"),
          str("imageUrl"),
          str("detailUrl"),
          str("sellerSku"),
          ts("priceValidUntil"),
          str("measurementUnit"),
          f64("unitMultiplier"),
          bool("isGift"),
          str("taxCode"),
          i64("parentItemIndex"),
          str("parentAssemblyBinding"),
          json("additionalInfo"),
          json("priceDefinition"),
          json("priceTags"),
          json("attachments"),
          json("bundleItems"),
          json("components"));

  public static final LakeTable CHECKOUT_ORDERS =
      table(
          "checkout_orders",
          "lastChange",
          List.of("org_id", "orderId"),
          true,
          str("orderId"),
          str("org_id"),
          str("sequence"),
          str("marketplaceOrderId"),
          str("sellerOrderId"),
          str("origin"),
          str("affiliateId"),
          str("salesChannel"),
          str("merchantName"),
          str("hostname"),
          str("status"),
          str("statusDescription"),
          bool("workflowIsInError"),
          i64("value"),
          ts("creationDate"),
          ts("lastChange"),
          ts("authorizedDate"),
          ts("invoicedDate"),
          str("orderGroup"),
          str("followUpEmail"),
          str("lastMessage"),
          bool("isCompleted"),
          i64("roundingError"),
          str("orderFormId"),
          bool("allowCancellation"),
          bool("allowEdition"),
          bool("isCheckedIn"),
          str("cancelReason"),
          str("checkedInPickupPointId"),
          arrOf("totals", "total", str("id"), str("name"), i64("value")),
          arrOf(
              "sellers", "seller", str("id"), str("name"), str("logo"), str("fulfillmentEndpoint")),
          rec(
              "clientProfileData",
              "client_profile",
              str("id"),
              str("email"),
              str("firstName"),
              str("lastName"),
              str("documentType"),
              str("document"),
              str("phone"),
              str("corporateName"),
              str("tradeName"),
              str("corporateDocument"),
              str("stateInscription"),
              str("corporatePhone"),
              bool("isCorporate"),
              str("userProfileId"),
              str("userProfileVersion"),
              str("customerClass"),
              str("customerCode")),
          rec(
              "clientPreferencesData",
              "client_preferences",
              str("locale"),
              bool("optinNewsLetter")),
          rec(
              "shippingData",
              "shipping",
              str("id"),
              rec("address", "address", ADDRESS_FIELDS),
              arrOf("selectedAddresses", "selected_address", ADDRESS_FIELDS),
              arrOf(
                  "logisticsInfo",
                  "logistics_info",
                  i64("itemIndex"),
                  str("selectedSla"),
                  str("lockTTL"),
                  i64("price"),
                  i64("listPrice"),
                  i64("sellingPrice"),
                  str("deliveryCompany"),
                  str("shippingEstimate"),
                  ts("shippingEstimateDate"),
                  str("deliveryChannel"),
                  str("addressId"),
                  str("polygonName"),
                  str("pickupPointId"),
                  str("transitTime"),
                  json("deliveryWindow"),
                  json("slas"),
                  json("shipsTo"),
                  json("deliveryIds"),
                  json("deliveryChannels"),
                  json("pickupStoreInfo")),
              json("trackingHints"),
              arrOf(
                  "contactInformation",
                  "contact_information",
                  str("id"),
                  str("email"),
                  str("firstName"),
                  str("lastName"),
                  str("phone"),
                  str("document"),
                  str("documentType"),
                  str("entityId"),
                  str("versionId"))),
          rec(
              "paymentData",
              "payment",
              arrOf(
                  "transactions",
                  "transaction",
                  bool("isActive"),
                  str("transactionId"),
                  str("merchantName"),
                  arrOf(
                      "payments",
                      "payment_item",
                      str("id"),
                      str("paymentSystem"),
                      str("paymentSystemName"),
                      i64("value"),
                      i64("installments"),
                      i64("referenceValue"),
                      str("group"),
                      str("tid"),
                      str("cardHolder"),
                      str("cardNumber"),
                      str("firstDigits"),
                      str("lastDigits"),
                      str("cvv2"),
                      str("expireMonth"),
                      str("expireYear"),
                      str("dueDate"),
                      str("billingAddress"),
                      str("paymentOrigin"),
                      json("connectorResponses"))),
              json("giftCards")),
          arr("items", new FieldType.RecordType("item", ITEM_FIELDS)),
          rec(
              "marketingData",
              "marketing",
              str("id"),
              str("utmSource"),
              str("utmPartner"),
              str("utmMedium"),
              str("utmCampaign"),
              str("coupon"),
              str("utmiCampaign"),
              str("utmipage"),
              str("utmiPart"),
              strings("marketingTags")),
          rec(
              "storePreferencesData",
              "store_preferences",
              str("countryCode"),
              str("currencyCode"),
              str("currencySymbol"),
              i64("currencyLocale"),
              str("timeZone"),
              json("currencyFormatInfo")),
          rec(
              "callCenterOperatorData",
              "call_center_operator",
              str("id"),
              str("email"),
              str("userName")),
          json("cancellationData"),
          json("taxData"),
          json("subscriptionData"),
          json("itemMetadata"),
          json("marketplace"),
          json("marketplaceItems"),
          json("invoiceData"),
          json("changesAttachment"),
          json("packageAttachment"),
          json("ratesAndBenefitsData"),
          json("giftRegistryData"),
          json("commercialConditionData"),
          json("openTextField"),
          str("marketplaceServicesEndpoint"));

  public static final LakeTable CHECKOUT_ORDER_ITEMS =
      child(
          "checkout_order_items",
          List.of(str("orderId"), str("org_id"), ts("lastChange")),
          "lastChange",
          ITEM_FIELDS,
          "uniqueId");

  // ---- journey and portal analytics --------------------------------------------------------

  public static final LakeTable JOURNEY_SESSIONS = sessions("journey_sessions", str("journey_id"));
  public static final LakeTable JOURNEY_EVENTS = events("journey_events", str("journey_id"));
  public static final LakeTable PORTAL_SESSIONS = sessions("portal_sessions", str("app_name"));
  public static final LakeTable PORTAL_EVENTS = events("portal_events", str("app_name"));

  /** Journey and portal sessions: the published shape, scoped by journey or by app. */
  private static LakeTable sessions(String name, Field scope) {
    return table(
        name,
        "start_time",
        List.of("org_id", "id"),
        true,
        str("id"),
        str("org_id"),
        scope,
        ts("start_time"),
        json("details"),
        ts("end_time"),
        ts("last_updated_at"));
  }

  /** Journey and portal events: the published shape, scoped by journey or by app. */
  private static LakeTable events(String name, Field scope) {
    return table(
        name,
        "created_at",
        List.of("org_id", "id"),
        true,
        str("id"),
        str("org_id"),
        str("session_id"),
        scope,
        str("type"),
        json("details"),
        ts("created_at"));
  }

  private static final Map<String, LakeTable> BY_NAME = new LinkedHashMap<>();

  static {
    for (LakeTable t :
        List.of(
            ENTITY_OPERATIONS,
            WORKFLOW_EXECUTIONS,
            WORKFLOW_PHASES,
            WORKFLOW_TASKS,
            WORKFLOW_CANCELLATIONS,
            WORKFLOW_CONTEXTS,
            CHECKOUT_ORDERS,
            CHECKOUT_ORDER_ITEMS,
            JOURNEY_SESSIONS,
            JOURNEY_EVENTS,
            PORTAL_SESSIONS,
            PORTAL_EVENTS)) {
      BY_NAME.put(t.name(), t);
    }
  }

  /** The kind of record a table's rows come from. */
  public static io.datalake.transforms.model.EventKind kindOf(String table) {
    if (table.startsWith("entity_")) {
      return io.datalake.transforms.model.EventKind.ENTITY_OPERATIONS;
    }
    if (table.startsWith("workflow_")) {
      return io.datalake.transforms.model.EventKind.WORKFLOW_EXECUTIONS;
    }
    if (table.startsWith("checkout_")) {
      return io.datalake.transforms.model.EventKind.CHECKOUT_ORDERS;
    }
    return io.datalake.transforms.model.EventKind.fromFolder(table.replace('_', '-'));
  }

  public static List<LakeTable> all() {
    return List.copyOf(BY_NAME.values());
  }

  public static LakeTable byName(String name) {
    LakeTable table = BY_NAME.get(name);
    if (table == null) {
      throw new IllegalArgumentException("Unknown lake table: " + name);
    }
    return table;
  }

  private static LakeTable table(
      String name, String eventTime, List<String> key, boolean primary, Field... fields) {
    return new LakeTable(
        name, new FieldType.RecordType(name, List.of(fields)), eventTime, key, primary);
  }

  private static LakeTable child(
      String name, List<Field> parent, String eventTime, List<Field> fields, String... ownKey) {
    List<Field> all = new ArrayList<>(parent);
    all.addAll(fields);
    List<String> key = new ArrayList<>(List.of("org_id", parent.get(0).column()));
    key.addAll(Arrays.asList(ownKey));
    return new LakeTable(name, new FieldType.RecordType(name, all), eventTime, key, false);
  }

  private static FieldType.RecordType without(FieldType.RecordType type, String... columns) {
    List<String> drop = Arrays.asList(columns);
    return new FieldType.RecordType(
        type.name(), type.fields().stream().filter(f -> !drop.contains(f.column())).toList());
  }
}
