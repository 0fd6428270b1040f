package io.datalake.transforms.parse;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.transforms.model.EventKind;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** Top-level fields dropped before typing, per kind, from {@code kind:field,kind:field}. */
public final class DroppedFields implements Serializable {
  private final Map<EventKind, List<String>> fields;

  private DroppedFields(Map<EventKind, List<String>> fields) {
    this.fields = fields;
  }

  public static DroppedFields parse(String spec) {
    Map<EventKind, List<String>> fields = new EnumMap<>(EventKind.class);
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
        fields
            .computeIfAbsent(EventKind.fromFolder(parts[0]), k -> new ArrayList<>())
            .add(parts[1]);
      }
    }
    return new DroppedFields(fields);
  }

  public void apply(EventKind kind, ObjectNode record) {
    List<String> drop = fields.get(kind);
    if (drop != null) {
      record.remove(drop);
    }
  }
}
