package io.datalake.transforms.kinds;

import static io.datalake.transforms.schema.Field.str;

import io.datalake.transforms.schema.LakeTable;
import io.datalake.transforms.schema.LakeTables;

/** Portal events: one {@code portal_events} row each, never changed. */
public final class PortalEvents {
  private PortalEvents() {}

  public static final LakeTable TABLE =
      LakeTables.events(
          "portal_events",
          str("app_name")
              .doc("The portal app of the event, e.g. customer-portal, installer-portal"));

  public static final RecordKind KIND = AnalyticsKinds.kind("portal-events", TABLE);
}
