package io.datalake.transforms.parse;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.transforms.Fixtures;
import io.datalake.transforms.kinds.WorkflowExecutions;
import org.junit.Test;

/** Which closing reasons make a workflow_cancellations row. */
public class WorkflowExecutionMapperTest {
  private static boolean givesAReason(String json) throws Exception {
    return WorkflowExecutionMapper.givesAReason((ObjectNode) Fixtures.JSON.readTree(json));
  }

  private static long cancellations(String status, String closingReason) throws Exception {
    ObjectNode execution = Fixtures.workflowExecution("ex-1", "739224", "2024-04-03T15:30:00Z");
    execution.put("status", status);
    execution.set("closing_reason", Fixtures.JSON.readTree(closingReason));
    WorkflowExecutionMapper mapper =
        new WorkflowExecutionMapper(
            WorkflowExecutions.EXECUTIONS,
            WorkflowExecutions.PHASES,
            WorkflowExecutions.TASKS,
            WorkflowExecutions.CONTEXTS,
            WorkflowExecutions.CANCELLATIONS);
    return mapper.map(execution).rows().stream()
        .filter(r -> r.table() == WorkflowExecutions.CANCELLATIONS)
        .count();
  }

  @Test
  public void anOpenExecutionsEmptyShellIsNoCancellationAClosedExecutionIsOne() throws Exception {
    String shell =
        "{\"selected_reasons\": [], \"configured_reasons\": [{\"id\": \"r1\"}],"
            + " \"extra_description\": \"\"}";
    assertThat(cancellations("STARTED", shell), equalTo(0L));
    assertThat(cancellations("CLOSED", shell), equalTo(1L));
    assertThat(cancellations("STARTED", "{\"selected_reasons\": [{\"id\": \"r1\"}]}"), equalTo(1L));
  }

  @Test
  public void aSelectedReasonOrADescriptionIsAReasonTheShellIsNot() throws Exception {
    assertThat(
        givesAReason("{\"selected_reasons\": [{\"id\": \"r1\", \"title\": \"Too expensive\"}]}"),
        equalTo(true));
    assertThat(
        givesAReason("{\"selected_reasons\": [], \"extra_description\": \"Customer moved\"}"),
        equalTo(true));
    // What the API sends with executions still open: configured reasons, nothing chosen.
    assertThat(
        givesAReason(
            "{\"selected_reasons\": [], \"configured_reasons\": [{\"id\": \"r1\", \"title\": \"t\"}],"
                + " \"extra_description\": \"  \"}"),
        equalTo(false));
    assertThat(givesAReason("{\"selected_reasons\": null}"), equalTo(false));
    assertThat(givesAReason("{}"), equalTo(false));
    // Another shape is kept as it is.
    assertThat(givesAReason("{\"reasons\": [{\"id\": \"r1\"}]}"), equalTo(true));
  }
}
