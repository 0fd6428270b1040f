package io.datalake.it;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.datalake.testing.LocalServices;

/** What the ITs assert about a ClickHouse table once a job has written it. */
final class ClickHouseAssert {
  private ClickHouseAssert() {}

  /** {@code expected} rows after FINAL and as many distinct ids: every id exactly once. */
  static void everyIdOnce(String database, String table, String idColumn, long expected) {
    long[] rowsAndIds = LocalServices.finalRowsAndIds(database, table, idColumn);
    assertThat(table + ": rows in ClickHouse after FINAL", rowsAndIds[0], equalTo(expected));
    assertThat(table + ": no id twice in ClickHouse after FINAL", rowsAndIds[1], equalTo(expected));
  }
}
