package io.datalake.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.util.Map;
import java.util.TreeMap;
import org.junit.Test;

/**
 * The rule by which a batch's ClickHouse rows match its lake rows: the rows ClickHouse
 * acknowledged, and the distinct rows of the load it holds when the run ends.
 */
public class BatchSummaryTest {
  @Test
  public void exactlyTheExpectedRowsMatch() {
    assertThat(BatchSummary.clickhouseMatches(100, 100, 100), equalTo(true));
  }

  @Test
  public void copiesFromARetriedInsertAreNoMismatch() {
    // A batch task that failed after its insert and ran again on a restarted cluster: 40 rows
    // twice.
    assertThat(BatchSummary.clickhouseMatches(140, 100, 100), equalTo(true));
  }

  @Test
  public void versionsOfOneKeyMergedByClickHouseAreNoMismatch() {
    // current_entities after a batch that updated 36 entities 63,879 times: each acknowledged,
    // and a ReplacingMergeTree merge kept fewer (its distinct rows are at most the expected ones).
    assertThat(BatchSummary.clickhouseMatches(63_879, 8_915, 63_879), equalTo(true));
    assertThat(BatchSummary.clickhouseMatches(63_879, 36, 63_879), equalTo(true));
  }

  @Test
  public void missingRowsAreAMismatch() {
    assertThat(BatchSummary.clickhouseMatches(99, 99, 100), equalTo(false));
  }

  @Test
  public void rowsNotAcknowledgedAreAMismatchEvenWhenCopiesMakeUpTheCount() {
    // 99 acknowledged of 100, whatever ClickHouse holds: one row never arrived.
    assertThat(BatchSummary.clickhouseMatches(99, 100, 100), equalTo(false));
  }

  @Test
  public void rowsThatAreNotCopiesAreAMismatch() {
    // Rows of another run under this load id, or rows the lake does not have.
    assertThat(BatchSummary.clickhouseMatches(101, 101, 100), equalTo(false));
  }

  @Test
  public void identicalInputRecordsCountOnBothSides() {
    // Two identical input lines: two lake rows, two identical ClickHouse rows.
    assertThat(BatchSummary.clickhouseMatches(2, 1, 2), equalTo(true));
  }

  /**
   * The dead-letter total is what the lines below it list: a row a sink refused (of a record
   * counted as written) is one of them, said apart from the records refused.
   */
  @Test
  public void theDeadLetterTotalIsWhatTheLinesBelowItAddUpTo() {
    Map<String, Map<String, Long>> letters =
        Map.of(
            "checkout-orders",
            new TreeMap<>(
                Map.of(
                    "parse: missing hostname", 2L,
                    "clickhouse: checkout_orders: lastChange is outside the range", 1L)));
    String text = summaryOfTwoRefusedRecords(letters, Map.of("checkout_orders", 1L));
    assertThat(
        text, containsString("dead letters: 3 (2 records, 1 row a sink refused) under /lake/"));
    assertThat(text, containsString("  checkout-orders: 3\n"));
    String plain =
        summaryOfTwoRefusedRecords(
            Map.of("checkout-orders", Map.of("parse: missing hostname", 2L)), Map.of());
    assertThat(plain, containsString("dead letters: 2 under /lake/"));
  }

  /**
   * The summary of five orders, three written and two refused, with {@code letters} listed under
   * the lake's dead letters and {@code clickhouseRejected} rows refused by ClickHouse.
   */
  private static String summaryOfTwoRefusedRecords(
      Map<String, Map<String, Long>> letters, Map<String, Long> clickhouseRejected) {
    return new BatchSummary(
            "/lake/",
            Map.of("checkout-orders", 5L),
            Map.of("checkout_orders", 3L),
            Map.of("checkout_orders", 1L),
            letters,
            clickhouseRejected,
            Map.of("checkout-orders", 2L))
        .render();
  }

  @Test
  public void aDeadLetterOfTheLakeStandsForItsRecordOnlyForAPrimaryTable() {
    // A primary row the lake writer rejected: its record has no row, the dead letter counts.
    assertThat(BatchSummary.standsForInputRecord("lake", "checkout_orders"), equalTo(true));
    // A secondary row (an order's item): its record is counted by its primary row already.
    assertThat(BatchSummary.standsForInputRecord("lake", "checkout_order_items"), equalTo(false));
    assertThat(BatchSummary.standsForInputRecord("clickhouse", "orders"), equalTo(false));
    assertThat(BatchSummary.standsForInputRecord("parse", null), equalTo(true));
  }
}
