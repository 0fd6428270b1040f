package io.datalake.transforms.kinds;

import io.datalake.transforms.schema.LakeTable;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The kinds of record a pipeline reads, in a fixed order, and their lake tables: an immutable
 * registry. {@link #builtIn()} holds the kinds this project ships; {@link #with} adds others
 * without editing any file here, for the graph, the parse step and the lake writer to take ({@code
 * withKinds(...)}). Two kinds may not share a name, folder or table: such a registry fails when
 * built.
 */
public final class RecordKinds implements Serializable {
  private static final long serialVersionUID = 1L;

  private static final RecordKinds BUILT_IN =
      new RecordKinds(
          List.of(
              EntityOperations.KIND,
              WorkflowExecutions.KIND,
              CheckoutOrders.KIND,
              JourneySessions.KIND,
              JourneyEvents.KIND,
              PortalSessions.KIND,
              PortalEvents.KIND));

  private final List<RecordKind> kinds;
  private final Map<String, RecordKind> byName = new LinkedHashMap<>();
  private final Map<String, RecordKind> byFolder = new LinkedHashMap<>();
  private final Map<String, RecordKind> byTable = new LinkedHashMap<>();
  private final Map<String, LakeTable> tables = new LinkedHashMap<>();

  private RecordKinds(List<RecordKind> kinds) {
    this.kinds = List.copyOf(kinds);
    for (RecordKind kind : this.kinds) {
      unique(byName, kind.name(), kind, "name");
      unique(byFolder, kind.folder(), kind, "input folder");
      for (LakeTable table : kind.tables()) {
        unique(byTable, table.name(), kind, "table");
        tables.put(table.name(), table);
      }
    }
  }

  private static void unique(
      Map<String, RecordKind> map, String key, RecordKind kind, String what) {
    RecordKind other = map.putIfAbsent(key, kind);
    if (other != null) {
      throw new IllegalArgumentException(
          "Kinds of record "
              + other.name()
              + " and "
              + kind.name()
              + " share the "
              + what
              + " "
              + key);
    }
  }

  /** The kinds this project ships, in their fixed order. */
  public static RecordKinds builtIn() {
    return BUILT_IN;
  }

  /** These kinds and the given ones after them. */
  public RecordKinds with(RecordKind... more) {
    List<RecordKind> all = new ArrayList<>(kinds);
    all.addAll(List.of(more));
    return new RecordKinds(all);
  }

  public List<RecordKind> all() {
    return kinds;
  }

  public RecordKind byName(String name) {
    RecordKind kind = byName.get(name);
    if (kind == null) {
      throw new IllegalArgumentException("Unknown kind of record: " + name + known());
    }
    return kind;
  }

  public RecordKind byFolder(String folder) {
    RecordKind kind = byFolder.get(folder);
    if (kind == null) {
      throw new IllegalArgumentException("Unknown kind of record: " + folder + known());
    }
    return kind;
  }

  /** The kind whose declared tables include {@code table}. */
  public RecordKind kindOf(String table) {
    RecordKind kind = byTable.get(table);
    if (kind == null) {
      throw new IllegalArgumentException("Unknown lake table: " + table);
    }
    return kind;
  }

  /** Every lake table of every kind, in the kinds' order. */
  public List<LakeTable> tables() {
    return List.copyOf(tables.values());
  }

  public LakeTable table(String name) {
    LakeTable table = tables.get(name);
    if (table == null) {
      throw new IllegalArgumentException("Unknown lake table: " + name);
    }
    return table;
  }

  /**
   * The {@code --dropFields} value that drops each kind's default fields ({@code kind:field,...}).
   */
  public String defaultDroppedFields() {
    return kinds.stream()
        .flatMap(k -> k.droppedFields().stream().map(f -> k.name() + ":" + f))
        .collect(Collectors.joining(","));
  }

  private String known() {
    return " (known: " + String.join(", ", byName.keySet()) + ")";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RecordKinds k && kinds.equals(k.kinds);
  }

  @Override
  public int hashCode() {
    return kinds.hashCode();
  }

  @Override
  public String toString() {
    return byName.keySet().toString();
  }
}
