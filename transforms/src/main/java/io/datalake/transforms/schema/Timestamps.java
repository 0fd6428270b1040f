package io.datalake.transforms.schema;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * The event times of the sources: parsing the ISO-8601 forms they use, the range the lake keeps,
 * and the microseconds Parquet and Avro store. One place, so that typing a column, routing by event
 * time and partitioning read a time the same way.
 */
public final class Timestamps {
  private Timestamps() {}

  private static final Instant FIRST_STORABLE = Instant.parse("0001-01-01T00:00:00Z");
  private static final Instant LAST_STORABLE = Instant.parse("9999-12-31T23:59:59.999999Z");

  /** The largest offset ISO-8601 and java.time allow: how far an offset moves a local time. */
  private static final Duration MAX_OFFSET = Duration.ofHours(18);

  /**
   * Whether the lake keeps this time: years 1-9999, what Parquet readers, Hive partitions and SQL
   * engines agree on (and far inside the microseconds a long holds and Beam's timestamps).
   */
  public static boolean isStorable(Instant instant) {
    return !instant.isBefore(FIRST_STORABLE) && !instant.isAfter(LAST_STORABLE);
  }

  /**
   * {@code instant}, or the nearest storable time (the first instant of year 1, the last of 9999)
   * when it lies out of range by at most the largest offset, 18 hours: as a local time of year 1 or
   * 9999 with an offset does. .NET (VTEX) writes "not set" as {@code DateTime.MinValue} in the
   * server's zone, {@code 0001-01-01T00:00:00+03:00}, which is 0000-12-31T21:00Z. Null when the
   * time is out of range by more.
   */
  public static Instant storableOrNearest(Instant instant) {
    if (isStorable(instant)) {
      return instant;
    }
    if (instant.isBefore(FIRST_STORABLE) && !instant.isBefore(FIRST_STORABLE.minus(MAX_OFFSET))) {
      return FIRST_STORABLE;
    }
    if (instant.isAfter(LAST_STORABLE) && !instant.isAfter(LAST_STORABLE.plus(MAX_OFFSET))) {
      return LAST_STORABLE;
    }
    return null;
  }

  /**
   * Parses the timestamp forms the sources use: any number of fraction digits, {@code Z} or an
   * offset ({@code +02:00}, or {@code +0200}), or no offset at all (taken as UTC), or a bare date
   * (midnight UTC). A space may stand for the {@code T} when seconds follow ({@code 2024-08-01
   * 12:00:00}): ClickHouse's text of a {@code DateTime}, the type epilot's datalake tables publish
   * their times in (RFC 3339 allows the space).
   */
  public static Instant parse(String text) {
    String value = text.trim();
    if (value.length() >= 19
        && value.charAt(10) == ' '
        && value.charAt(13) == ':'
        && value.charAt(16) == ':') {
      value = value.substring(0, 10) + 'T' + value.substring(11);
    }
    Instant common = parseCommonTimestamp(value);
    if (common != null) {
      return common;
    }
    try {
      return OffsetDateTime.parse(value, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
    } catch (DateTimeParseException withoutOffset) {
      if (value.length() == 10) {
        return LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant();
      }
      return LocalDateTime.parse(value, DateTimeFormatter.ISO_LOCAL_DATE_TIME)
          .toInstant(ZoneOffset.UTC);
    }
  }

  /**
   * The form nearly every timestamp of the sources has, {@code
   * yyyy-MM-ddTHH:mm:ss[.f...](Z|±HH:MM|±HHMM)}, read without java.time's general parser (4% of a
   * streaming run's CPU); null for any other form or an invalid value, which the general parser
   * then reads or rejects.
   */
  private static Instant parseCommonTimestamp(String v) {
    int n = v.length();
    if (n < 20
        || v.charAt(4) != '-'
        || v.charAt(7) != '-'
        || v.charAt(10) != 'T'
        || v.charAt(13) != ':'
        || v.charAt(16) != ':') {
      return null;
    }
    int year = digits(v, 0, 4);
    int month = digits(v, 5, 2);
    int day = digits(v, 8, 2);
    int hour = digits(v, 11, 2);
    int minute = digits(v, 14, 2);
    int second = digits(v, 17, 2);
    if (year < 0
        || month < 1
        || month > 12
        || day < 1
        || day > 31
        || hour < 0
        || hour > 23
        || minute < 0
        || minute > 59
        || second < 0
        || second > 59) {
      return null;
    }
    int i = 19;
    long nanos = 0;
    if (v.charAt(i) == '.') {
      int start = ++i;
      while (i < n && i - start < 9 && isAsciiDigit(v.charAt(i))) {
        nanos = nanos * 10 + (v.charAt(i) - '0');
        i++;
      }
      if (i == start || (i < n && isAsciiDigit(v.charAt(i)))) {
        return null;
      }
      for (int scale = i - start; scale < 9; scale++) {
        nanos *= 10;
      }
    }
    int offsetSeconds;
    if (i == n - 1 && v.charAt(i) == 'Z') {
      offsetSeconds = 0;
    } else if ((i == n - 6 || i == n - 5)
        && (v.charAt(i) == '+' || v.charAt(i) == '-')
        && (i == n - 5 || v.charAt(i + 3) == ':')) {
      // ±HH:MM, or ±HHMM as Java's and many JavaScript libraries' 'Z' pattern writes it.
      int oh = digits(v, i + 1, 2);
      int om = digits(v, n - 2, 2);
      if (oh < 0 || om < 0 || om > 59 || oh * 60 + om > 18 * 60) {
        return null;
      }
      offsetSeconds = (v.charAt(i) == '-' ? -1 : 1) * (oh * 3600 + om * 60);
    } else {
      return null;
    }
    if (day > 28 && day > YearMonth.of(year, month).lengthOfMonth()) {
      return null;
    }
    long epochDay = LocalDate.of(year, month, day).toEpochDay();
    return Instant.ofEpochSecond(
        epochDay * 86_400L + hour * 3600L + minute * 60L + second - offsetSeconds, nanos);
  }

  /**
   * java.time reads only ASCII digits; {@code Character.isDigit} would also take other scripts'.
   */
  private static boolean isAsciiDigit(char c) {
    return c >= '0' && c <= '9';
  }

  /** The number written with {@code count} decimal digits at {@code from}, or -1. */
  private static int digits(String v, int from, int count) {
    int value = 0;
    for (int i = from; i < from + count; i++) {
      char c = v.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }

  /**
   * Microseconds since the epoch (java.time's MICROS.between overflows before 1678 and after 2261).
   */
  public static long toEpochMicros(Instant instant) {
    return Math.addExact(
        Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1000);
  }
}
