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
          str("id").doc("The phase's id, unique within its execution"),
          str("template_id").doc("The id of the phase in the workflow template"),
          str("name").doc("The phase's name"),
          str("status").doc("The phase's status, e.g. OPEN"),
          ts("updated_at").doc("When the phase last changed, UTC"),
          ts("due_date").doc("When the phase is due, UTC"),
          json("due_date_config").doc("How the phase's due date is computed, as JSON text"),
          strings("assigned_to")
              .doc(
                  "Ids of the users assigned to the phase, those a variable assignment"
                      + " resolved to included (the assignments themselves are in _extra, as"
                      + " assigned_to_variables)"),
          json("analytics").doc("The phase's timing facts, as JSON text"),
          strings("taxonomies").doc("Ids of the taxonomy labels of the phase"),
          json("loop_config").doc("How the phase repeats in a loop, as JSON text"));

  private static final List<Field> TASK_FIELDS =
      List.of(
          str("id").doc("The task's id, unique within its execution"),
          str("template_id").doc("The id of the task in the workflow template"),
          str("name").doc("The task's name"),
          json("description").doc("The task's description, as JSON text"),
          str("status").doc("The task's status, e.g. UNASSIGNED, ASSIGNED, SKIPPED"),
          str("phase_id").doc("The id of the phase the task is in (workflow_phases.id)"),
          str("task_type").doc("The task's type, e.g. MANUAL"),
          json("journey").doc("The journey the task asks to fill in, as JSON text"),
          ts("due_date").doc("When the task is due, UTC"),
          json("due_date_config").doc("How the task's due date is computed, as JSON text"),
          json("requirements").doc("What must be done before the task, as JSON text"),
          strings("assigned_to")
              .doc(
                  "Ids of the users assigned to the task, those a variable assignment"
                      + " resolved to included (the assignments themselves are in _extra, as"
                      + " assigned_to_variables)"),
          json("analytics").doc("The task's timing facts, as JSON text"),
          ts("created_at").doc("When the task was created, UTC"),
          ts("updated_at").doc("When the task last changed, UTC"),
          bool("manually_created").doc("Whether a user added the task by hand (not the template)"),
          bool("enabled").doc("Whether the task is enabled"),
          json("ecp").doc("How the task shows in the end-customer portal, as JSON text"),
          json("installer").doc("How the task shows in the installer portal, as JSON text"),
          strings("taxonomies").doc("Ids of the taxonomy labels of the task"),
          json("loop_config").doc("How the task repeats in a loop, as JSON text"));

  private static final List<Field> CONTEXT_FIELDS =
      List.of(
          str("entity_id").doc("The id of an entity the execution works on"),
          str("entity_schema").doc("That entity's schema, e.g. opportunity"),
          bool("is_primary").doc("Whether it is the execution's primary entity"));

  private static final List<Field> CLOSING_REASON_FIELDS =
      List.of(
          json("selected_reasons").doc("The closing reasons chosen, as JSON text: [{id, title}]"),
          json("configured_reasons").doc("The closing reasons the workflow offers, as JSON text"),
          str("extra_description").doc("Free text given when the execution was closed"));

  /** The execution snapshot as it arrives; phases, tasks and contexts go to their own tables. */
  public static final FieldType.RecordType EXECUTION_INPUT =
      new FieldType.RecordType(
          "workflow_execution",
          List.of(
              str("id").doc("The workflow execution's id"),
              str("org_id").doc("The epilot organization (tenant) id"),
              str("flow_template_id").doc("The id of the workflow template it was started from"),
              str("name").doc("The workflow's name, e.g. Solar installation"),
              str("status").doc("The execution's status, e.g. STARTED, CLOSED"),
              ts("created_at").doc("When the execution was started, UTC"),
              ts("updated_at")
                  .doc(
                      "When this snapshot of the execution was taken (last update), UTC: the"
                          + " event time and version of the execution and of its child rows"),
              ts("due_date").doc("When the execution is due, UTC"),
              json("due_date_config")
                  .doc(
                      "How the due date is computed, as JSON text: duration, unit, type (what it"
                          + " counts from, e.g. WORKFLOW_STARTED), task_id, phase_id"),
              strings("assigned_to")
                  .doc(
                      "Ids of the users assigned to the execution, those a variable assignment"
                          + " resolved to included (the assignments themselves are in _extra, as"
                          + " assigned_to_variables)"),
              json("analytics")
                  .doc(
                      "Timing facts as JSON text: started_at, completed_at, closed_at,"
                          + " started_by, closed_by"),
              json("crt_tasks")
                  .doc("The ids of the execution's current tasks, as JSON text: [{id}]"),
              json("edges")
                  .doc(
                      "The flow's edges between tasks, as JSON text: id, from_id, to_id,"
                          + " condition_id, none_met"),
              json("_execution_chain")
                  .doc(
                      "Where the execution sits in a chain of executions, as JSON text:"
                          + " parent_execution_id, parent_task_id, depth"),
              json("closing_reason")
                  .doc(
                      "Why the execution was closed, as JSON text: selected_reasons,"
                          + " configured_reasons, extra_description (also in"
                          + " workflow_cancellations)"),
              bool("available_in_ecp")
                  .doc("Whether the execution shows in the end-customer portal (ECP)"),
              json("entity_sync")
                  .doc(
                      "Rules copying workflow values to entities, as JSON text: trigger, target, value"),
              strings("taxonomies").doc("Ids of the taxonomy labels of the execution"),
              json("trigger")
                  .doc(
                      "What started the execution, as JSON text: type (e.g. MANUAL) and"
                          + " automation_config"),
              bool("singleClosingReasonSelection")
                  .doc("Whether only one closing reason may be chosen when closing"),
              arr("phases", new FieldType.RecordType("phase", PHASE_FIELDS))
                  .doc("The execution's phases: the rows of workflow_phases"),
              arr("tasks", new FieldType.RecordType("task", TASK_FIELDS))
                  .doc("The execution's tasks: the rows of workflow_tasks"),
              arr("contexts", new FieldType.RecordType("context", CONTEXT_FIELDS))
                  .doc("The entities the execution works on: the rows of workflow_contexts")));

  public static final LakeTable EXECUTIONS =
      LakeTable.named("workflow_executions")
          .describedAs("One row per snapshot of an epilot workflow execution (v2 shape)")
          .columns(LakeTables.without(EXECUTION_INPUT, "phases", "tasks", "contexts"))
          .tenant("org_id")
          .eventTime("updated_at")
          .key("org_id", "id")
          .primary()
          .build();

  /** Columns every workflow child row carries from its execution. */
  private static final List<Field> EXECUTION_PARENT =
      List.of(
          str("execution_id").doc("The id of the execution (workflow_executions.id)"),
          str("org_id").doc("The epilot organization (tenant) id of the execution"),
          ts("execution_updated_at")
              .doc(
                  "The execution's updated_at, UTC: the snapshot the row is part of (its event"
                      + " time and version)"));

  public static final LakeTable PHASES =
      child("workflow_phases", "One row per phase of an execution snapshot", PHASE_FIELDS, "id");
  public static final LakeTable TASKS =
      child("workflow_tasks", "One row per task of an execution snapshot", TASK_FIELDS, "id");
  public static final LakeTable CANCELLATIONS =
      child(
          "workflow_cancellations",
          "One row per execution snapshot with a closing_reason, of a CLOSED execution or giving a"
              + " reason (a selected reason or a description; not the empty shell sent with open"
              + " executions)",
          CLOSING_REASON_FIELDS);
  public static final LakeTable CONTEXTS =
      child(
          "workflow_contexts",
          "One row per entity an execution snapshot works on (its contexts)",
          CONTEXT_FIELDS,
          "entity_id");

  public static final RecordKind KIND =
      RecordKind.named("workflow-executions")
          .tenantField("org_id")
          .eventTimeField("updated_at")
          .recordIdField("id")
          .mapper(
              k -> new WorkflowExecutionMapper(EXECUTIONS, PHASES, TASKS, CONTEXTS, CANCELLATIONS))
          .tables(EXECUTIONS, PHASES, TASKS, CANCELLATIONS, CONTEXTS)
          .piiPaths(FreeFormPii.under("").toArray(String[]::new))
          .sample(
              (event, n, id, random) -> {
                event.put("id", id);
                event.put("org_id", Samples.epilotTenant(random));
              })
          .build();

  /** A child of an execution: the execution's columns, then its own; keyed within it. */
  private static LakeTable child(
      String name, String description, List<Field> fields, String... ownKey) {
    String[] key = new String[2 + ownKey.length];
    key[0] = "org_id";
    key[1] = "execution_id";
    System.arraycopy(ownKey, 0, key, 2, ownKey.length);
    return LakeTable.named(name)
        .describedAs(description)
        .columns(EXECUTION_PARENT)
        .columns(fields)
        .tenant("org_id")
        .eventTime("execution_updated_at")
        .key(key)
        .childOf(EXECUTIONS, "execution_id", "id")
        .build();
  }
}
