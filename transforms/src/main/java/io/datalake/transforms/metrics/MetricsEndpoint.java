package io.datalake.transforms.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP endpoint of one JVM's {@link PipelineSeries}, for Prometheus and a deployment's probes:
 *
 * <ul>
 *   <li>{@code /metrics}: the series, in Prometheus' text format;
 *   <li>{@code /healthz} (liveness): 200 whenever the JVM answers at all; a probe that fails here
 *       means the process is hung or gone, and restarting it is the cure;
 *   <li>{@code /readyz} (readiness): 200 when the job runs (as far as this JVM knows: the launcher
 *       that submitted it sees its state, a worker does not) and, for a streaming run, every Kafka
 *       partition read in this JVM has reported a known backlog within the last minute (its
 *       consumer reaches the broker); else 503 with the reason. Not ready is no reason to restart:
 *       it is a broker outage or a job that has not started or has ended.
 * </ul>
 *
 * The JDK's own HTTP server, on a daemon thread: the endpoint never keeps a finished run's JVM
 * alive.
 */
public final class MetricsEndpoint implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MetricsEndpoint.class);

  private final HttpServer server;
  private final ExecutorService executor;
  private volatile BooleanSupplier jobRunning = () -> true;
  private volatile boolean kafkaSources;

  private MetricsEndpoint(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /** Serves this JVM's series on {@code host:port} (port 0: any free port, see {@link #port}). */
  public static MetricsEndpoint start(String host, int port) {
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(host, port), 16);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot serve the metrics endpoint on "
              + host
              + ":"
              + port
              + " (is the port taken? choose another with --metricsPort)",
          e);
    }
    ExecutorService executor =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "datalake-metrics-endpoint");
              t.setDaemon(true);
              return t;
            });
    MetricsEndpoint endpoint = new MetricsEndpoint(server, executor);
    server.createContext("/metrics", endpoint::metrics);
    server.createContext("/healthz", exchange -> respond(exchange, 200, "ok\n"));
    server.createContext("/readyz", endpoint::ready);
    server.setExecutor(executor);
    // HttpServer.start makes its dispatcher thread a daemon only when started from a daemon thread.
    Thread starter = new Thread(server::start, "datalake-metrics-start");
    starter.setDaemon(true);
    starter.start();
    try {
      starter.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while starting the metrics endpoint", e);
    }
    LOG.info(
        "datalake: metrics on http://{}:{}/metrics (liveness /healthz, readiness /readyz)",
        host,
        endpoint.port());
    return endpoint;
  }

  /** The port it listens on. */
  public int port() {
    return server.getAddress().getPort();
  }

  /** How this JVM knows whether the job runs (default: it does while this JVM is up). */
  public MetricsEndpoint watchingJob(BooleanSupplier running) {
    this.jobRunning = running;
    return this;
  }

  /** Whether the run reads Kafka, so that readiness waits for its partitions. */
  public MetricsEndpoint withKafkaSources(boolean kafka) {
    this.kafkaSources = kafka;
    return this;
  }

  /** Why the run is not ready, or null when it is. */
  String notReady() {
    if (!jobRunning.getAsBoolean()) {
      return "the job is not running";
    }
    return kafkaSources ? PipelineSeries.sourcesNotConnected() : null;
  }

  private void metrics(HttpExchange exchange) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    new PrometheusTextFormatWriter(false).write(body, PipelineSeries.scrape());
    exchange.getResponseHeaders().set("Content-Type", PrometheusTextFormatWriter.CONTENT_TYPE);
    send(exchange, 200, body.toByteArray());
  }

  private void ready(HttpExchange exchange) throws IOException {
    String reason;
    try {
      reason = notReady();
    } catch (RuntimeException e) {
      // A job state that cannot be read (the job's client failed) is not a running job.
      reason = "the job's state cannot be read: " + e.getClass().getSimpleName();
    }
    respond(exchange, reason == null ? 200 : 503, reason == null ? "ready\n" : reason + "\n");
  }

  private static void respond(HttpExchange exchange, int status, String text) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    send(exchange, status, text.getBytes(StandardCharsets.UTF_8));
  }

  private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
    try (exchange) {
      exchange.sendResponseHeaders(status, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
