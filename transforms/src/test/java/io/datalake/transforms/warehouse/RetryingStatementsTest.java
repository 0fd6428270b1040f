package io.datalake.transforms.warehouse;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.Assert.assertThrows;

import com.sun.net.httpserver.HttpServer;
import io.datalake.transforms.warehouse.ClickHouseClient.ClickHouseException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.beam.sdk.metrics.Metrics;
import org.joda.time.Duration;
import org.junit.After;
import org.junit.Test;

/**
 * Worker statements (tenant views) against a small HTTP server that answers the way ClickHouse
 * does: an unreachable or overloaded server is retried with backoff within the budget (wall time
 * from the first attempt), a statement ClickHouse refuses is not retried.
 */
public class RetryingStatementsTest {
  private HttpServer server;

  /** A clock that only moves by the waits, which the sleeper records instead of sleeping. */
  private final AtomicLong nanos = new AtomicLong();

  private final List<Long> waits = new ArrayList<>();

  private RetryingStatements statements(String url, Duration budget) {
    return new RetryingStatements(
        new ClickHouseClient(url, ""),
        new ClickHouseRetries(
            RetryingStatements::passesByItself,
            budget,
            ClickHouseRetries.INITIAL_BACKOFF,
            Metrics.counter(RetryingStatementsTest.class, "retries"),
            millis -> {
              waits.add(millis);
              nanos.addAndGet(millis * 1_000_000);
            },
            nanos::get));
  }

  @After
  public void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  /**
   * A server whose first {@code failures} answers are {@code status} with {@code body}, then 200.
   */
  private String serve(int failures, int status, String body, AtomicInteger calls)
      throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          int call = calls.incrementAndGet();
          byte[] answer = (call <= failures ? body : "ok\n").getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(call <= failures ? status : 200, answer.length);
          exchange.getResponseBody().write(answer);
          exchange.close();
        });
    server.start();
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @Test
  public void anOverloadedServerIsRetriedUntilItAnswers() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    String url =
        serve(
            3,
            500,
            "Code: 202, e.displayText() = DB::Exception: Too many simultaneous queries",
            calls);
    String body =
        statements(url, Duration.standardMinutes(2)).execute("a view", "CREATE VIEW v AS SELECT 1");
    assertThat(body, equalTo("ok\n"));
    assertThat(calls.get(), equalTo(4));
    assertThat(waits, equalTo(List.of(1_000L, 2_000L, 4_000L)));
  }

  @Test
  public void aStatementClickHouseRefusesIsNotRetried() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    String url = serve(100, 500, "Code: 62, e.displayText() = DB::Exception: Syntax error", calls);
    ClickHouseException e =
        assertThrows(
            ClickHouseException.class,
            () -> statements(url, Duration.standardMinutes(2)).execute("a view", "CREATE VIEW"));
    assertThat(e.getMessage(), containsString("Syntax error"));
    assertThat(calls.get(), equalTo(1));
    assertThat(waits.isEmpty(), equalTo(true));
  }

  @Test
  public void anUnreachableServerIsRetriedWithinTheBudgetThenFailsClearly() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort(); // closed again: nothing listens there
    }
    ClickHouseException e =
        assertThrows(
            ClickHouseException.class,
            () ->
                statements("http://127.0.0.1:" + port, Duration.standardSeconds(60))
                    .execute("the tenant view of journey_events", "CREATE VIEW v AS SELECT 1"));
    assertThat(
        e.getMessage(),
        containsString(
            "gave up on the tenant view of journey_events after 7 attempts over 60 s"
                + " (--clickhouseRetrySeconds)"));
    assertThat(e.getMessage(), containsString("is unreachable"));
    assertThat(e.isTransient(), equalTo(true));
    // Waits from 1 s, doubling, capped at 30 s, the last one cut to what is left of the budget:
    // wall time from the first attempt (the clock here moves only by the waits).
    assertThat(waits, equalTo(List.of(1_000L, 2_000L, 4_000L, 8_000L, 16_000L, 29_000L)));
  }
}
