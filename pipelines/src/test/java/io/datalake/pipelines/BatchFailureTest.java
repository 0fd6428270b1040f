package io.datalake.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.sameInstance;

import io.datalake.transforms.pii.PiiKeyset;
import io.datalake.transforms.warehouse.ClickHouseWarehouseIO;
import java.net.ConnectException;
import org.junit.Test;

/** The message a batch run fails with when a service it writes to fails. */
public class BatchFailureTest {
  private static final ClickHouseWarehouseIO.Write WAREHOUSE =
      ClickHouseWarehouseIO.write()
          .withUrl("http://127.0.0.1:8123")
          .withServerVersion("18.16.1")
          .withLoadId("load")
          .withBatchBytes(1L << 20)
          .withKeyset(PiiKeyset.development());

  /**
   * What a runner throws for a ClickHouseIO insert that found no server: the driver's exception
   * inside.
   */
  private static RuntimeException refusedInsert() {
    Exception driver =
        new Exception(
            "com.clickhouse.client.ClickHouseException: Connection refused",
            new ConnectException("Connection refused"));
    return new RuntimeException(
        "Pipeline execution failed",
        new RuntimeException("org.apache.beam.sdk.util.UserCodeException", driver));
  }

  @Test
  public void anUnreachableClickHouseIsNamedWithTheRerunAdvice() {
    RuntimeException failure = refusedInsert();
    RuntimeException e = BatchFailure.explain(failure, WAREHOUSE);
    assertThat(
        e.getMessage(), containsString("ClickHouse at http://127.0.0.1:8123 did not answer"));
    assertThat(e.getMessage(), containsString("run the same command again"));
    assertThat(e.getCause(), sameInstance(failure));
  }

  @Test
  public void anS3FailureIsNamed() {
    RuntimeException failure =
        new RuntimeException(
            "Pipeline execution failed",
            new java.io.IOException("Unable to write s3://datalake/lake/x.parquet"));
    assertThat(
        BatchFailure.explain(failure, null).getMessage(),
        containsString("The batch run failed reading or writing S3"));
  }

  @Test
  public void anyOtherFailureIsLeftAsItIs() {
    RuntimeException failure = new IllegalStateException("something else");
    assertThat(BatchFailure.explain(failure, WAREHOUSE), sameInstance(failure));
  }

  @Test
  public void theMessageKeepsOnlyTheFirstLineOfTheCause() {
    RuntimeException failure =
        new RuntimeException(
            "x",
            new RuntimeException(
                "ClickHouse said: Cannot parse input\nINSERT INTO t VALUES ('secret row')"));
    assertThat(
        BatchFailure.explain(failure, WAREHOUSE).getMessage(), not(containsString("secret row")));
  }
}
