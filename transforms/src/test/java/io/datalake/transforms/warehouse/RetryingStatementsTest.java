package io.datalake.transforms.warehouse;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.Assert.assertThrows;

import com.sun.net.httpserver.HttpServer;
import io.datalake.transforms.warehouse.ClickHouseClient.ClickHouseException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.joda.time.Duration;
import org.junit.After;
import org.junit.Test;

/**
 * Worker statements (tenant views) against a small HTTP server that answers the way ClickHouse
 * does: an unreachable or overloaded server is retried with backoff within the budget, a statement
 * ClickHouse refuses is not retried.
 */
public class RetryingStatementsTest {
  private HttpServer server;

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
    AtomicInteger sleeps = new AtomicInteger();
    String body =
        new RetryingStatements(
                new ClickHouseClient(url, ""),
                Duration.standardMinutes(2),
                millis -> sleeps.incrementAndGet())
            .execute("a view", "CREATE VIEW v AS SELECT 1");
    assertThat(body, equalTo("ok\n"));
    assertThat(calls.get(), equalTo(4));
    assertThat(sleeps.get(), equalTo(3));
  }

  @Test
  public void aStatementClickHouseRefusesIsNotRetried() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    String url = serve(100, 500, "Code: 62, e.displayText() = DB::Exception: Syntax error", calls);
    ClickHouseException e =
        assertThrows(
            ClickHouseException.class,
            () ->
                new RetryingStatements(
                        new ClickHouseClient(url, ""), Duration.standardMinutes(2), millis -> {})
                    .execute("a view", "CREATE VIEW"));
    assertThat(e.getMessage(), containsString("Syntax error"));
    assertThat(calls.get(), equalTo(1));
  }

  @Test
  public void anUnreachableServerIsRetriedWithinTheBudgetThenFailsClearly() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort(); // closed again: nothing listens there
    }
    long[] slept = {0};
    ClickHouseException e =
        assertThrows(
            ClickHouseException.class,
            () ->
                new RetryingStatements(
                        new ClickHouseClient("http://127.0.0.1:" + port, ""),
                        Duration.standardSeconds(60),
                        millis -> slept[0] += millis)
                    .execute("the tenant view of journey_events", "CREATE VIEW v AS SELECT 1"));
    assertThat(
        e.getMessage(), containsString("gave up on the tenant view of journey_events after"));
    assertThat(e.getMessage(), containsString("is unreachable"));
    assertThat(e.isTransient(), equalTo(true));
    // The backoff slept about the whole budget: from 1 s, growing, capped at 30 s per wait.
    assertThat(slept[0], greaterThan(40_000L));
    assertThat(slept[0] <= 60_000L, equalTo(true));
  }
}
