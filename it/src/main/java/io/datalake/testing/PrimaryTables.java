package io.datalake.testing;

import io.datalake.transforms.kinds.EntityOperations;
import io.datalake.transforms.kinds.RecordKind;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.snapshot.SnapshotRows;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * The primary table of each kind and the column that holds a published record's id: one row per
 * record, which is how the benchmark and the fault suite count what arrived. Derived from the
 * kinds' descriptors. Derived rows (the monthly snapshot rows) are no input record's: {@link
 * #inputRowsWhere} and {@link #isInputRow} leave them out.
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

  /**
   * A ClickHouse condition that keeps the rows of {@code table} that stand for input records: all
   * of them, except the derived snapshot rows of {@code entity_operations} (the monthly roll-up),
   * which every "one row per input record" count leaves out.
   */
  public static String inputRowsWhere(String table) {
    if (table.equals(EntityOperations.OPERATIONS.name())) {
      return "ifNull(detail_type, '') != '" + SnapshotRows.DETAIL_TYPE + "'";
    }
    return "1";
  }

  /** Whether a lake record stands for an input record (not a derived snapshot row). */
  public static boolean isInputRow(GenericRecord record) {
    Schema.Field field = record.getSchema().getField("detail_type");
    if (field == null) {
      return true;
    }
    Object type = record.get(field.pos());
    return type == null || !SnapshotRows.DETAIL_TYPE.equals(type.toString());
  }
}
