package io.datalake.transforms.parse;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.transforms.kinds.RecordKind;
import io.datalake.transforms.kinds.RecordKinds;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Top-level fields dropped before typing, per kind, from {@code kind:field,kind:field}. Each kind
 * declares its defaults ({@link RecordKind#droppedFields()}); {@code --dropFields}'s default is
 * those of the built-in kinds ({@link RecordKinds#defaultDroppedFields()}).
 */
public final class DroppedFields implements Serializable {
  /** Kind name to its fields. */
  private final Map<String, List<String>> fields;

  private DroppedFields(Map<String, List<String>> fields) {
    this.fields = fields;
  }

  /** The spec's fields, its kinds among the built-in ones. */
  public static DroppedFields parse(String spec) {
    return parse(spec, RecordKinds.builtIn());
  }

  /** The spec's fields, its kinds among {@code kinds}. */
  public static DroppedFields parse(String spec, RecordKinds kinds) {
    Map<String, List<String>> fields = new HashMap<>();
    if (spec != null) {
      for (String entry : spec.split(",")) {
        if (entry.isBlank()) {
          continue;
        }
        String[] parts = entry.trim().split(":", 2);
        if (parts.length != 2 || parts[1].isBlank()) {
          throw new IllegalArgumentException(
              "--dropFields entries are kind:field, e.g. checkout-orders:customData; got " + entry);
        }
        fields.computeIfAbsent(kinds.byName(parts[0]).name(), k -> new ArrayList<>()).add(parts[1]);
      }
    }
    return new DroppedFields(fields);
  }

  /** The fields each of the kinds drops by default. */
  public static DroppedFields defaults(RecordKinds kinds) {
    return parse(kinds.defaultDroppedFields(), kinds);
  }

  public void apply(RecordKind kind, ObjectNode record) {
    List<String> drop = fields.get(kind.name());
    if (drop != null) {
      record.remove(drop);
    }
  }
}
