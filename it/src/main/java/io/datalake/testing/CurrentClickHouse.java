package io.datalake.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The current ClickHouse engine (26.x), in-process through the npm package chdb, which {@code
 * ./datalake test} installs and names in the system property {@code datalake.chdb.dir}. The server
 * installed here is 18.16; this is how a test checks that DDL, access statements and documented
 * queries also work on the servers production runs. It opens no port, so nothing but these
 * statements reaches it (not ClickHouseIO, not a JDBC driver).
 *
 * <p>Each call starts one {@code node} process that runs the statements in order: in a session
 * folder (tables persist across calls, see {@link #session(Path)}) or in a fresh stateless engine.
 */
public final class CurrentClickHouse {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long TIMEOUT_SECONDS = 300;

  private final Path sessionDir;

  private CurrentClickHouse(Path sessionDir) {
    this.sessionDir = sessionDir;
  }

  /** An engine without state: for parsing and formatting statements ({@code formatQuery}). */
  public static CurrentClickHouse stateless() {
    return new CurrentClickHouse(null);
  }

  /** An engine whose databases and tables live in {@code dir}, kept between calls. */
  public static CurrentClickHouse session(Path dir) {
    return new CurrentClickHouse(dir);
  }

  /** One statement's outcome: its output text (in the format asked), or the engine's error. */
  public record Result(String sql, boolean ok, String text, String error) {
    /** The output; a failed statement throws with the engine's message and the statement. */
    public String orThrow() {
      if (!ok) {
        throw new IllegalStateException(
            "the current ClickHouse engine refused: " + error + "\nstatement: " + sql);
      }
      return text;
    }
  }

  /** Runs one statement with output format TSV; a failure throws. */
  public String query(String sql) {
    return run(List.of(sql), "TSV").get(0).orThrow();
  }

  /** Runs one statement with the given output format; a failure throws. */
  public String query(String sql, String format) {
    return run(List.of(sql), format).get(0).orThrow();
  }

  /**
   * Runs the statements in order, all with output format {@code format}; a failed statement does
   * not stop the ones after it. Returns one result per statement.
   */
  public List<Result> run(List<String> statements, String format) {
    ObjectNode request = JSON.createObjectNode();
    if (sessionDir == null) {
      request.putNull("session");
    } else {
      request.put("session", sessionDir.toAbsolutePath().toString());
    }
    ArrayNode array = request.putArray("statements");
    for (String sql : statements) {
      array.addObject().put("sql", sql).put("format", format);
    }
    JsonNode answer = call(request);
    List<Result> results = new ArrayList<>();
    for (int i = 0; i < statements.size(); i++) {
      JsonNode r = answer.get(i);
      boolean ok = r.path("ok").asBoolean(false);
      results.add(
          new Result(
              statements.get(i),
              ok,
              ok ? r.path("text").asText("") : null,
              ok ? null : r.path("error").asText("unknown error")));
    }
    return results;
  }

  private static JsonNode call(ObjectNode request) {
    Path dir = installDir();
    try {
      Path script = Files.createTempFile("chdb-run", ".js");
      try (InputStream in = CurrentClickHouse.class.getResourceAsStream("chdb-run.js")) {
        Files.write(script, in.readAllBytes());
      }
      try {
        ProcessBuilder builder = new ProcessBuilder("node", script.toString());
        builder.environment().put("NODE_PATH", dir.resolve("node_modules").toString());
        builder.redirectError(ProcessBuilder.Redirect.INHERIT);
        Process node = builder.start();
        try (OutputStream stdin = node.getOutputStream()) {
          stdin.write(JSON.writeValueAsBytes(request));
        }
        byte[] out = node.getInputStream().readAllBytes();
        if (!node.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
          node.destroyForcibly();
          throw new IllegalStateException("chdb did not answer within " + TIMEOUT_SECONDS + " s");
        }
        if (node.exitValue() != 0) {
          throw new IllegalStateException(
              "chdb (node) exited with "
                  + node.exitValue()
                  + ": "
                  + new String(out, StandardCharsets.UTF_8));
        }
        return JSON.readTree(out);
      } finally {
        Files.deleteIfExists(script);
      }
    } catch (IOException e) {
      throw new IllegalStateException("could not run chdb with node: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while chdb ran", e);
    }
  }

  private static Path installDir() {
    String value = System.getProperty("datalake.chdb.dir");
    if (value == null || value.isBlank() || value.startsWith("${")) {
      throw new IllegalStateException(
          "System property datalake.chdb.dir is not set: run the tests with ./datalake test, which"
              + " installs chdb (the current ClickHouse engine) and passes its folder.");
    }
    Path dir = Path.of(value);
    if (!Files.isDirectory(dir.resolve("node_modules/chdb"))) {
      throw new IllegalStateException(
          "chdb is not installed in " + dir + ": ./datalake test installs it there.");
    }
    return dir;
  }
}
