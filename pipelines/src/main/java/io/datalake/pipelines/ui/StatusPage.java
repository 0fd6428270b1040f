package io.datalake.pipelines.ui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The status page's web server: the JDK's own HTTP server on 127.0.0.1 (no other interface, no
 * library), serving the static page from this package's resources and one small JSON endpoint per
 * source ({@code /api/<name>}). It only answers GET: the page reads, it never writes.
 *
 * <p>A source that fails (ClickHouse down, no Flink cluster) does not fail the page: its endpoint
 * answers 200 with {@code {"available": false, "reason": "..."}}, and the page says what is
 * unreachable in that section. A 5xx would also make the browser log a console error for every
 * refresh.
 */
public final class StatusPage implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StatusPage.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String RESOURCES = "/io/datalake/pipelines/ui/";

  /** The static files, by path: what the page is made of. */
  private static final Map<String, String> FILES =
      Map.of(
          "/", "index.html",
          "/index.html", "index.html",
          "/status.css", "status.css",
          "/status.js", "status.js");

  private final HttpServer server;
  private final ExecutorService threads;

  private StatusPage(HttpServer server, ExecutorService threads) {
    this.server = server;
    this.threads = threads;
  }

  /**
   * Starts the page on 127.0.0.1:{@code port} (0: a free port) with the JSON sources {@code apis}
   * ({@code /api/<name>}). Throws {@link java.net.BindException} when the port is taken.
   */
  public static StatusPage start(int port, Map<String, Supplier<JsonNode>> apis)
      throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
    Map<String, Supplier<JsonNode>> sources = new LinkedHashMap<>(apis);
    server.createContext(
        "/",
        exchange -> {
          try (exchange) {
            handle(exchange, sources);
          } catch (IOException | RuntimeException e) {
            // The browser went away mid-answer, or a bug: the next refresh asks again.
            LOG.warn(
                "datalake ui: {} {} failed: {}",
                exchange.getRequestMethod(),
                exchange.getRequestURI().getPath(),
                e.toString());
          }
        });
    // A few threads: the sources answer in parallel (a slow Flink does not hold up ClickHouse).
    ExecutorService threads = Executors.newFixedThreadPool(4, daemonThreads());
    server.setExecutor(threads);
    server.start();
    return new StatusPage(server, threads);
  }

  private static java.util.concurrent.ThreadFactory daemonThreads() {
    return runnable -> {
      Thread thread = new Thread(runnable, "datalake-ui");
      thread.setDaemon(true);
      return thread;
    };
  }

  /** The port it listens on (the one chosen when started with 0). */
  public int port() {
    return server.getAddress().getPort();
  }

  /** The page's address. */
  public String url() {
    return "http://127.0.0.1:" + port() + "/";
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }

  private static void handle(HttpExchange exchange, Map<String, Supplier<JsonNode>> sources)
      throws IOException {
    String path = exchange.getRequestURI().getPath();
    if (!"GET".equals(exchange.getRequestMethod())) {
      exchange.getResponseHeaders().set("Allow", "GET");
      send(exchange, 405, "text/plain", "The status page only reads: GET only.\n");
      return;
    }
    if (path.startsWith("/api/")) {
      Supplier<JsonNode> source = sources.get(path.substring("/api/".length()));
      if (source == null) {
        send(exchange, 404, "text/plain", "No such endpoint: " + path + "\n");
        return;
      }
      send(exchange, 200, "application/json", JSON.writeValueAsString(answer(source)));
      return;
    }
    String file = FILES.get(path);
    if (file == null) {
      send(exchange, 404, "text/plain", "Not found: " + path + "\n");
      return;
    }
    try (InputStream in = StatusPage.class.getResourceAsStream(RESOURCES + file)) {
      if (in == null) {
        throw new IllegalStateException("the jar has no " + RESOURCES + file);
      }
      send(exchange, 200, contentType(file), new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  /** The source's JSON, or why it has none: {@code {"available": false, "reason": ...}}. */
  static JsonNode answer(Supplier<JsonNode> source) {
    try {
      return source.get();
    } catch (RuntimeException e) {
      ObjectNode unavailable = JSON.createObjectNode();
      unavailable.put("available", false);
      unavailable.put("reason", e.getMessage() == null ? e.toString() : e.getMessage());
      return unavailable;
    }
  }

  private static String contentType(String file) {
    if (file.endsWith(".css")) {
      return "text/css";
    }
    return file.endsWith(".js") ? "text/javascript" : "text/html";
  }

  private static void send(HttpExchange exchange, int status, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
