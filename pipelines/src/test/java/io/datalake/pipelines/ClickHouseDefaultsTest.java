package io.datalake.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.datalake.options.ClickHouseOptions;
import io.datalake.transforms.warehouse.ClickHouseWarehouseIO;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Test;

/**
 * The {@code --clickhouse*} defaults restate the warehouse IO's: the options module cannot see
 * {@link ClickHouseWarehouseIO} (it is below transforms), so this test keeps the two from drifting.
 */
public class ClickHouseDefaultsTest {
  @Test
  public void optionDefaultsAreTheWarehouseIoDefaults() {
    ClickHouseOptions options = PipelineOptionsFactory.create().as(ClickHouseOptions.class);
    assertThat(options.getClickhouseDatabase(), equalTo(ClickHouseWarehouseIO.DEFAULT_DATABASE));
    assertThat(
        options.getClickhouseBatchRows().intValue(),
        equalTo(ClickHouseWarehouseIO.DEFAULT_BATCH_ROWS));
    assertThat(
        options.getClickhouseBatchMegabytes() * 1024L * 1024L,
        equalTo(ClickHouseWarehouseIO.DEFAULT_BATCH_BYTES));
    assertThat(
        options.getClickhouseFlushSeconds().intValue(),
        equalTo(ClickHouseWarehouseIO.DEFAULT_FLUSH_SECONDS));
    assertThat(
        options.getClickhouseRetrySeconds().intValue(),
        equalTo(ClickHouseWarehouseIO.DEFAULT_RETRY_SECONDS));
  }
}
