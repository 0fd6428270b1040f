package io.datalake.transforms.io;

import java.time.LocalDate;
import java.util.regex.Pattern;

/**
 * Hive-style partition paths, from a row's own event time in UTC (never its window or arrival):
 * {@code <table>/org_id=<tenant>/year=YYYY/month=MM/day=DD[/hour=HH]}.
 */
public final class LakePaths {
  /** A scheme ({@code s3}, {@code file}, {@code gs}, ...) and {@code //}, as RFC 3986 spells it. */
  private static final Pattern URI_WITH_AUTHORITY = Pattern.compile("[a-zA-Z][a-zA-Z0-9+.-]*://.*");

  private LakePaths() {}

  /**
   * Whether {@code location} (a lake, a warehouse, a checkpoint folder) is a URI such as {@code
   * s3://bucket/key} or {@code file:///tmp/lake} rather than a plain local path.
   */
  public static boolean isUri(String location) {
    return URI_WITH_AUTHORITY.matcher(location).matches();
  }

  /**
   * Whether {@code location} is on this machine's file system: a plain path or a {@code file:} URI
   * (not an object store such as {@code s3://}).
   */
  public static boolean isLocal(String location) {
    return !isUri(location) || location.startsWith("file:");
  }

  /**
   * The local path {@code location} names (a plain path, or a {@code file:} URI); only for a
   * location that {@link #isLocal is local}.
   *
   * @throws IllegalArgumentException for a {@code file:} URI that names no local path
   */
  public static java.nio.file.Path localPath(String location) {
    return location.startsWith("file:")
        ? java.nio.file.Path.of(java.net.URI.create(location))
        : java.nio.file.Path.of(location);
  }

  /**
   * {@code location} as Beam's file systems take it: a {@code file:} URI becomes the local path it
   * names (Beam's local file system reads {@code file:///tmp/lake} as the relative folder {@code
   * file:/tmp/lake} under the working directory); anything else stays as given.
   */
  public static String forBeam(String location) {
    return location.startsWith("file:") ? localPath(location).toString() : location;
  }

  /**
   * The partition folder of a row, relative to the lake root. Called for every row, so it avoids
   * {@code String.format} and time zone objects (5% of a streaming run's CPU went there).
   */
  public static String partition(
      String table, String tenant, long eventTimeMicros, boolean hourly) {
    long seconds = Math.floorDiv(eventTimeMicros, 1_000_000L);
    LocalDate date = LocalDate.ofEpochDay(Math.floorDiv(seconds, 86_400L));
    StringBuilder path = new StringBuilder(table.length() + tenant.length() + 48);
    path.append(table).append("/org_id=").append(escape(tenant)).append("/year=");
    int year = date.getYear();
    if (year < 0) {
      path.append(String.format("%04d", year)); // as before: -0050; such dates are rare
    } else {
      if (year < 1000) {
        path.append(year < 10 ? "000" : year < 100 ? "00" : "0");
      }
      path.append(year);
    }
    twoDigits(path.append("/month="), date.getMonthValue());
    twoDigits(path.append("/day="), date.getDayOfMonth());
    if (hourly) {
      twoDigits(path.append("/hour="), (int) (Math.floorMod(seconds, 86_400L) / 3600));
    }
    return path.toString();
  }

  private static void twoDigits(StringBuilder path, int value) {
    path.append((char) ('0' + value / 10)).append((char) ('0' + value % 10));
  }

  /** The glob matching every partition folder of a table: org_id/year/month/day[/hour]. */
  public static String partitionGlob(boolean hourly) {
    return hourly ? "*/*/*/*/*" : "*/*/*/*";
  }

  /** Escapes a partition value as Hive does: characters unsafe in paths become %XX. */
  public static String escape(String value) {
    int i = 0;
    while (i < value.length() && !unsafe(value.charAt(i))) {
      i++;
    }
    if (i == value.length()) {
      return value;
    }
    StringBuilder out = new StringBuilder(value.length() + 8).append(value, 0, i);
    for (; i < value.length(); i++) {
      char c = value.charAt(i);
      if (unsafe(c)) {
        out.append(String.format("%%%02X", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static boolean unsafe(char c) {
    return c < 0x20 || "\"#%'*/:=?\\\u007f{[]^".indexOf(c) >= 0;
  }
}
