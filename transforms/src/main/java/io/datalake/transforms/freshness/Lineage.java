package io.datalake.transforms.freshness;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.transforms.io.WriteDeadLetters;
import io.datalake.transforms.kinds.RecordKind;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.schema.LakeTable;
import io.datalake.transforms.warehouse.DeadLetterTable;
import io.datalake.transforms.warehouse.RunsTable;
import io.datalake.transforms.warehouse.WarehouseTable;
import io.datalake.transforms.warehouse.WarehouseTables;
import java.util.ArrayList;
import java.util.List;

/**
 * Where every table's rows come from, made from the kind descriptors ({@link RecordKinds}, {@link
 * LakeTable}) and {@link WarehouseTables}, never from a list of names, so it cannot drift: per kind
 * its input folder and default Kafka topic; per lake table the kind, the steps its rows pass and,
 * for a child table, its parent; per ClickHouse table the lake table it is fed from, and for a
 * current-state table ({@code current_entities}) the rule that derives it; the monthly snapshot
 * rows a current-state source gets with {@code --snapshots}; and where each kind's dead letters go.
 *
 * <p>As data ({@link #nodes()}, {@link #edges()}, {@link #toJson()} for a status page) and as a
 * Graphviz graph ({@link #toDot()}, drawn into {@code lineage.svg} for the README).
 */
public final class Lineage {
  /** The steps of the pipeline graph every record passes, by their names in the graph. */
  public static final List<String> BATCH_STEPS =
      List.of("ReadJsonLines", "ParseTypeAndEncrypt", "WriteLake");

  public static final List<String> STREAMING_STEPS =
      List.of("ReadKafkaTopics", "ParseTypeAndEncrypt", "RouteLateRows", "WriteLake");

  /**
   * The steps between a lake row and its ClickHouse row: a batch converts and inserts in one step,
   * a stream batches each table's rows in a step of their own.
   */
  public static final List<String> WAREHOUSE_STEPS =
      List.of(
          "WriteWarehouse/ToWarehouseRowsAndInsert (batch) | WriteWarehouse/ToWarehouseRows",
          "WriteWarehouse/Insert_<table> (streaming)");

  /** What a node is. */
  public enum Role {
    KIND,
    LAKE_TABLE,
    WAREHOUSE_TABLE,
    DEAD_LETTERS,
    RUNS
  }

  /**
   * A node of the graph.
   *
   * @param id unique, e.g. {@code kind:entity-operations}, {@code lake:entity_operations}, {@code
   *     clickhouse:current_entities}
   * @param detail one line: the input folder and topic of a kind, the tenant, event time and key of
   *     a table
   */
  public record Node(String id, Role role, String name, String kind, String detail) {}

  /** An edge: {@code to}'s rows come from {@code from}, through {@code steps}. */
  public record Edge(String from, String to, String relation, List<String> steps) {}

  private final List<Node> nodes = new ArrayList<>();
  private final List<Edge> edges = new ArrayList<>();

  private Lineage() {}

  /** The lineage of {@code kinds}. */
  public static Lineage of(RecordKinds kinds) {
    Lineage lineage = new Lineage();
    lineage.build(kinds);
    return lineage;
  }

  public List<Node> nodes() {
    return List.copyOf(nodes);
  }

  public List<Edge> edges() {
    return List.copyOf(edges);
  }

  /** The node whose id this is; null when none. */
  public Node node(String id) {
    return nodes.stream().filter(n -> n.id().equals(id)).findFirst().orElse(null);
  }

  /** The edges into the node {@code id}. */
  public List<Edge> sourcesOf(String id) {
    return edges.stream().filter(e -> e.to().equals(id)).toList();
  }

  static String kindId(RecordKind kind) {
    return "kind:" + kind.name();
  }

  static String lakeId(String table) {
    return "lake:" + table;
  }

  static String warehouseId(String table) {
    return "clickhouse:" + table;
  }

