package io.datalake.transforms.kinds;

import static io.datalake.transforms.schema.Field.str;

import io.datalake.transforms.schema.LakeTable;
import io.datalake.transforms.schema.LakeTables;

/**
 * Journey sessions: one {@code journey_sessions} row each, versioned by {@code last_updated_at}.
 */
public final class JourneySessions {
  private JourneySessions() {}

  public static final LakeTable TABLE =
      LakeTables.sessions(
          "journey_sessions", str("journey_id").doc("The journey the session is of (UUID)"));

  public static final RecordKind KIND = AnalyticsKinds.kind("journey-sessions", TABLE);
}
