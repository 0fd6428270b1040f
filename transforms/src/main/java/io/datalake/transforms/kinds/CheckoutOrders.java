package io.datalake.transforms.kinds;

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

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.transforms.parse.CheckoutOrderMapper;
import io.datalake.transforms.schema.Field;
import io.datalake.transforms.schema.FieldType;
import io.datalake.transforms.schema.JsonTyper;
import io.datalake.transforms.schema.LakeTable;
import java.util.List;
import java.util.Random;

/**
 * VTEX checkout orders: one {@code checkout_orders} row each and a {@code checkout_order_items} row
 * per item. The tenant is the store ({@code hostname}), the event time {@code lastChange}, which
 * also versions an order. VTEX's raw form carries every value as a string, so JSON columns keep
 * scalars as strings.
 */
public final class CheckoutOrders {
  private CheckoutOrders() {}

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

  public static final LakeTable ORDERS =
      LakeTable.named("checkout_orders")
          .columns(
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
                  "sellers",
                  "seller",
                  str("id"),
                  str("name"),
                  str("logo"),
                  str("fulfillmentEndpoint")),
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
              str("marketplaceServicesEndpoint"))
          .tenant("org_id")
          .eventTime("lastChange")
          .key("org_id", "orderId")
          .primary()
          .build();
  public static final LakeTable ITEMS =
      LakeTable.named("checkout_order_items")
          .columns(str("orderId"), str("org_id"), ts("lastChange"))
          .columns(ITEM_FIELDS)
          .tenant("org_id")
          .eventTime("lastChange")
          .key("org_id", "orderId", "uniqueId")
          .childOf(ORDERS, "orderId", "orderId")
          .build();

  public static final RecordKind KIND =
      RecordKind.named("checkout-orders")
          .tenantField("hostname")
          .eventTimeField("lastChange")
          .recordIdField("orderId")
          .mapper(k -> new CheckoutOrderMapper(ORDERS, ITEMS))
          .jsonStyle(JsonTyper.JsonStyle.SCALARS_AS_STRINGS)
          .tables(ORDERS, ITEMS)
          .piiPaths(
              "followUpEmail",
              "clientProfileData.email",
              "clientProfileData.firstName",
              "clientProfileData.lastName",
              "clientProfileData.document",
              "clientProfileData.phone",
              "clientProfileData.corporateName",
              "clientProfileData.tradeName",
              "clientProfileData.corporateDocument",
              "clientProfileData.stateInscription",
              "clientProfileData.corporatePhone",
              "shippingData.address.receiverName",
              "shippingData.address.street",
              "shippingData.address.number",
              "shippingData.address.complement",
              "shippingData.address.neighborhood",
              "shippingData.address.postalCode",
              "shippingData.address.geoCoordinates",
              "shippingData.address.reference",
              "shippingData.selectedAddresses[].receiverName",
              "shippingData.selectedAddresses[].street",
              "shippingData.selectedAddresses[].number",
              "shippingData.selectedAddresses[].complement",
              "shippingData.selectedAddresses[].neighborhood",
              "shippingData.selectedAddresses[].postalCode",
              "shippingData.selectedAddresses[].geoCoordinates",
              "shippingData.selectedAddresses[].reference",
              "shippingData.contactInformation[].email",
              "shippingData.contactInformation[].phone",
              "shippingData.contactInformation[].document",
              "shippingData.contactInformation[].firstName",
              "shippingData.contactInformation[].lastName",
              "paymentData.transactions[].payments[].firstDigits",
              "paymentData.transactions[].payments[].lastDigits",
              "paymentData.transactions[].payments[].cardHolder",
              "paymentData.transactions[].payments[].cardNumber",
              "paymentData.transactions[].payments[].cvv2",
              "paymentData.transactions[].payments[].expireMonth",
              "paymentData.transactions[].payments[].expireYear",
              "paymentData.transactions[].payments[].billingAddress",
              "callCenterOperatorData.email",
              "invoiceData.address",
              "**.email")
          // VTEX's customizable content: its shape is per store.
          .droppedFields("customData")
          .sample(new OrderSample())
          .build();

  private static final long FIRST_ORDER = 1_000_000_000_000L;

  /** The order id of generated event {@code n}. */
  public static String orderId(long n) {
    return (FIRST_ORDER + n) + "-01";
  }

  /** Orders number themselves: the id of event {@code n} is {@link #orderId(long)}. */
  private static final class OrderSample implements RecordKind.Sample {
    @Override
    public void fill(ObjectNode event, long n, String id, Random random) {
      event.put("orderId", orderId(n));
      event.put("hostname", Samples.shop(random));
      JsonNode profile = event.get("clientProfileData");
      if (profile != null && profile.isObject()) {
        ((ObjectNode) profile).put("email", "customer" + random.nextInt(5000) + "@example.com");
      }
    }

    @Override
    public String recordId(long n, String id) {
      return orderId(n);
    }

    @Override
    public long numberOf(String recordId) {
      return Long.parseLong(recordId.substring(0, recordId.indexOf('-'))) - FIRST_ORDER;
    }
  }
}
