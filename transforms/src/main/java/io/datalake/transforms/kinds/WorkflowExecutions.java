package io.datalake.transforms.kinds;

import static io.datalake.transforms.schema.Field.arr;
import static io.datalake.transforms.schema.Field.bool;
import static io.datalake.transforms.schema.Field.json;
import static io.datalake.transforms.schema.Field.str;
import static io.datalake.transforms.schema.Field.strings;
import static io.datalake.transforms.schema.Field.ts;

import io.datalake.transforms.parse.WorkflowExecutionMapper;
import io.datalake.transforms.schema.Field;
import io.datalake.transforms.schema.FieldType;
import io.datalake.transforms.schema.LakeTable;
import io.datalake.transforms.schema.LakeTables;
import java.util.List;

/**
 * epilot workflow execution snapshots (v2 shape), normalised into five tables: the execution, its
 * phases, tasks and contexts, and its closing reason. Every child row carries the execution's id,
 * tenant and {@code updated_at}, which is also the event time and the version of every row.
 */
public final class WorkflowExecutions {
  private WorkflowExecutions() {}

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
  public static final FieldType.RecordType EXECUTION_INPUT =
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

  public static final LakeTable EXECUTIONS =
      LakeTable.named("workflow_executions")
          .columns(LakeTables.without(EXECUTION_INPUT, "phases", "tasks", "contexts"))
          .tenant("org_id")
          .eventTime("updated_at")
          .key("org_id", "id")
          .primary()
          .build();

  /** Columns every workflow child row carries from its execution. */
  private static final List<Field> EXECUTION_PARENT =
      List.of(str("execution_id"), str("org_id"), ts("execution_updated_at"));

  public static final LakeTable PHASES = child("workflow_phases", PHASE_FIELDS, "id");
  public static final LakeTable TASKS = child("workflow_tasks", TASK_FIELDS, "id");
  public static final LakeTable CANCELLATIONS =
      child("workflow_cancellations", CLOSING_REASON_FIELDS);
  public static final LakeTable CONTEXTS = child("workflow_contexts", CONTEXT_FIELDS, "entity_id");

  public static final RecordKind KIND =
      RecordKind.named("workflow-executions")
          .tenantField("org_id")
          .eventTimeField("updated_at")
          .recordIdField("id")
          .mapper(
              k -> new WorkflowExecutionMapper(EXECUTIONS, PHASES, TASKS, CONTEXTS, CANCELLATIONS))
          .tables(EXECUTIONS, PHASES, TASKS, CANCELLATIONS, CONTEXTS)
          .piiPaths("**.email")
          .sample(
              (event, n, id, random) -> {
                event.put("id", id);
                event.put("org_id", Samples.epilotTenant(random));
              })
          .build();

  /** A child of an execution: the execution's columns, then its own; keyed within it. */
  private static LakeTable child(String name, List<Field> fields, String... ownKey) {
    String[] key = new String[2 + ownKey.length];
    key[0] = "org_id";
    key[1] = "execution_id";
    System.arraycopy(ownKey, 0, key, 2, ownKey.length);
    return LakeTable.named(name)
        .columns(EXECUTION_PARENT)
        .columns(fields)
        .tenant("org_id")
        .eventTime("execution_updated_at")
        .key(key)
        .childOf(EXECUTIONS, "execution_id", "id")
        .build();
  }
}
