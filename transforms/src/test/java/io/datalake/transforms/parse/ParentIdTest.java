package io.datalake.transforms.parse;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.transforms.Fixtures;
import io.datalake.transforms.kinds.CheckoutOrders;
import io.datalake.transforms.kinds.WorkflowExecutions;
import java.util.List;
import org.junit.Test;

/**
 * A parent's id sent with white space around it is the id its children were given: {@code " 42 "}
 * in the parent and {@code "42"} in its children would join nothing.
 */
public class ParentIdTest {
  @Test
  public void aPaddedOrderIdIsTheSameInTheOrderAndItsItems() throws Exception {
    ObjectNode order = Fixtures.load("vtex_oms_get_order.json");
    String id = order.get("orderId").asText();
    order.put("orderId", "  " + id + "\t");
    List<MappedRecord.TableRow> rows =
        new CheckoutOrderMapper(CheckoutOrders.ORDERS, CheckoutOrders.ITEMS).map(order).rows();
    assertThat(rows.size(), greaterThan(1));
    for (MappedRecord.TableRow row : rows) {
      assertThat(row.table().name(), row.json().get("orderId").asText(), equalTo(id));
    }
  }

  @Test
  public void aPaddedExecutionIdIsTheSameInTheExecutionAndItsChildren() throws Exception {
    ObjectNode execution = Fixtures.workflowExecution(" ex-1 ", "739224", "2024-04-03T15:30:00Z");
    List<MappedRecord.TableRow> rows =
        new WorkflowExecutionMapper(
                WorkflowExecutions.EXECUTIONS,
                WorkflowExecutions.PHASES,
                WorkflowExecutions.TASKS,
                WorkflowExecutions.CONTEXTS,
                WorkflowExecutions.CANCELLATIONS)
            .map(execution)
            .rows();
    assertThat(rows.size(), greaterThan(1));
    for (MappedRecord.TableRow row : rows) {
      String key = row.table() == WorkflowExecutions.EXECUTIONS ? "id" : "execution_id";
      assertThat(row.table().name(), row.json().get(key).asText(), equalTo("ex-1"));
    }
  }
}
