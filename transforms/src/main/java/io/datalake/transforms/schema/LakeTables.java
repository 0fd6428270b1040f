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

  /** The meaning of the analytics tables' {@code details}. */
  private static final String DETAILS =
      "More about it as JSON text, e.g. browser, step; its ip, email, phone and ip_address values"
          + " are encrypted";

  /**
   * Journey and portal sessions: the published shape, scoped by journey or by app. A session's
   * start time is fixed; {@code last_updated_at} tells its versions apart.
   */
  public static LakeTable sessions(String name, Field scope) {
    return LakeTable.named(name)
        .describedAs("One row per version of a session (the newest last_updated_at wins)")
        .columns(
            str("id").doc("The session's id (UUID)"),
            str("org_id").doc("The epilot organization (tenant) id"),
            scope,
            ts("start_time").doc("When the session started, UTC: its event time"),
            json("details").doc(DETAILS),
            ts("end_time").doc("When the session ended, UTC"),
            ts("last_updated_at").doc("When the session was last updated, UTC: its version"))
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
        .describedAs("One row per event; events never change")
        .columns(
            str("id").doc("The event's id (UUID)"),
            str("org_id").doc("The epilot organization (tenant) id"),
            str("session_id").doc("The id of the session the event happened in (UUID)"),
            scope,
            str("type")
                .doc(
                    "What happened, e.g. step_navigation, journey_submit, journey_exit in a journey;"
                        + " user_logged_in, page_navigation in a portal"),
            json("details").doc(DETAILS),
            ts("created_at").doc("When the event was recorded, UTC: its event time"))
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