  private void build(RecordKinds kinds) {
    String lakeLetters = lakeId(WriteDeadLetters.FOLDER);
    String warehouseLetters = warehouseId(DeadLetterTable.NAME);
    for (RecordKind kind : kinds.all()) {
      nodes.add(
          new Node(
              kindId(kind),
              Role.KIND,
              kind.name(),
              kind.name(),
              "folder " + kind.folder() + "/, topic " + kind.defaultTopic()));
    }
    for (RecordKind kind : kinds.all()) {
      for (LakeTable table : kind.tables()) {
        nodes.add(
            new Node(
                lakeId(table.name()),
                Role.LAKE_TABLE,
                table.name(),
                kind.name(),
                describe(table.tenantColumn(), table.eventTimeColumn(), table.key())));
        String relation =
            table.parent() == null
                ? "rows of the record"
                : "children of "
                    + table.parent().table().name()
                    + " ("
                    + table.parent().column()
                    + " = "
                    + table.parent().parentColumn()
                    + ")";
        edges.add(new Edge(kindId(kind), lakeId(table.name()), relation, steps()));
        if (table.currentState() != null) {
          edges.add(
              new Edge(
                  lakeId(table.name()),
                  lakeId(table.name()),
                  "monthly snapshot rows (--snapshots, ./datalake snapshot): one per entity"
                      + " active at a month's start",
                  List.of("MonthlySnapshots", "WriteSnapshots")));
        }
      }
    }
    for (WarehouseTable table : WarehouseTables.of(kinds)) {
      LakeTable source = kinds.table(table.source());
      RecordKind kind = kinds.kindOf(table.source());
      nodes.add(
          new Node(
              warehouseId(table.name()),
              Role.WAREHOUSE_TABLE,
              table.name(),
              kind.name(),
              describe(table.tenantColumn(), source.eventTimeColumn(), table.orderBy())));
      boolean derived = !table.name().equals(table.source());
      String relation;
      if (derived) {
        LakeTable.CurrentState state = source.currentState();
        relation =
            "latest state per "
                + String.join(", ", state.key())
                + " by "
                + WarehouseTables.VERSION
                + (state.unchanging().isEmpty()
                    ? ""
                    : "; "
                        + String.join(", ", state.unchanging().stream().sorted().toList())
                        + " change nothing")
                + "; snapshot rows do not feed it";
      } else {
        relation = "same rows, with " + WarehouseTables.VERSION + " and " + WarehouseTables.LOAD_ID;
      }
      List<String> steps = new ArrayList<>();
      for (String step : WAREHOUSE_STEPS) {
        steps.add(step.replace("<table>", table.name()));
      }
      edges.add(new Edge(lakeId(table.source()), warehouseId(table.name()), relation, steps));
    }
    nodes.add(
        new Node(
            lakeLetters,
            Role.DEAD_LETTERS,
            WriteDeadLetters.FOLDER,
            "",
            "every step's refusals, per kind: <lake>/" + WriteDeadLetters.FOLDER + "/<kind>/"));
    nodes.add(
        new Node(
            warehouseLetters,
            Role.DEAD_LETTERS,
            DeadLetterTable.NAME,
            "",
            "the same dead letters, keyed by " + String.join(", ", DeadLetterTable.orderBy())));
    for (RecordKind kind : kinds.all()) {
      edges.add(
          new Edge(
              kindId(kind),
              lakeLetters,
              "records a step refused",
              List.of("ParseTypeAndEncrypt", "WriteLake", "WriteWarehouse", "WriteDeadLetters")));
    }
    edges.add(
        new Edge(
            lakeLetters, warehouseLetters, "same dead letters", List.of("WarehouseDeadLetters")));
    nodes.add(
        new Node(
            warehouseId(RunsTable.NAME),
            Role.RUNS,
            RunsTable.NAME,
            "",
            "one row per run (run_id = every row's " + WarehouseTables.LOAD_ID + ")"));
  }

  private static List<String> steps() {
    List<String> steps = new ArrayList<>();
    steps.add(String.join(" | ", BATCH_STEPS.get(0), STREAMING_STEPS.get(0)));
    steps.add("ParseTypeAndEncrypt");
    steps.add("RouteLateRows (streaming)");
    steps.add("WriteLake");
    return steps;
  }

