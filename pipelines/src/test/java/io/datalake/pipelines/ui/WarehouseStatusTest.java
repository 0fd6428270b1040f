package io.datalake.pipelines.ui;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.datalake.transforms.warehouse.RunsTable;
import org.junit.Test;

/** The status page's judgements that need no server. */
public class WarehouseStatusTest {
  private static final long NOW = 1_800_000_000L;

  /** Lost: running by its record, and its JVM silent for longer than five of its minutes. */
  @Test
  public void aRunningRecordIsLostOnceItsJvmIsSilentTooLong() {
    long limit = RunsTable.LOST_AFTER_SECONDS;
    assertThat(WarehouseStatus.lost("running", NOW - limit - 1, NOW), equalTo(true));
    assertThat(WarehouseStatus.lost("running", NOW - limit, NOW), equalTo(false));
    assertThat(WarehouseStatus.lost("running", NOW - 30, NOW), equalTo(false));
    // Ended runs are what they say, however old.
    assertThat(WarehouseStatus.lost("succeeded", NOW - 86_400, NOW), equalTo(false));
    assertThat(WarehouseStatus.lost("failed", NOW - 86_400, NOW), equalTo(false));
    // No alive_at: a stream handed to a cluster, or a record from before the column.
    assertThat(WarehouseStatus.lost("running", 0, NOW), equalTo(false));
  }

  @Test
  public void aMissingColumnIsNamedInEitherServersWords() {
    assertThat(
        WarehouseStatus.missingColumn(
            "Code: 47, e.displayText() = DB::Exception: Missing columns: 'alive_at' while"
                + " processing query: 'SELECT ...', required columns: 'alive_at' 'state'"),
        equalTo(" (alive_at)"));
    assertThat(
        WarehouseStatus.missingColumn(
            "Code: 47. DB::Exception: Unknown expression identifier `alive_at` in scope SELECT"),
        equalTo(" (alive_at)"));
    assertThat(WarehouseStatus.missingColumn("Code: 47. something else"), equalTo(""));
  }
}
