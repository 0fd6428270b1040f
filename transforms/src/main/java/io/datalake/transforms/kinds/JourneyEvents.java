package io.datalake.transforms.kinds;

import static io.datalake.transforms.schema.Field.str;

import io.datalake.transforms.parse.FlatRecordMapper;
import io.datalake.transforms.schema.LakeTable;
import io.datalake.transforms.schema.LakeTables;

/** Journey events: one {@code journey_events} row each, never versioned. */
public final class JourneyEvents {
  private JourneyEvents() {}

  public static final LakeTable TABLE = LakeTables.events("journey_events", str("journey_id"));

  public static final RecordKind KIND =
      RecordKind.named("journey-events")
          .tenantField("org_id")
          .eventTimeField("created_at")
          .recordIdField("id")
          .mapper(FlatRecordMapper::new)
          .tables(TABLE)
          .piiPaths(Samples.ANALYTICS_PII)
          .sample(Samples::visitor)
          .build();
}
