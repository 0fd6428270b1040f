package org.apache.beam.sdk.io.clickhouse;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.junit.Assert.assertThrows;

import com.clickhouse.client.ClickHouseException;
import io.datalake.transforms.warehouse.ClickHouseRetries;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntToLongFunction;
import java.util.function.Supplier;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Duration;
import org.junit.Test;

/**
 * An insert that failed for a reason that passes by itself is tried again within the budget, of
 * wall time from the first attempt; one ClickHouse refuses for itself fails at once.
 */
public class InsertRetriesTest {
  private static final Duration BUDGET = Duration.standardSeconds(60);
  private static final Duration INITIAL = Duration.millis(250);

  /** A clock that only moves when told: by an attempt's duration, and by each wait. */
  private final AtomicLong nanos = new AtomicLong();

  private final List<Long> waits = new ArrayList<>();

  private ClickHouseRetries retries() {
    return new ClickHouseRetries(
        InsertRetries::passesByItself,
        BUDGET,
        INITIAL,
        Metrics.counter(InsertRetriesTest.class, "retries"),
        millis -> {
          waits.add(millis);
          nanos.addAndGet(millis * 1_000_000);
        },
        nanos::get);
  }

  private static ClickHouseException refused() {
    return ClickHouseException.of(new ConnectException("Connection refused"), null);
  }

  @Test
  public void aRefusedInsertIsTriedAgainWithGrowingWaitsUntilItSucceeds() throws Exception {
    retries()
        .run(
            "the insert into orders",
            attempt -> {
              assertThat(attempt, equalTo(attempts.incrementAndGet()));
              if (attempt < 4) {
                throw refused();
              }
              return null;
            });
    assertThat(attempts.get(), equalTo(4));
    assertThat(waits, equalTo(List.of(250L, 500L, 1000L)));
  }

  /** Attempts made by {@link #failingEveryAttempt}. */
  private final AtomicInteger attempts = new AtomicInteger();

  /**
   * Runs attempts that all fail with {@code failure}, each taking {@code tookMillis} of the clock
   * (given the attempt's number); returns what the retries finally threw.
   */
  private ClickHouseException failingEveryAttempt(
      IntToLongFunction tookMillis, Supplier<ClickHouseException> failure) {
    return assertThrows(
        ClickHouseException.class,
        () ->
            retries()
                .run(
                    "the insert into orders",
                    attempt -> {
                      attempts.incrementAndGet();
                      nanos.addAndGet(tookMillis.applyAsLong(attempt) * 1_000_000);
                      throw failure.get();
                    }));
  }

  @Test
  public void anInsertClickHouseRefusesForItselfFailsAtOnce() {
    ClickHouseException e =
        failingEveryAttempt(
            attempt -> 0,
            () -> ClickHouseException.of("Code: 27. DB::Exception: Cannot parse input", null));
    assertThat(e.getErrorCode(), equalTo(27));
    assertThat(attempts.get(), equalTo(1));
    assertThat(waits.isEmpty(), equalTo(true));
  }

  /**
   * The budget counts the attempts too: on a frozen server each takes the 30 s socket timeout, so a
   * 60 s budget is spent after two of them, not after 60 s of waits.
   */
  @Test
  public void theBudgetIsWallTimeFromTheFirstAttemptAttemptsIncluded() {
    ClickHouseException last =
        failingEveryAttempt(
            attempt -> 30_000,
            () -> ClickHouseException.of(new SocketTimeoutException("Read timed out"), null));
    assertThat(attempts.get(), equalTo(2));
    assertThat(waits, equalTo(List.of(250L)));
    assertThat(InsertRetries.isTransient(last), equalTo(true));
  }

  @Test
  public void theLastWaitEndsWithTheBudget() {
    failingEveryAttempt(attempt -> attempt == 1 ? 59_900 : 0, InsertRetriesTest::refused);
    assertThat(waits, equalTo(List.of(100L)));
    assertThat(attempts.get(), equalTo(2));
  }

