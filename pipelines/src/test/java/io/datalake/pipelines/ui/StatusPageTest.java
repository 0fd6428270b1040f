package io.datalake.pipelines.ui;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/** The page's server on a free port: its files, its JSON, a source that fails, what it refuses. */
public class StatusPageTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();
  private StatusPage page;

  @Before
  public void start() throws Exception {
    Map<String, Supplier<JsonNode>> apis = new LinkedHashMap<>();
    apis.put("answers", () -> JSON.createObjectNode().put("available", true).put("n", 3));
    apis.put(
        "down",
        () -> {
          throw new IllegalStateException("ClickHouse at http://127.0.0.1:1 is unreachable");
        });
    page = StatusPage.start(0, apis);
  }

  @After
  public void stop() {
    page.close();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(page.url() + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  public void servesThePageAndItsFilesFromTheJar() throws Exception {
    HttpResponse<String> index = get("");
    assertThat(index.statusCode(), equalTo(200));
    assertThat(index.body(), containsString("<script src=\"status.js\"></script>"));
    assertThat(index.headers().firstValue("Content-Type").orElse(""), containsString("text/html"));
    assertThat(get("status.js").body(), containsString("function sparkline"));
    assertThat(
        get("status.css").headers().firstValue("Content-Type").orElse(""),
        containsString("text/css"));
    assertThat(page.url(), equalTo("http://127.0.0.1:" + page.port() + "/"));
  }

  @Test
  public void aSourceThatFailsAnswersWhyWithStatus200() throws Exception {
    JsonNode answers = JSON.readTree(get("api/answers").body());
    assertThat(answers.path("n").asInt(), equalTo(3));
    HttpResponse<String> down = get("api/down");
    assertThat(down.statusCode(), equalTo(200));
    JsonNode reason = JSON.readTree(down.body());
    assertThat(reason.path("available").asBoolean(true), equalTo(false));
    assertThat(
        reason.path("reason").asText(), equalTo("ClickHouse at http://127.0.0.1:1 is unreachable"));
  }

  @Test
  public void refusesWritesAndUnknownPaths() throws Exception {
    HttpResponse<String> post =
        http.send(
            HttpRequest.newBuilder(URI.create(page.url() + "api/answers"))
                .POST(HttpRequest.BodyPublishers.ofString("x"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode(), equalTo(405));
    assertThat(get("api/nothing").statusCode(), equalTo(404));
    assertThat(get("../pom.xml").statusCode(), equalTo(404));
  }
}
