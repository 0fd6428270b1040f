package io.datalake.pipelines.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * A small client of the Flink REST API (the JobManager's REST port, 8081 by default): what the
 * launcher's {@code jobs}, {@code stop} and {@code flink status} commands need, nothing more. Every
 * call fails with {@link Unreachable} when nothing answers, and with {@link RestError} (carrying
 * Flink's own error message) on an HTTP error.
 */
final class FlinkRest {
  static final String DEFAULT_URL = "http://127.0.0.1:8081";
  static final String ENV = "DATALAKE_FLINK_REST";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final String url;
  private final HttpClient http;

  FlinkRest(String url) {
    String trimmed = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    if (!trimmed.startsWith("http://") && !trimmed.startsWith("https://")) {
      throw new IllegalArgumentException(
          "The Flink REST URL must start with http:// or https://, not: " + url);
    }
    this.url = trimmed;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
  }

  /**
   * {@code --flinkRest=URL} when given, else {@code $DATALAKE_FLINK_REST}, else the local cluster.
   */
  static FlinkRest of(String flag) {
    if (flag != null && !flag.isBlank()) {
      return new FlinkRest(flag);
    }
    String env = System.getenv(ENV);
    return new FlinkRest(env == null || env.isBlank() ? DEFAULT_URL : env);
  }

  String url() {
    return url;
  }

  // ------------------------------------------------------------------ typed calls

  record Overview(
      String version,
      int taskManagers,
      int slotsTotal,
      int slotsFree,
      int running,
      int finished,
      int cancelled,
      int failed) {}

  /**
   * {@code lastHeartbeat}: epoch millis (Flink names it timeSinceLastHeartbeat, but it is a
   * timestamp).
   */
  record TaskManager(String id, int slots, int freeSlots, long lastHeartbeat, int dataPort) {}

  record Job(
      String id, String name, String state, long startTime, long endTime, long durationMillis) {
    boolean running() {
      return !TERMINAL_STATES.contains(state);
    }
  }

  /**
   * Subtask {@code index} of a vertex, attempt {@code attempt}, on TaskManager {@code taskManager}.
   */
  record Subtask(int index, int attempt, String status, String taskManager) {}

  record Vertex(String id, String name, int parallelism, String status, List<Subtask> subtasks) {}

  static final List<String> TERMINAL_STATES =
      List.of("FINISHED", "CANCELED", "FAILED", "SUSPENDED");

  Overview overview() {
    JsonNode o = get("/overview");
    return new Overview(
        o.path("flink-version").asText("?"),
        o.path("taskmanagers").asInt(),
        o.path("slots-total").asInt(),
        o.path("slots-available").asInt(),
        o.path("jobs-running").asInt(),
        o.path("jobs-finished").asInt(),
        o.path("jobs-cancelled").asInt(),
        o.path("jobs-failed").asInt());
  }

  List<TaskManager> taskManagers() {
    List<TaskManager> out = new ArrayList<>();
    for (JsonNode tm : get("/taskmanagers").path("taskmanagers")) {
      out.add(
          new TaskManager(
              tm.path("id").asText(),
              tm.path("slotsNumber").asInt(),
              tm.path("freeSlots").asInt(),
              tm.path("timeSinceLastHeartbeat").asLong(),
              tm.path("dataPort").asInt()));
    }
    out.sort(Comparator.comparing(TaskManager::id));
    return out;
  }

  /** All jobs the JobManager knows (running and recently ended), newest first. */
  List<Job> jobs() {
    List<Job> out = new ArrayList<>();
    for (JsonNode j : get("/jobs/overview").path("jobs")) {
      out.add(
          new Job(
              j.path("jid").asText(),
              j.path("name").asText(),
              j.path("state").asText(),
              j.path("start-time").asLong(),
              j.path("end-time").asLong(),
              j.path("duration").asLong()));
    }
    out.sort(Comparator.comparingLong(Job::startTime).reversed());
    return out;
  }

  /** The job whose id is {@code idOrPrefix} or starts with it (when only one does). */
  Job job(String idOrPrefix) {
    List<Job> jobs = jobs();
    List<Job> matches = jobs.stream().filter(j -> j.id().equals(idOrPrefix)).toList();
    if (matches.isEmpty()) {
      matches = jobs.stream().filter(j -> j.id().startsWith(idOrPrefix)).toList();
    }
    if (matches.size() == 1) {
      return matches.get(0);
    }
    if (matches.isEmpty()) {
      throw new IllegalArgumentException(
          "No job " + idOrPrefix + " at " + url + " (./datalake jobs lists them)");
    }
    throw new IllegalArgumentException(
        "Several jobs start with "
            + idOrPrefix
            + ": "
            + String.join(", ", matches.stream().map(Job::id).toList())
            + "; give more of the id");
  }

  /** The job's vertices with the TaskManager of each subtask's current attempt. */
  List<Vertex> vertices(String jobId) {
    List<Vertex> out = new ArrayList<>();
    for (JsonNode v : get("/jobs/" + jobId).path("vertices")) {
      String vertexId = v.path("id").asText();
      List<Subtask> subtasks = new ArrayList<>();
      for (JsonNode s : get("/jobs/" + jobId + "/vertices/" + vertexId).path("subtasks")) {
        subtasks.add(
            new Subtask(
                s.path("subtask").asInt(),
                s.path("attempt").asInt(),
                s.path("status").asText(),
                s.path("taskmanager-id").asText(s.path("endpoint").asText("?"))));
      }
      out.add(
          new Vertex(
              vertexId,
              v.path("name").asText(),
              v.path("parallelism").asInt(),
              v.path("status").asText(),
              subtasks));
    }
    return out;
  }

  /** /jobs/:id/checkpoints: counts, latest completed and restored checkpoint. */
  JsonNode checkpoints(String jobId) {
    return get("/jobs/" + jobId + "/checkpoints");
  }

  /** The job's numRestarts metric (0 when the JobManager does not report it yet). */
  long restarts(String jobId) {
    for (JsonNode m : get("/jobs/" + jobId + "/metrics?get=numRestarts")) {
      if ("numRestarts".equals(m.path("id").asText())) {
        return m.path("value").asLong();
      }
    }
    return 0;
  }

  /** The root cause of the job's latest failure, or null. */
  String lastException(String jobId) {
    JsonNode history =
        get("/jobs/" + jobId + "/exceptions?maxExceptions=1")
            .path("exceptionHistory")
            .path("entries");
    if (!history.isArray() || history.isEmpty()) {
      return null;
    }
    JsonNode e = history.get(0);
    String text =
        e.path("exceptionName").asText("") + ": " + firstLine(e.path("stacktrace").asText(""));
    return text.length() > 400 ? text.substring(0, 400) + "..." : text;
  }

  /**
   * Stop-with-savepoint: the sources stop, a savepoint is written to {@code targetDirectory} (null:
   * the cluster's state.savepoints.dir), then the job finishes. With {@code drain}, the watermark
   * first advances to the end of time, so every window fires. Returns the trigger id to poll.
   */
  String stopWithSavepoint(String jobId, boolean drain, String targetDirectory) {
    Map<String, Object> body = new java.util.LinkedHashMap<>();
    body.put("drain", drain);
    if (targetDirectory != null) {
      body.put("targetDirectory", targetDirectory);
    }
    JsonNode answer = post("/jobs/" + jobId + "/stop", body);
    String trigger = answer.path("request-id").asText(null);
    if (trigger == null) {
      throw new RestError(
          200, "/jobs/" + jobId + "/stop", "no request-id in the answer: " + answer);
    }
    return trigger;
  }

  /**
   * The state of savepoint operation {@code triggerId}: IN_PROGRESS, or COMPLETED with either the
   * savepoint's location or the failure cause.
   */
  SavepointStatus savepointStatus(String jobId, String triggerId) {
    JsonNode answer = get("/jobs/" + jobId + "/savepoints/" + triggerId);
    String status = answer.path("status").path("id").asText("?");
    JsonNode operation = answer.path("operation");
    String location = operation.path("location").asText(null);
    JsonNode cause = operation.path("failure-cause");
    String failure =
        cause.isMissingNode() || cause.isNull()
            ? null
            : cause.path("class").asText("")
                + ": "
                + firstLine(cause.path("stack-trace").asText(""));
    return new SavepointStatus(status, location, failure);
  }

  record SavepointStatus(String status, String location, String failure) {
    boolean done() {
      return "COMPLETED".equals(status);
    }
  }

  // ------------------------------------------------------------------ HTTP

  JsonNode get(String path) {
    return send(HttpRequest.newBuilder(uri(path)).timeout(TIMEOUT).GET().build(), path);
  }

  JsonNode post(String path, Object body) {
    String json;
    try {
      json = JSON.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("Cannot write the request body of " + path, e);
    }
    return send(
        HttpRequest.newBuilder(uri(path))
            .timeout(TIMEOUT)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build(),
        path);
  }

  private URI uri(String path) {
    return URI.create(url + path);
  }

  private JsonNode send(HttpRequest request, String path) {
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new Unreachable(url, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while calling " + url + path, e);
    }
    JsonNode body;
    try {
      body = response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body());
    } catch (JsonProcessingException e) {
      throw new RestError(response.statusCode(), path, "not JSON: " + abbreviate(response.body()));
    }
    if (response.statusCode() >= 400) {
      // Flink answers {"errors": ["message", "stack trace"...]}.
      List<String> errors = new ArrayList<>();
      body.path("errors").forEach(e -> errors.add(firstLine(e.asText())));
      throw new RestError(
          response.statusCode(),
          path,
          errors.isEmpty() ? abbreviate(response.body()) : String.join("; ", errors));
    }
    return body;
  }

  private static String firstLine(String text) {
    int nl = text.indexOf('\n');
    return (nl < 0 ? text : text.substring(0, nl)).trim();
  }

  private static String abbreviate(String text) {
    return text.length() > 300 ? text.substring(0, 300) + "..." : text;
  }

  /** Nothing answers at the REST URL (connection refused, timeout, reset). */
  static final class Unreachable extends RuntimeException {
    Unreachable(String url, IOException cause) {
      super(
          "Flink is not reachable at "
              + url
              + " ("
              + describe(cause)
              + "). "
              + "./datalake flink up starts the local cluster; --flinkRest=URL or "
              + ENV
              + " points at another one.",
          cause);
    }

    private static String describe(IOException e) {
      String message = e.getMessage();
      return e.getClass().getSimpleName()
          + (message == null || message.isBlank() ? "" : ": " + message);
    }
  }

  /** The REST API answered with an HTTP error; the message is Flink's. */
  static final class RestError extends RuntimeException {
    final int status;

    RestError(int status, String path, String message) {
      super("Flink REST " + path + " answered HTTP " + status + ": " + message);
      this.status = status;
    }
  }
}
