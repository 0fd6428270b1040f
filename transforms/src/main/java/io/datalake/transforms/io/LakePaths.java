package io.datalake.transforms.io;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;

/**
 * Hive-style partition paths, from a row's own event time in UTC (never its window or arrival):
 * {@code <table>/org_id=<tenant>/year=YYYY/month=MM/day=DD[/hour=HH]}.
 */
public final class LakePaths {
  private LakePaths() {}

  public static String partition(String table, String tenant, long eventTimeMicros, boolean hourly) {
    ZonedDateTime t =
        Instant.ofEpochSecond(Math.floorDiv(eventTimeMicros, 1_000_000L)).atZone(ZoneOffset.UTC);
    StringBuilder path =
        new StringBuilder(table)
            .append("/org_id=")
            .append(escape(tenant))
            .append(String.format("/year=%04d/month=%02d/day=%02d", t.getYear(), t.getMonthValue(), t.getDayOfMonth()));
    if (hourly) {
      path.append(String.format("/hour=%02d", t.getHour()));
    }
    return path.toString();
  }

  /** The glob matching every partition folder of a table: org_id/year/month/day[/hour]. */
  public static String partitionGlob(boolean hourly) {
    return hourly ? "*/*/*/*/*" : "*/*/*/*";
  }

  /** Escapes a partition value as Hive does: characters unsafe in paths become %XX. */
  public static String escape(String value) {
    StringBuilder out = new StringBuilder(value.length());
    for (char c : value.toCharArray()) {
      if (c < 0x20 || "\"#%'*/:=?\\\u007f{[]^".indexOf(c) >= 0) {
        out.append(String.format("%%%02X", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
