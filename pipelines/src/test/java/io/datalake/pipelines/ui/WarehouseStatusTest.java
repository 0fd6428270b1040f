package io.datalake.pipelines.ui;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import org.junit.Test;

/** The status page's judgements that need no server. */
public class WarehouseStatusTest {
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
    assertThat(
        WarehouseStatus.missingColumn(
            "Code: 47. DB::Exception: Unknown expression or function identifier 'alive_at' in"
                + " scope SELECT"),
        equalTo(" (alive_at)"));
    assertThat(
        WarehouseStatus.missingColumn("Code: 47. DB::Exception: Unknown identifier: alive_at."),
        equalTo(" (alive_at)"));
    assertThat(WarehouseStatus.missingColumn("Code: 47. something else"), equalTo(""));
  }
}
