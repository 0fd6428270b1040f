package io.datalake.transforms.snapshot;

import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;

/** Months as one int (months since 1970-01, UTC), and their first instants in micros. */
public final class Months {
  private Months() {}

  /** The month index of {@code month}. */
  public static int index(YearMonth month) {
    return (month.getYear() - 1970) * 12 + month.getMonthValue() - 1;
  }

  /** The month of index {@code index}. */
  public static YearMonth of(int index) {
    return YearMonth.of(1970 + Math.floorDiv(index, 12), Math.floorMod(index, 12) + 1);
  }

  /** The index of the month (UTC) that holds the instant {@code micros}. */
  public static int ofMicros(long micros) {
    return index(
        YearMonth.from(
            Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L)).atOffset(ZoneOffset.UTC)));
  }

  /** The first instant (UTC) of month {@code index}, in epoch micros. */
  public static long startMicros(int index) {
    return of(index).atDay(1).atStartOfDay().toEpochSecond(ZoneOffset.UTC) * 1_000_000L;
  }
}
