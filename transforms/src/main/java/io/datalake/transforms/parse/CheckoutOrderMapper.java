package io.datalake.transforms.parse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.transforms.model.RecordRejectedException;
import io.datalake.transforms.schema.LakeTable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A VTEX order, raw (values as strings, nested parts as stringified JSON) or typed, to a {@code
 * checkout_orders} row and one {@code checkout_order_items} row per item. The tenant is {@code
 * hostname}, the event time {@code lastChange}.
 */
public final class CheckoutOrderMapper implements RecordMapper {
  private final LakeTable orders;
  private final LakeTable items;

  /** Orders to {@code orders}, their items to {@code items}. */
  public CheckoutOrderMapper(LakeTable orders, LakeTable items) {
    this.orders = orders;
    this.items = items;
  }

  @Override
  public MappedRecord map(ObjectNode order) throws RecordRejectedException {
    String orderId = Fields.requiredText(order, "orderId", "orderId");
    String hostname = Fields.requiredTenant(order, "hostname", "hostname");
    Instant lastChange = Fields.requiredTime(order, "lastChange", "lastChange");
    JsonNode lastChangeText = order.get("lastChange");

    List<MappedRecord.TableRow> rows = new ArrayList<>();
    ObjectNode orderRow = Fields.topLevelCopy(order);
    orderRow.put("org_id", hostname);
    rows.add(new MappedRecord.TableRow(orders, orderRow));
    for (ObjectNode itemRow : Fields.objectCopies(order, "items")) {
      itemRow.put("orderId", orderId);
      itemRow.put("org_id", hostname);
      itemRow.set("lastChange", lastChangeText);
      rows.add(new MappedRecord.TableRow(items, itemRow, Fields.ROOT_ELEMENT_DEPTH));
    }
    return new MappedRecord(hostname, lastChange, rows);
  }
}
