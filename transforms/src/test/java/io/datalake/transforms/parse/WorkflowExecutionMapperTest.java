package io.datalake.transforms.parse;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.transforms.Fixtures;
import org.junit.Test;

/** Which closing reasons make a workflow_cancellations row. */
public class WorkflowExecutionMapperTest {
  private static boolean givesAReason(String json) throws Exception {
    return WorkflowExecutionMapper.givesAReason((ObjectNode) Fixtures.JSON.readTree(json));
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
