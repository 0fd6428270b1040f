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
    str("addressType").doc("The kind of address, e.g. residential, commercial, pickup"),
    str("receiverName").doc("Who receives the delivery; encrypted"),
    str("addressId").doc("The address's id in the shopper's profile"),
    str("versionId").doc("The version of the address in the profile system"),
    str("entityId").doc("The id of the address in the profile system"),
    str("postalCode").doc("The postal code, as text; encrypted"),
    str("city").doc("The city"),
    str("state").doc("The state or province, e.g. RJ"),
    str("country").doc("The country, ISO 3166 alpha-3, e.g. BRA"),
    str("street").doc("The street; encrypted"),
    str("number").doc("The house number, as text; encrypted"),
    str("neighborhood").doc("The neighborhood; encrypted"),
    str("complement").doc("The rest of the address, e.g. floor or apartment; encrypted"),
    str("reference").doc("A landmark near the address; encrypted"),
    // PII: encrypted whole, so a string token rather than [lon, lat].
    str("geoCoordinates")
        .doc("The [longitude, latitude] of the address, encrypted whole as one token")
  };

  private static final List<Field> ITEM_FIELDS =
      List.of(
          str("uniqueId").doc("The item's id, unique within the order"),
          str("id").doc("The SKU id"),
          str("productId").doc("The id of the SKU's product"),
          str("ean").doc("The SKU's EAN barcode, as text"),
          str("lockId").doc("The id of the reservation holding the item's stock"),
          i64("quantity").doc("Units ordered"),
          str("seller").doc("The id of the item's seller (sellers[].id)"),
          str("name").doc("The SKU's name"),
          str("refId").doc("The SKU's reference code in the store"),
          i64("price").doc("The unit price, in cents"),
          i64("listPrice").doc("The unit list price before discounts, in cents"),
          i64("manualPrice").doc("A unit price set by hand (call center), in cents; null if none"),
          i64("sellingPrice").doc("The unit price after discounts, in cents"),
          i64("costPrice").doc("The unit cost price, in cents"),
          i64("commission").doc("The seller's commission, in cents"),
          i64("tax").doc("The item's tax, in cents"),
          i64("rewardValue").doc("The reward value tied to the item, in cents"),
          i64("freightCommission").doc("The commission on freight, in cents"),
          i64("shippingPrice").doc("The item's shipping price, in cents"),
          str("imageUrl").doc("The URL of the SKU's image"),
          str("detailUrl").doc("The path of the product's page in the store"),
          str("sellerSku").doc("The SKU's id at its seller"),
          ts("priceValidUntil").doc("Until when the price holds, UTC"),
          str("measurementUnit").doc("The unit the SKU is sold in, e.g. un"),
          f64("unitMultiplier").doc("How many measurement units one unit is, e.g. 0.5"),
          bool("isGift").doc("Whether the item is a gift"),
          str("taxCode").doc("The item's tax code"),
          i64("parentItemIndex").doc("The index in items of the item this one is attached to"),
          str("parentAssemblyBinding").doc("The assembly option attaching it to its parent item"),
          json("additionalInfo").doc("Brand, categories, dimensions and offering, as JSON text"),
          json("priceDefinition")
              .doc("How the selling price was made (prices and total in cents), as JSON text"),
          json("priceTags").doc("Price changes applied (discounts, taxes), as JSON text"),
          json("attachments")
              .doc(
                  "The item's attachments (customizations: each a name and its content, what the"
                      + " shopper typed under the store's field names, every value but a flag"
                      + " encrypted), as JSON text"),
          json("bundleItems").doc("Services or items bundled with it, as JSON text"),
          json("components").doc("The components of a kit item, as JSON text"));

  public static final LakeTable ORDERS =
      LakeTable.named("checkout_orders")
          .describedAs(
              "One row per version of a VTEX order (Orders API, GET order); hook notifications,"
                  + " feed items, carts (orderForm) and the order list's and search's summaries"
                  + " (totalValue, no totals) name an order without being one and are dead letters"
                  + " that say so")
          .columns(
              str("orderId").doc("The VTEX order id, text such as 1172452900788-01"),
              str("org_id").doc("The tenant: the store's account name, copied from hostname"),
              str("sequence").doc("The order's sequential number in the store, as text"),
              str("marketplaceOrderId").doc("The order's id at the marketplace it came from"),
              str("sellerOrderId").doc("The order's id at the seller"),
              str("origin").doc("Where the order was placed: Marketplace or Fulfillment"),
              str("affiliateId").doc("The id of the affiliate that sent the order, e.g. GHB"),
              str("salesChannel").doc("The id of the sales channel (trade policy)"),
              str("merchantName").doc("The merchant's name"),
              str("hostname").doc("The store's VTEX account name (the tenant, also in org_id)"),
              str("status").doc("The order's status, e.g. handling, invoiced, canceled"),
              str("statusDescription").doc("The status in words, in the store's language"),
              bool("workflowIsInError").doc("Whether the order's flow is stuck in an error"),
              i64("value").doc("The order's total, in cents"),
              ts("creationDate").doc("When the order was placed, UTC"),
              ts("lastChange").doc("When the order last changed, UTC: its event time and version"),
              ts("authorizedDate").doc("When the payment was authorized, UTC"),
              ts("invoicedDate").doc("When the order was invoiced, UTC"),
              str("orderGroup")
                  .doc("The id of the purchase the order is part of (orders split by seller)"),
              str("followUpEmail")
                  .doc("The e-mail of the store's employee following the order; encrypted"),
              str("lastMessage").doc("The last message sent to the shopper about the order"),
              bool("isCompleted").doc("Whether the checkout of the order is complete"),
              i64("roundingError").doc("The rounding difference in the totals, in cents"),
              str("orderFormId").doc("The id of the cart (orderForm) the order came from"),
              bool("allowCancellation").doc("Whether the shopper may still cancel the order"),
              bool("allowEdition").doc("Whether the order may still be changed"),
              bool("isCheckedIn")
                  .doc("Whether the order was placed in a physical store (checked in)"),
              str("cancelReason").doc("Why the order was canceled"),
              str("checkedInPickupPointId").doc("The id of the store the order was checked in at"),
              arrOf(
                      "totals",
                      "total",
                      str("id").doc("The part of the total: Items, Discounts, Shipping, Tax, ..."),
                      str("name").doc("The part's name in words"),
                      i64("value").doc("The part's amount, in cents"))
                  .doc("The order's total split into parts (items, discounts, shipping, tax)"),
              arrOf(
                      "sellers",
                      "seller",
                      str("id").doc("The seller's id"),
                      str("name").doc("The seller's name"),
                      str("logo").doc("The URL of the seller's logo"),
                      str("fulfillmentEndpoint").doc("The URL of the seller's fulfillment API"))
                  .doc("The sellers of the order's items"),
              rec(
                      "clientProfileData",
                      "client_profile",
                      str("id").doc("The id of this section"),
                      str("email").doc("The shopper's e-mail; encrypted"),
                      str("firstName").doc("The shopper's first name; encrypted"),
                      str("lastName").doc("The shopper's last name; encrypted"),
                      str("documentType").doc("The type of the shopper's document, e.g. cpf"),
                      str("document").doc("The shopper's document number, as text; encrypted"),
                      str("phone").doc("The shopper's phone, as text; encrypted"),
                      str("corporateName").doc("The company's legal name; encrypted"),
                      str("tradeName").doc("The company's trade name; encrypted"),
                      str("corporateDocument").doc("The company's document number; encrypted"),
                      str("stateInscription")
                          .doc("The company's state tax registration; encrypted"),
                      str("corporatePhone").doc("The company's phone; encrypted"),
                      bool("isCorporate").doc("Whether the shopper buys as a company"),
                      str("userProfileId").doc("The id of the shopper's profile"),
                      str("userProfileVersion").doc("The version of that profile"),
                      str("customerClass").doc("The shopper's customer class"),
                      str("customerCode").doc("The shopper's customer code"))
                  .doc("The shopper"),
              rec(
                      "clientPreferencesData",
                      "client_preferences",
                      str("locale").doc("The shopper's locale, e.g. en-US"),
                      bool("optinNewsLetter")
                          .doc("Whether the shopper subscribed to the newsletter"))
                  .doc("The shopper's preferences"),
              rec(
                      "shippingData",
                      "shipping",
                      str("id").doc("The id of this section"),
                      rec("address", "address", ADDRESS_FIELDS).doc("The delivery address"),
                      arrOf("selectedAddresses", "selected_address", ADDRESS_FIELDS)
                          .doc("The addresses chosen for delivery"),
                      arrOf(
                              "logisticsInfo",
                              "logistics_info",
                              i64("itemIndex").doc("The index in items of the item delivered"),
                              str("selectedSla").doc("The delivery option chosen, e.g. Normal"),
                              str("lockTTL").doc("How long the stock stays reserved, e.g. 10d"),
                              i64("price").doc("The shipping price, in cents"),
                              i64("listPrice").doc("The shipping list price, in cents"),
                              i64("sellingPrice").doc("The shipping price charged, in cents"),
                              str("deliveryCompany").doc("The carrier"),
                              str("shippingEstimate")
                                  .doc("The estimated delivery time, e.g. 4bd (business days)"),
                              ts("shippingEstimateDate").doc("The estimated delivery date, UTC"),
                              str("deliveryChannel").doc("delivery or pickup-in-point"),
                              str("addressId").doc("The id of the delivery address"),
                              str("polygonName").doc("The delivery area (polygon) it falls in"),
                              str("pickupPointId").doc("The id of the pickup point"),
                              str("transitTime").doc("The time in transit, e.g. 3d"),
                              json("deliveryWindow")
                                  .doc("The scheduled delivery window, as JSON text"),
                              json("slas").doc("The delivery options offered, as JSON text"),
                              json("shipsTo").doc("The countries it ships to, as JSON text"),
                              json("deliveryIds")
                                  .doc(
                                      "The carriers, docks and warehouses delivering it, as JSON text"),
                              json("deliveryChannels")
                                  .doc("The channels offered with their stock, as JSON text"),
                              json("pickupStoreInfo").doc("The pickup store, as JSON text"))
                          .doc("How each item is delivered"),
                      json("trackingHints")
                          .doc("Carrier tracking hints (id, courier, URL), as JSON text"),
                      arrOf(
                              "contactInformation",
                              "contact_information",
                              str("id").doc("The contact's id"),
                              str("email").doc("The contact's e-mail; encrypted"),
                              str("firstName").doc("The contact's first name; encrypted"),
                              str("lastName").doc("The contact's last name; encrypted"),
                              str("phone").doc("The contact's phone, as text; encrypted"),
                              str("document").doc("The contact's document number; encrypted"),
                              str("documentType").doc("The type of the document, e.g. cpf"),
                              str("entityId").doc("The contact's id in the profile system"),
                              str("versionId")
                                  .doc("The version of the contact in the profile system"))
                          .doc("The people to contact about the delivery"))
                  .doc("The delivery: address, logistics per item, tracking, contacts"),
              rec(
                      "paymentData",
                      "payment",
                      arrOf(
                              "transactions",
                              "transaction",
                              bool("isActive").doc("Whether the transaction is active"),
                              str("transactionId").doc("The payment transaction's id"),
                              str("merchantName").doc("The merchant of the transaction"),
                              arrOf(
                                      "payments",
                                      "payment_item",
                                      str("id").doc("The payment's id"),
                                      str("paymentSystem").doc("The id of the payment method"),
                                      str("paymentSystemName")
                                          .doc("The payment method's name, e.g. Visa"),
                                      i64("value").doc("The amount paid, in cents"),
                                      i64("installments").doc("The number of installments"),
                                      i64("referenceValue")
                                          .doc(
                                              "The amount installments are computed from, in cents"),
                                      str("group").doc("The payment group, e.g. creditCard"),
                                      str("tid").doc("The transaction's id at the acquirer"),
                                      str("cardHolder").doc("The card holder's name; encrypted"),
                                      str("cardNumber").doc("The card number as sent; encrypted"),
                                      str("firstDigits").doc("The card's first digits; encrypted"),
                                      str("lastDigits").doc("The card's last digits; encrypted"),
                                      str("cvv2")
                                          .doc("The card's security code as sent; encrypted"),
                                      str("expireMonth").doc("The card's expiry month; encrypted"),
                                      str("expireYear").doc("The card's expiry year; encrypted"),
                                      str("dueDate")
                                          .doc("The payment's due date as sent, e.g. 12/29"),
                                      str("billingAddress")
                                          .doc("The billing address, encrypted whole as one token"),
                                      str("paymentOrigin")
                                          .doc("Where the payment came from, e.g. PayPal"),
                                      json("connectorResponses")
                                          .doc("The payment connector's response, as JSON text"))
                                  .doc("The payments of the transaction"))
                          .doc("The payment transactions"),
                      json("giftCards")
                          .doc("The gift cards used, as JSON text; their redemptionCode encrypted"))
                  .doc("The payments"),
              arr("items", new FieldType.RecordType("item", ITEM_FIELDS))
                  .doc("The items ordered (also one checkout_order_items row each)"),
              rec(
                      "marketingData",
                      "marketing",
                      str("id").doc("The id of this section"),
                      str("utmSource").doc("The utm_source the shopper came with"),
                      str("utmPartner").doc("The utm_partner the shopper came with"),
                      str("utmMedium").doc("The utm_medium the shopper came with"),
                      str("utmCampaign").doc("The utm_campaign the shopper came with"),
                      str("coupon").doc("The coupon code used"),
                      str("utmiCampaign").doc("The internal campaign (utmi_cp)"),
                      str("utmipage").doc("The internal page (utmi_p)"),
                      str("utmiPart").doc("The internal part (utmi_pc)"),
                      strings("marketingTags").doc("The order's marketing tags"))
                  .doc("Where the shopper came from: UTM parameters and coupon"),
              rec(
                      "storePreferencesData",
                      "store_preferences",
                      str("countryCode").doc("The store's country, ISO 3166 alpha-3, e.g. BRA"),
                      str("currencyCode").doc("The store's currency, ISO 4217, e.g. BRL"),
                      str("currencySymbol").doc("The currency's symbol, e.g. R$"),
                      i64("currencyLocale").doc("The currency's Windows locale id, e.g. 1046"),
                      str("timeZone")
                          .doc("The store's time zone, e.g. E. South America Standard Time"),
                      json("currencyFormatInfo").doc("How amounts are formatted, as JSON text"))
                  .doc("The store's country, currency and time zone"),
              rec(
                      "callCenterOperatorData",
                      "call_center_operator",
                      str("id").doc("The id of this section"),
                      str("email").doc("The operator's e-mail; encrypted"),
                      str("userName").doc("The operator's login; encrypted"))
                  .doc("The call-center operator who placed the order, if one did"),
              json("cancellationData")
                  .doc("Who asked to cancel the order, why and when, as JSON text"),
              json("taxData").doc("Taxes the marketplace set per item, as JSON text"),
              json("subscriptionData").doc("The subscriptions the order belongs to, as JSON text"),
              json("itemMetadata")
                  .doc("The items' SKU metadata (names, images, assembly options), as JSON text"),
              json("marketplace")
                  .doc("The marketplace the order came through (name, base URL), as JSON text"),
              json("marketplaceItems").doc("The items as the marketplace sent them, as JSON text"),
              json("invoiceData").doc("Invoice data, as JSON text; its address is encrypted"),
              json("changesAttachment")
                  .doc("Changes made to the order after it was placed, as JSON text"),
              json("packageAttachment")
                  .doc("The packages: invoices, tracking and courier status, as JSON text"),
              json("ratesAndBenefitsData").doc("The promotions applied, as JSON text"),
              json("giftRegistryData")
                  .doc(
                      "The gift list the order was bought from, as JSON text; its description"
                          + " (which names the list's owners) encrypted"),
              json("commercialConditionData").doc("The commercial conditions, as JSON text"),
              json("openTextField").doc("Free text added to the order, as JSON text"),
              str("marketplaceServicesEndpoint").doc("The URL of the marketplace's order API"))
          .tenant("org_id")
          .eventTime("lastChange")
          .key("org_id", "orderId")
          .primary()
          .build();
  public static final LakeTable ITEMS =
      LakeTable.named("checkout_order_items")
          .describedAs("One row per item of a version of a VTEX order")
          .columns(
              str("orderId").doc("The order the item is in (checkout_orders.orderId)"),
              str("org_id").doc("The tenant: the store's account name (the order's hostname)"),
              ts("lastChange")
                  .doc("The order's lastChange, UTC: the order version the row is part of"))
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
              withAddresses(
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
                  // A gift card's code is the card: whoever reads it can spend the balance.
                  "paymentData.transactions[].payments[].redemptionCode",
                  "paymentData.giftCards[].redemptionCode",
                  "callCenterOperatorData.email",
                  "callCenterOperatorData.userName",
                  // A gift list's description names its owners ("Alanna & Daniel" in VTEX's
                  // example).
                  "giftRegistryData.description",
                  // Who approved or cancelled the order (a store employee's login, an email), the
                  // shopper's masked email, and the shopper's browser.
                  "approvedBy",
                  "cancelledBy",
                  "canceledBy",
                  "emailTracked",
                  "contextData.userAgent",
                  "invoiceData.address",
                  // An invoice sent inline (a Brazilian NF-e's XML: the buyer's CPF, name,
                  // address).
                  "packageAttachment.packages[].embeddedInvoice",
                  // The shopper's free text at checkout.
                  "openTextField.value",
                  // What the shopper writes into an item's customization (an engraving, a gift
                  // message, whom it is for, a document number): its fields are set per store,
                  // so every value but a flag is encrypted and the names of the fields stay
                  // readable. A kit's components and a bundled service carry attachments too.
                  "items[].attachments[].content.**.*",
                  "items[].itemAttachment.content.**.*",
                  "items[].bundleItems[].attachments[].content.**.*",
                  "items[].components[].attachments[].content.**.*",
                  "**.receiverName",
                  "**.email"))
          // VTEX's customizable content: its shape is per store.
          .droppedFields("customData")
          .sample(new OrderSample())
          .build();

  /**
   * {@code paths} and the fields of every VTEX address that name or locate the person (its city,
   * state and country stay readable): the shipping address, the selected ones, the shopper's saved
   * ones (VTEX's order group and PII-version documents) and a package's delivery address.
   */
  private static String[] withAddresses(String... paths) {
    List<String> all = new java.util.ArrayList<>(List.of(paths));
    for (String address :
        List.of(
            "shippingData.address",
            "shippingData.selectedAddresses[]",
            "shippingData.availableAddresses[]",
            "packageAttachment.packages[].address")) {
      for (String field :
          List.of(
              "receiverName",
              "street",
              "number",
              "complement",
              "neighborhood",
              "postalCode",
              "geoCoordinates",
              "reference")) {
        all.add(address + "." + field);
      }
    }
    return all.toArray(String[]::new);
  }

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