  private static String describe(String tenant, String eventTime, List<String> key) {
    return "tenant " + tenant + ", event time " + eventTime + ", key " + String.join(", ", key);
  }

  /** The lineage as JSON: {@code {"nodes": [...], "edges": [...]}}, for a page to draw. */
  public String toJson() {
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode root = json.createObjectNode();
    ArrayNode nodeArray = root.putArray("nodes");
    for (Node node : nodes) {
      nodeArray
          .addObject()
          .put("id", node.id())
          .put("role", node.role().name().toLowerCase(java.util.Locale.ROOT))
          .put("name", node.name())
          .put("kind", node.kind())
          .put("detail", node.detail());
    }
    ArrayNode edgeArray = root.putArray("edges");
    for (Edge edge : edges) {
      ObjectNode e =
          edgeArray
              .addObject()
              .put("from", edge.from())
              .put("to", edge.to())
              .put("relation", edge.relation());
      ArrayNode steps = e.putArray("steps");
      edge.steps().forEach(steps::add);
    }
    try {
      return json.writeValueAsString(root) + "\n";
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The lineage as a Graphviz graph, left to right: kinds, lake tables, ClickHouse tables, dead
   * letters. Deterministic (the kinds' order), so the file in the repository can be compared.
   */
  public String toDot() {
    StringBuilder dot = new StringBuilder();
    dot.append(
            "// Generated by io.datalake.transforms.freshness.Lineage from the kind descriptors;")
        .append(" do not edit.\n");
    dot.append("digraph lineage {\n");
    dot.append("  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=10];\n");
    dot.append("  edge [fontname=\"Helvetica\", fontsize=8, color=\"#555555\"];\n");
    for (Role role : Role.values()) {
      String shape =
          switch (role) {
            case KIND -> "shape=box, style=\"rounded,filled\", fillcolor=\"#e8f0fe\"";
            case LAKE_TABLE -> "shape=folder, style=filled, fillcolor=\"#e6f4ea\"";
            case WAREHOUSE_TABLE -> "shape=cylinder, style=filled, fillcolor=\"#fef7e0\"";
            case DEAD_LETTERS -> "shape=note, style=filled, fillcolor=\"#fce8e6\"";
            case RUNS -> "shape=cylinder, style=filled, fillcolor=\"#f1f3f4\"";
          };
      for (Node node : nodes) {
        if (node.role() != role) {
          continue;
        }
        String title =
            switch (role) {
              case KIND -> "kind " + node.name();
              case LAKE_TABLE -> "lake: " + node.name();
              case WAREHOUSE_TABLE, RUNS -> "ClickHouse: " + node.name();
              case DEAD_LETTERS -> node.name();
            };
        dot.append("  ")
            .append(quote(node.id()))
            .append(" [")
            .append(shape)
            .append(", label=")
            .append(quote(title + "\n" + wrap(node.detail())))
            .append("];\n");
      }
    }
    for (Edge edge : edges) {
      boolean letters = node(edge.to()).role() == Role.DEAD_LETTERS;
      dot.append("  ")
          .append(quote(edge.from()))
          .append(" -> ")
          .append(quote(edge.to()))
          .append(" [label=")
          .append(quote(letters ? "" : wrap(edge.relation())))
          .append(letters ? ", style=dashed, color=\"#c5221f\"" : "")
          .append("];\n");
    }
    dot.append("}\n");
    return dot.toString();
  }

  /** Lines of about 40 characters, so that labels stay narrow. */
  private static String wrap(String text) {
    StringBuilder out = new StringBuilder();
    int line = 0;
    for (String word : text.split(" ")) {
      if (line > 0 && line + word.length() > 40) {
        out.append('\n');
        line = 0;
      } else if (line > 0) {
        out.append(' ');
        line++;
      }
      out.append(word);
      line += word.length();
    }
    return out.toString();
  }

  private static String quote(String text) {
    return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
  }
}
