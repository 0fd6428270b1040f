package io.datalake.transforms.warehouse;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.Assert.assertThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;
import org.junit.Test;

/** The check of warehouse rows agrees with Beam's {@code Row.Builder.build()} on what fits. */
public class WarehouseRowsTest {
  private static final Schema SCHEMA =
      Schema.builder()
          .addStringField("key")
          .addNullableField("text", Schema.FieldType.STRING)
          .addInt16Field("flag")
          .addInt64Field("version")
          .addNullableField("amount", Schema.FieldType.DOUBLE)
          .addDateTimeField("at")
          .addArrayField("tags", Schema.FieldType.STRING)
          .build();

  private static List<Object> values(Object... values) {
    return new ArrayList<>(Arrays.asList(values));
  }

  @Test
  public void aRowOfFittingValuesEqualsTheOneBeamBuilds() {
    List<Object> values =
        values("k", null, (short) 1, 7L, 2.5, new Instant(1000L), List.of("a", "b"));
    Row fast = new WarehouseRows(SCHEMA).row(new ArrayList<>(values));
    Row built = Row.withSchema(SCHEMA).addValues(values).build();
    assertThat(fast, equalTo(built));
  }

  @Test
  public void aValueThatDoesNotFitIsRefusedLikeBeamRefusesIt() {
    WarehouseRows rows = new WarehouseRows(SCHEMA);
    for (List<Object> bad :
        List.of(
            values(null, null, (short) 1, 7L, 2.5, new Instant(1000L), List.of()),
            values("k", 3, (short) 1, 7L, 2.5, new Instant(1000L), List.of()),
            values("k", null, 1, 7L, 2.5, new Instant(1000L), List.of()),
            values("k", null, (short) 1, "7", 2.5, new Instant(1000L), List.of()),
            values("k", null, (short) 1, 7L, 2.5, 1000L, List.of()),
            values("k", null, (short) 1, 7L, 2.5, new Instant(1000L), List.of(1)),
            values("k", null, (short) 1, 7L, 2.5, new Instant(1000L)))) {
      // Beam refuses with an IllegalArgumentException or a ClassCastException: both
      // RuntimeExceptions,
      // which ToWarehouseRowsFn turns into dead letters.
      assertThrows(RuntimeException.class, () -> Row.withSchema(SCHEMA).addValues(bad).build());
      assertThrows(IllegalArgumentException.class, () -> rows.row(new ArrayList<>(bad)));
    }
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> rows.row(values("k", null, (short) 1, "7", 2.5, new Instant(1000L), List.of())));
    assertThat(e.getMessage(), containsString("version"));
  }

  @Test
  public void everyWarehouseTableHasAChecker() {
    for (WarehouseTable table : WarehouseTables.all()) {
      assertThat(new WarehouseRows(table.rowSchema()).schema(), equalTo(table.rowSchema()));
    }
    assertThat(
        new WarehouseRows(DeadLetterTable.rowSchema()).schema(),
        equalTo(DeadLetterTable.rowSchema()));
  }
}
