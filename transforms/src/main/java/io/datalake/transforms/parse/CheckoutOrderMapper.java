package io.datalake.transforms.parse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.transforms.model.RecordRejectedException;
import io.datalake.transforms.schema.LakeTable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A VTEX order, raw (values as strings, nested parts as stringified JSON) or typed, to a {@code
 * checkout_orders} row and one {@code checkout_order_items} row per item. The tenant is {@code
 * hostname}, the event time {@code lastChange}.
 */
public final class CheckoutOrderMapper implements RecordMapper {
  private final LakeTable orders;
  private final LakeTable items;

  /** The key columns each item holds itself (its order gives the tenant and orderId). */
  private final List<String> itemKey;

  /** Orders to {@code orders}, their items to {@code items}. */
  public CheckoutOrderMapper(LakeTable orders, LakeTable items) {
    this.orders = orders;
    this.items = items;
    this.itemKey = Fields.ownKey(items, Set.of("org_id", "orderId"));
  }

  @Override
  public MappedRecord map(ObjectNode order) throws RecordRejectedException {
    String notAnOrder = otherVtexShape(order);
    if (notAnOrder != null) {
      throw new RecordRejectedException(
          Fields.STEP,
          notAnOrder
              + ", not an order: this kind reads orders as GET /api/oms/pvt/orders/{id}"
              + " returns them");
    }
    String orderId = Fields.requiredText(order, "orderId", "orderId");
    String hostname = Fields.requiredTenant(order, "hostname", "hostname");
    Instant lastChange = Fields.requiredTime(order, "lastChange", "lastChange");
    JsonNode lastChangeText = order.get("lastChange");

    List<MappedRecord.TableRow> rows = new ArrayList<>();
    ObjectNode orderRow = Fields.topLevelCopy(order);
    Fields.idAsChildrenHaveIt(orderRow, "orderId", orderId);
    orderRow.put("org_id", hostname);
    rows.add(new MappedRecord.TableRow(orders, orderRow));
    for (ObjectNode itemRow : Fields.objectCopies(order, "items", itemKey)) {
      itemRow.put("orderId", orderId);
      itemRow.put("org_id", hostname);
      itemRow.set("lastChange", lastChangeText);
      rows.add(new MappedRecord.TableRow(items, itemRow, Fields.ROOT_ELEMENT_DEPTH));
    }
    return new MappedRecord(hostname, lastChange, rows);
  }

  /**
   * What other VTEX payload a record without an order's fields is, for its dead letter: the
   * notifications and the cart name an order without being one, and "missing orderId" would send
   * the on-call engineer looking for a broken order.
   */
  private static String otherVtexShape(ObjectNode record) {
    if (record.has("totalValue") && !record.has("totals")) {
      // GET /api/oms/pvt/orders and the order search (extendsearch) list summaries with the
      // order's id, hostname and lastChange: read as an order, one would replace the order's row
      // in ClickHouse (same version) with a row of nulls, and its clientName, clientEmail and
      // clientDocument are under no order path.
      return "a VTEX order list or search item (totalValue, no totals)";
    }
    if (record.has("orderId") && record.has("hostname")) {
      return null;
    }
    if (record.has("hookConfig")) {
      return "a VTEX hook configuration ping (hookConfig)";
    }
    if (record.has("OrderId") && record.has("State")) {
      return "a VTEX order hook notification (OrderId, State)";
    }
    if (record.has("orderId") && record.has("eventId") && record.has("handle")) {
      return "a VTEX orders feed item (eventId, handle, orderId)";
    }
    if (record.has("orderFormId") && !record.has("orderId")) {
      return "a VTEX checkout orderForm, a cart (orderFormId, no orderId)";
    }
    if (record.has("orderId") && record.has("hostName")) {
      // PUT /api/checkout/pub/orders answers with the orders as placed: the store under hostName
      // and the order's state under state. Its OMS record, read once placed, is the order.
      return "a VTEX Checkout API order as placed (hostName, not hostname)";
    }
    return null;
  }
}
