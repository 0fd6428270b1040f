package io.datalake.transforms.schema;

import static io.datalake.transforms.schema.Field.json;
import static io.datalake.transforms.schema.Field.str;
import static io.datalake.transforms.schema.Field.ts;

import io.datalake.transforms.kinds.RecordKinds;
import java.util.Arrays;
import java.util.List;

/**
 * Shapes the lake tables of several kinds share, and the built-in tables. Each kind declares its
 * own tables beside its descriptor ({@code io.datalake.transforms.kinds}). What analysts rely on is
 * typed strictly (ids, tenant, timestamps, money in cents, quantities, flags, statuses, PII fields,
 * the nested structures of orders); parts whose shape varies between sources are JSON text. PII
 * fields are strings: they hold encryption tokens.
 */
public final class LakeTables {
  private LakeTables() {}

  /**
   * Journey and portal sessions: the published shape, scoped by journey or by app. A session's
   * start time is fixed; {@code last_updated_at} tells its versions apart.
   */
  public static LakeTable sessions(String name, Field scope) {
    return LakeTable.named(name)
        .columns(
            str("id"),
            str("org_id"),
            scope,
            ts("start_time"),
            json("details"),
            ts("end_time"),
            ts("last_updated_at"))
        .tenant("org_id")
        .eventTime("start_time")
        .key("org_id", "id")
        .version("last_updated_at")
        .primary()
        .build();
  }

  /** Journey and portal events: the published shape, scoped by journey or by app; never changed. */
  public static LakeTable events(String name, Field scope) {
    return LakeTable.named(name)
        .columns(
            str("id"),
            str("org_id"),
            str("session_id"),
            scope,
            str("type"),
            json("details"),
            ts("created_at"))
        .tenant("org_id")
        .eventTime("created_at")
        .key("org_id", "id")
        .immutable()
        .primary()
        .build();
  }

  /** The fields of {@code type} without the named columns. */
  public static List<Field> without(FieldType.RecordType type, String... columns) {
    List<String> drop = Arrays.asList(columns);
    return type.fields().stream().filter(f -> !drop.contains(f.column())).toList();
  }

  /** The tables of the built-in kinds ({@link RecordKinds#builtIn()}). */
  public static List<LakeTable> all() {
    return RecordKinds.builtIn().tables();
  }

  /** A table of the built-in kinds. */
  public static LakeTable byName(String name) {
    return RecordKinds.builtIn().table(name);
  }
}
