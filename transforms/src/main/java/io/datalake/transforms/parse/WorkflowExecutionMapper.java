package io.datalake.transforms.parse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.transforms.model.RecordRejectedException;
import io.datalake.transforms.schema.LakeTable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A workflow execution snapshot (v2 shape) normalised into five tables: the execution, its phases,
 * tasks and contexts, and its closing reason. Every child row carries the execution's id, tenant
 * and {@code updated_at}, which is also the event time.
 */
public final class WorkflowExecutionMapper implements RecordMapper {
  private final LakeTable executions;
  private final LakeTable phases;
  private final LakeTable tasks;
  private final LakeTable contexts;
  private final LakeTable cancellations;

  public WorkflowExecutionMapper(
      LakeTable executions,
      LakeTable phases,
      LakeTable tasks,
      LakeTable contexts,
      LakeTable cancellations) {
    this.executions = executions;
    this.phases = phases;
    this.tasks = tasks;
    this.contexts = contexts;
    this.cancellations = cancellations;
  }

  @Override
  public MappedRecord map(ObjectNode execution) throws RecordRejectedException {
    String id = Fields.requiredText(execution, "id", "id");
    String org = Fields.requiredTenant(execution, "org_id", "org_id");
    Instant updatedAt = Fields.requiredTime(execution, "updated_at", "updated_at");
    JsonNode updatedAtText = execution.get("updated_at");

    List<MappedRecord.TableRow> rows = new ArrayList<>();
    ObjectNode executionRow = Fields.topLevelCopy(execution);
    executionRow.remove(List.of("phases", "tasks", "contexts"));
    executionRow.put("org_id", org);
    rows.add(new MappedRecord.TableRow(executions, executionRow));

    addChildren(rows, phases, execution, "phases", id, org, updatedAtText);
    addChildren(rows, tasks, execution, "tasks", id, org, updatedAtText);
    addChildren(rows, contexts, execution, "contexts", id, org, updatedAtText);
    ObjectNode closingReason = Fields.object(execution, "closing_reason", "closing_reason", 2);
    if (closingReason != null && !closingReason.isEmpty()) {
      rows.add(
          new MappedRecord.TableRow(
              cancellations,
              withParent(Fields.topLevelCopy(closingReason), id, org, updatedAtText),
              2));
    }
    return new MappedRecord(org, updatedAt, rows);
  }

  private static void addChildren(
      List<MappedRecord.TableRow> rows,
      LakeTable table,
      ObjectNode execution,
      String key,
      String id,
      String org,
      JsonNode updatedAt)
      throws RecordRejectedException {
    for (ObjectNode child : Fields.objectCopies(execution, key)) {
      rows.add(
          new MappedRecord.TableRow(
              table, withParent(child, id, org, updatedAt), Fields.ROOT_ELEMENT_DEPTH));
    }
  }

  private static ObjectNode withParent(ObjectNode row, String id, String org, JsonNode updatedAt) {
    row.put("execution_id", id);
    row.put("org_id", org);
    row.set("execution_updated_at", updatedAt);
    return row;
  }
}
