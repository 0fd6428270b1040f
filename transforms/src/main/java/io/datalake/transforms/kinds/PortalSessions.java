package io.datalake.transforms.kinds;

import static io.datalake.transforms.schema.Field.str;

import io.datalake.transforms.schema.LakeTable;
import io.datalake.transforms.schema.LakeTables;

/** Portal sessions: one {@code portal_sessions} row each, versioned by {@code last_updated_at}. */
public final class PortalSessions {
  private PortalSessions() {}

  public static final LakeTable TABLE =
      LakeTables.sessions(
          "portal_sessions",
          str("app_name")
              .doc("The portal app of the session, e.g. customer-portal, installer-portal"));

  public static final RecordKind KIND = AnalyticsKinds.kind("portal-sessions", TABLE);
}
