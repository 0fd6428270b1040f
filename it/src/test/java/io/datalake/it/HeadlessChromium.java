package io.datalake.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real headless Chromium (Debian's {@code chromium}, which {@code ./datalake test} installs)
 * driven over the DevTools protocol with the JDK's own WebSocket client: navigate, evaluate,
 * screenshot, and every console message, log entry and uncaught exception the page produced.
 */
final class HeadlessChromium implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://\\S+)");
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

  private final Process process;
  private final WebSocket socket;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<JsonNode>> calls = new ConcurrentHashMap<>();
  private final List<JsonNode> events = new CopyOnWriteArrayList<>();

  private HeadlessChromium(Process process, WebSocket socket) {
    this.process = process;
    this.socket = socket;
  }

  /** The browser: the property datalake.chromium, else {@code chromium} on the PATH. */
  static String binary() {
    String configured = System.getProperty("datalake.chromium", "");
    if (!configured.isBlank() && !configured.startsWith("${")) {
      return configured;
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      Path candidate = Path.of(dir, "chromium");
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    throw new AssertionError(
        "No chromium on the PATH: ./datalake test installs Debian's chromium package"
            + " (apt-get install chromium)");
  }

  /** Starts the browser with an empty profile in {@code profile}, one blank page, 1400x1000. */
  static HeadlessChromium start(Path profile) throws Exception {
    Process process =
        new ProcessBuilder(
                binary(),
                "--headless",
                // As root in a container there is no user namespace for the sandbox.
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--hide-scrollbars",
                "--user-data-dir=" + profile,
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                "--remote-allow-origins=*",
                "--window-size=1400,1000",
                "about:blank")
            .redirectErrorStream(true)
            .start();
    String browserSocket = null;
    List<String> output = new ArrayList<>();
    BufferedReader lines =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    String line;
    while (browserSocket == null
        && System.nanoTime() < deadline
        && (line = lines.readLine()) != null) {
      output.add(line);
      Matcher m = LISTENING.matcher(line);
      if (m.find()) {
        browserSocket = m.group(1);
      }
    }
    if (browserSocket == null) {
      process.destroyForcibly();
      throw new AssertionError(
          "chromium did not open its DevTools port:\n" + String.join("\n", output));
    }
    // Keep reading its output, or a full pipe would block the browser.
    Thread drain =
        new Thread(
            () -> {
              try {
                while (lines.readLine() != null) {
                  // Chromium's own warnings (no D-Bus in a container); the page's are events.
                }
              } catch (IOException e) {
                // The browser ended.
              }
            },
            "chromium-output");
    drain.setDaemon(true);
    drain.start();
    URI browser = URI.create(browserSocket);
    HttpClient http = HttpClient.newHttpClient();
    String pageSocket = null;
    for (int attempt = 0; attempt < 50 && pageSocket == null; attempt++) {
      JsonNode targets =
          JSON.readTree(
              http.send(
                      HttpRequest.newBuilder(
                              URI.create(
                                  "http://"
                                      + browser.getHost()
                                      + ":"
                                      + browser.getPort()
                                      + "/json/list"))
                          .build(),
                      HttpResponse.BodyHandlers.ofString())
                  .body());
      for (JsonNode target : targets) {
        if ("page".equals(target.path("type").asText())) {
          pageSocket = target.path("webSocketDebuggerUrl").asText();
          break;
        }
      }
      if (pageSocket == null) {
        Thread.sleep(100);
      }
    }
    if (pageSocket == null) {
      process.destroyForcibly();
      throw new AssertionError("chromium has no page target");
    }
    Listener listener = new Listener();
    WebSocket socket =
        http.newWebSocketBuilder()
            .buildAsync(URI.create(pageSocket), listener)
            .get(30, TimeUnit.SECONDS);
    HeadlessChromium chromium = new HeadlessChromium(process, socket);
    listener.chromium = chromium;
    chromium.call("Runtime.enable");
    chromium.call("Log.enable");
    chromium.call("Page.enable");
    return chromium;
  }

  /** A DevTools call; its {@code result}, or an assertion error with the protocol's error. */
  JsonNode call(String method) throws Exception {
    return call(method, JSON.createObjectNode());
  }

  JsonNode call(String method, ObjectNode params) throws Exception {
    int id = ids.incrementAndGet();
    CompletableFuture<JsonNode> answer = new CompletableFuture<>();
    calls.put(id, answer);
    ObjectNode message = JSON.createObjectNode().put("id", id).put("method", method);
    message.set("params", params);
    socket.sendText(JSON.writeValueAsString(message), true).get(30, TimeUnit.SECONDS);
    JsonNode reply = answer.get(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    if (reply.has("error")) {
      throw new AssertionError("DevTools " + method + " failed: " + reply.get("error"));
    }
    return reply.path("result");
  }

  static ObjectNode params() {
    return JSON.createObjectNode();
  }

  void navigate(String url) throws Exception {
    call("Page.navigate", params().put("url", url));
  }

  /** The value of a JavaScript expression in the page (strings, numbers, booleans). */
  JsonNode evaluate(String expression) throws Exception {
    JsonNode result =
        call("Runtime.evaluate", params().put("expression", expression).put("returnByValue", true));
    if (result.has("exceptionDetails")) {
      throw new AssertionError(
          "The page could not evaluate " + expression + ": " + result.get("exceptionDetails"));
    }
    return result.path("result").path("value");
  }

  /** A PNG of the whole page (not only the window), written to {@code file}. */
  void screenshot(Path file) throws Exception {
    int width = evaluate("document.documentElement.scrollWidth").asInt(1400);
    int height = evaluate("document.documentElement.scrollHeight").asInt(1000);
    call(
        "Emulation.setDeviceMetricsOverride",
        params()
            .put("width", Math.max(width, 1400))
            .put("height", height)
            .put("deviceScaleFactor", 1)
            .put("mobile", false));
    JsonNode shot =
        call(
            "Page.captureScreenshot",
            params().put("format", "png").put("captureBeyondViewport", true));
    Files.createDirectories(file.getParent());
    Files.write(file, Base64.getDecoder().decode(shot.path("data").asText()));
  }

  /**
   * What the page reported as an error: console.error/assert calls, log entries of level error
   * (failed loads among them) and uncaught exceptions, each as its DevTools event.
   */
  List<JsonNode> errors() {
    List<JsonNode> errors = new ArrayList<>();
    for (JsonNode event : events) {
      String method = event.path("method").asText();
      JsonNode params = event.path("params");
      boolean error =
          switch (method) {
            case "Runtime.consoleAPICalled" ->
                List.of("error", "assert").contains(params.path("type").asText());
            case "Log.entryAdded" -> "error".equals(params.path("entry").path("level").asText());
            case "Runtime.exceptionThrown" -> true;
            default -> false;
          };
      if (error) {
        errors.add(event);
      }
    }
    return errors;
  }

  @Override
  public void close() throws Exception {
    try {
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      // The browser is stopped below either way.
    }
    // Its renderer and GPU helpers are children: stop them too, by their pids.
    process.descendants().forEach(ProcessHandle::destroy);
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private void received(String text) {
    JsonNode message;
    try {
      message = JSON.readTree(text);
    } catch (IOException e) {
      throw new IllegalStateException("DevTools sent something that is not JSON: " + text, e);
    }
    if (message.has("id")) {
      CompletableFuture<JsonNode> call = calls.remove(message.get("id").asInt());
      if (call != null) {
        call.complete(message);
      }
    } else {
      events.add(message);
    }
  }

  /** Collects a message's frames, then hands it over. */
  private static final class Listener implements WebSocket.Listener {
    private final StringBuilder frames = new StringBuilder();
    volatile HeadlessChromium chromium;

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      frames.append(data);
      if (last) {
        String text = frames.toString();
        frames.setLength(0);
        chromium.received(text);
      }
      webSocket.request(1);
      return null;
    }
  }
}
