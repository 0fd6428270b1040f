package io.datalake.transforms.kinds;

import static io.datalake.transforms.schema.Field.str;

import io.datalake.transforms.schema.LakeTable;
import io.datalake.transforms.schema.LakeTables;

/** Journey events: one {@code journey_events} row each, never changed. */
public final class JourneyEvents {
  private JourneyEvents() {}

  public static final LakeTable TABLE =
      LakeTables.events(
          "journey_events", str("journey_id").doc("The journey the event belongs to (UUID)"));

  public static final RecordKind KIND = AnalyticsKinds.kind("journey-events", TABLE);
}