  @Test
  public void whatPassesByItselfIsTransientWhatClickHouseRefusesIsNot() {
    assertThat(InsertRetries.isTransient(refused()), equalTo(true));
    assertThat(
        InsertRetries.isTransient(
            ClickHouseException.of(new SocketTimeoutException("Read timed out"), null)),
        equalTo(true));
    assertThat(
        InsertRetries.isTransient(
            new ClickHouseException(
                ClickHouseException.ERROR_UNKNOWN,
                new IOException("Connection reset", new IOException("Broken pipe")),
                null)),
        equalTo(true));
    assertThat(
        InsertRetries.isTransient(
            ClickHouseException.of("Code: 252. DB::Exception: Too many parts (300)", null)),
        equalTo(true));
    assertThat(
        InsertRetries.isTransient(
            ClickHouseException.of("Code: 241. DB::Exception: Memory limit exceeded", null)),
        equalTo(true));
    assertThat(
        InsertRetries.isTransient(
            ClickHouseException.of("Code: 16. DB::Exception: No such column x", null)),
        equalTo(false));
    assertThat(
        InsertRetries.isTransient(
            new ClickHouseException(
                ClickHouseException.ERROR_UNKNOWN, new IllegalStateException("bug"), null)),
        equalTo(false));
  }

  /**
   * The whole insert path, ClickHouseIO's DoFn included, against a server that drops every
   * connection without an answer: the insert is tried again within the budget (the server counts
   * the connections), then fails with the driver's exception, timed once, retries included.
   */
  @Test
  public void theTimedWriteRetriesAnInsertThatGotNoAnswerWithinItsBudget() throws Exception {
    TableSchema table =
        TableSchema.of(
            TableSchema.Column.of("id", TableSchema.ColumnType.STRING),
            TableSchema.Column.of("n", TableSchema.ColumnType.INT64));
    Schema schema = Schema.builder().addStringField("id").addInt64Field("n").build();
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      AtomicInteger connections = new AtomicInteger();
      Thread dropping =
          new Thread(
              () -> {
                while (!server.isClosed()) {
                  try (Socket socket = server.accept()) {
                    connections.incrementAndGet();
                  } catch (IOException closed) {
                    return;
                  }
                }
              });
      dropping.setDaemon(true);
      dropping.start();
      ClickHouseIO.Write<Row> write =
          ClickHouseIO.<Row>write(
                  "jdbc:clickhouse://127.0.0.1:"
                      + server.getLocalPort()
                      + "/default?server_version=24.8.1&server_time_zone=UTC",
                  "orders")
              .withTableSchema(table)
              .withInsertDeduplicate(false)
              .withMaxRetries(1000)
              .withInitialBackoff(Duration.millis(100))
              .withMaxCumulativeBackoff(Duration.standardSeconds(3))
              .withMaxInsertBlockSize(5000);
      List<Long> timed = new ArrayList<>();
      List<Boolean> acknowledgements = new ArrayList<>();
      TimedClickHouseWrite.TimedWriteFn fn =
          new TimedClickHouseWrite.TimedWriteFn(
              write,
              TimedClickHouseWrite.insertProperties(write),
              table,
              (rows, nanos, acknowledged) -> {
                timed.add(nanos);
                acknowledgements.add(acknowledged);
              });
      fn.setup();
      try {
        fn.startBundle();
        fn.processElement(Row.withSchema(schema).addValues("a", 1L).build());
        ClickHouseException e = assertThrows(ClickHouseException.class, fn::finishBundle);
        assertThat(e.toString(), InsertRetries.isTransient(e), equalTo(true));
        assertThat(connections.get(), greaterThanOrEqualTo(3));
        assertThat(timed.size(), equalTo(1));
        assertThat(timed.get(0) / 1_000_000, greaterThanOrEqualTo(3_000L));
        // A failed insert is timed but not counted as rows ClickHouse holds.
        assertThat(acknowledgements, equalTo(List.of(false)));
      } finally {
        fn.tearDown();
      }
    }
  }
}
