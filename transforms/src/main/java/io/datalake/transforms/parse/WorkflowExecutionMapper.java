package io.datalake.transforms.parse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.transforms.model.RecordRejectedException;
import io.datalake.transforms.schema.LakeTable;
import io.datalake.transforms.schema.NoValue;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

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

  /** The key columns each phase, task and context holds itself (its execution gives the rest). */
  private final List<String> phaseKey;

  private final List<String> taskKey;
  private final List<String> contextKey;

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
    Set<String> fromExecution = Set.of("org_id", "execution_id");
    this.phaseKey = Fields.ownKey(phases, fromExecution);
    this.taskKey = Fields.ownKey(tasks, fromExecution);
    this.contextKey = Fields.ownKey(contexts, fromExecution);
  }

  /**
   * Where a row keeps its variable assignees (undeclared, so in its {@code _extra} JSON): see
   * {@link #splitVariableAssignees}.
   */
  public static final String VARIABLE_ASSIGNEES = "assigned_to_variables";

  @Override
  public MappedRecord map(ObjectNode execution) throws RecordRejectedException {
    if (!execution.has("updated_at") && execution.has("lastUpdateTime")) {
      throw new RecordRejectedException(
          Fields.STEP,
          "a v1 workflow execution (lastUpdateTime, flow[]): this kind reads epilot's v2 flow"
              + " execution (org_id, updated_at, phases[], tasks[])");
    }
    String id = Fields.requiredText(execution, "id", "id");
    String org = Fields.requiredTenant(execution, "org_id", "org_id");
    Instant updatedAt = Fields.requiredTime(execution, "updated_at", "updated_at");
    JsonNode updatedAtText = execution.get("updated_at");

    List<MappedRecord.TableRow> rows = new ArrayList<>();
    ObjectNode executionRow = Fields.topLevelCopy(execution);
    executionRow.remove(List.of("phases", "tasks", "contexts"));
    Fields.idAsChildrenHaveIt(executionRow, "id", id);
    executionRow.put("org_id", org);
    splitVariableAssignees(executionRow);
    rows.add(new MappedRecord.TableRow(executions, executionRow));

    addChildren(rows, phases, phaseKey, execution, "phases", id, org, updatedAtText);
    addChildren(rows, tasks, taskKey, execution, "tasks", id, org, updatedAtText);
    addChildren(rows, contexts, contextKey, execution, "contexts", id, org, updatedAtText);
    ObjectNode closingReason = Fields.object(execution, "closing_reason", "closing_reason", 2);
    if (closingReason != null
        && (givesAReason(closingReason)
            || "CLOSED".equalsIgnoreCase(execution.path("status").asText("")))) {
      rows.add(
          new MappedRecord.TableRow(
              cancellations,
              withParent(Fields.topLevelCopy(closingReason), id, org, updatedAtText),
              2));
    }
    return new MappedRecord(org, updatedAt, rows);
  }

  /**
   * Whether a closing reason says why: a selected reason or a description. The executions API sends
   * the shell ({@code selected_reasons: []}, the configured ones, {@code extra_description: ""})
   * with executions still open too; counted as cancellations they would inflate every count of
   * them. A shape with other keys is kept as it is, and a CLOSED execution keeps its row even
   * without a reason (closed without choosing one).
   */
  static boolean givesAReason(ObjectNode closingReason) {
    for (java.util.Iterator<Map.Entry<String, JsonNode>> it = closingReason.fields();
        it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      JsonNode value = field.getValue();
      boolean empty =
          value == null
              || value.isNull()
              || (value.isContainerNode() && value.isEmpty())
              || (value.isTextual() && value.textValue().isBlank());
      if (field.getKey().equals("configured_reasons") || empty) {
        continue;
      }
      return true;
    }
    return false;
  }

  private static void addChildren(
      List<MappedRecord.TableRow> rows,
      LakeTable table,
      List<String> ownKey,
      ObjectNode execution,
      String key,
      String id,
      String org,
      JsonNode updatedAt)
      throws RecordRejectedException {
    for (ObjectNode child : Fields.objectCopies(execution, key, ownKey)) {
      splitVariableAssignees(child);
      rows.add(
          new MappedRecord.TableRow(
              table, withParent(child, id, org, updatedAt), Fields.ROOT_ELEMENT_DEPTH));
    }
  }

  /**
   * epilot's assignees are user ids or variable assignments, {@code {"variable":
   * "{{entity.owner}}", "value": ["user_12345"]}}: a rule that the workflow resolves into user ids
   * as it runs ({@code value} is absent until then). {@code assigned_to} keeps the user ids, the
   * resolved ones included, so that "assigned to this user" stays one lookup; the assignments
   * themselves move to {@value #VARIABLE_ASSIGNEES}, which the row keeps in its {@code _extra}. A
   * row without variable assignees is left as it is.
   */
  static void splitVariableAssignees(ObjectNode row) {
    JsonNode assignees = row.get("assigned_to");
    if (assignees == null || !assignees.isArray()) {
      return;
    }
    ArrayNode users = row.arrayNode();
    ArrayNode variables = row.arrayNode();
    for (JsonNode assignee : assignees) {
      if (!assignee.isObject()) {
        users.add(assignee); // a user id; anything else is the typing step's to refuse
        continue;
      }
      variables.add(assignee);
      JsonNode resolved = assignee.get("value");
      if (resolved != null && resolved.isArray()) {
        for (JsonNode user : resolved) {
          // A rule resolved to no one in that place adds no id (the rule itself is kept): the
          // ids are a set, not a positional list, and a null id would refuse the execution.
          if (!NoValue.in(user)) {
            users.add(user);
          }
        }
      } else if (!NoValue.in(resolved)) {
        users.add(resolved);
      }
    }
    if (!variables.isEmpty()) {
      row.set("assigned_to", users);
      row.set(VARIABLE_ASSIGNEES, variables);
    }
  }

  private static ObjectNode withParent(ObjectNode row, String id, String org, JsonNode updatedAt) {
    row.put("execution_id", id);
    row.put("org_id", org);
    row.set("execution_updated_at", updatedAt);
    return row;
  }
}
