package io.datalake.transforms.schema;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import org.junit.Test;

public class ColumnNamesTest {
  @Test
  public void sanitizedTheSameWayEverywhere() {
    assertThat(ColumnNames.sanitize("detail-type"), equalTo("detail_type"));
    assertThat(ColumnNames.sanitize("Free Shipping"), equalTo("Free_Shipping"));
    assertThat(ColumnNames.sanitize("$relation"), equalTo("_relation"));
    assertThat(ColumnNames.sanitize("1st"), equalTo("_1st"));
  }
}
