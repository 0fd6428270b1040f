package io.datalake.testing;

import io.datalake.transforms.kinds.RecordKind;
import io.datalake.transforms.kinds.RecordKinds;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The primary table of each kind and the column that holds a published record's id: one row per
 * record, which is how the benchmark and the fault suite count what arrived. Derived from the
 * kinds' descriptors.
 */
public final class PrimaryTables {
  /** A kind's primary table and its id column. */
  public record Primary(String table, String idColumn) {}

  public static final Map<RecordKind, Primary> BY_KIND;

  static {
    Map<RecordKind, Primary> byKind = new LinkedHashMap<>();
    for (RecordKind kind : RecordKinds.builtIn().all()) {
      byKind.put(kind, new Primary(kind.primaryTable().name(), kind.recordIdField()));
    }
    BY_KIND = Collections.unmodifiableMap(byKind);
  }

  private PrimaryTables() {}
}
