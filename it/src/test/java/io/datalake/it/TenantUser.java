package io.datalake.it;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A tenant's ClickHouse user as {@code ./datalake credentials create --json} prints it, and its
 * queries over HTTP: how the tenant-access tests log in as a tenant.
 */
record TenantUser(
    String user,
    String password,
    String database,
    String jdbcUrl,
    String host,
    int port,
    String clickhouseClient) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** {@code ./datalake credentials create --tenant TENANT --name NAME} for the warehouse. */
  static TenantUser create(String tenant, String name, String warehouse) throws Exception {
    String output =
        Launcher.run(
                180,
                "credentials",
                "create",
                "--tenant",
                tenant,
                "--name",
                name,
                "--clickhouseDatabase=" + warehouse,
                "--json")
            .orFail("credentials create --tenant " + tenant)
            .output();
    String json = null;
    for (String line : output.split("\n")) {
      if (line.startsWith("{")) {
        json = line;
      }
    }
    assertThat("JSON in:\n" + output, json != null, equalTo(true));
    JsonNode node = JSON.readTree(json);
    return new TenantUser(
        node.get("username").asText(),
        node.get("password").asText(),
        node.get("database").asText(),
        node.get("jdbc_url").asText(),
        node.get("host").asText(),
        node.get("port").asInt(),
        node.get("clickhouse_client").asText());
  }

  /**
   * {@code sql} run by the clickhouse-client command that {@code credentials create} printed, word
   * for word (it names the native port, which the client needs: on the HTTP port it waits without a
   * word); its standard output.
   */
  String client(String sql) throws Exception {
    // PASSWORD is where the printed command wants the password (it does not print it there).
    List<String> command = new ArrayList<>();
    for (String word : clickhouseClient.split(" ")) {
      command.add(word.equals("PASSWORD") ? password : word);
    }
    command.add("--query");
    command.add(sql);
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    boolean done = process.waitFor(60, TimeUnit.SECONDS);
    if (!done) {
      process.destroyForcibly();
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(clickhouseClient + " --query " + sql + ":\n" + output, done, equalTo(true));
    assertThat(output, process.exitValue(), equalTo(0));
    return output;
  }

  /** {@code sql} sent as this user to its database, with {@code moreParams} (e.g. {@code &x=1}). */
  HttpResponse<String> http(HttpClient client, String sql, String moreParams) throws Exception {
    String auth =
        Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    return client.send(
        HttpRequest.newBuilder(
                URI.create(
                    "http://"
                        + host
                        + ":"
                        + port
                        + "/?database="
                        + URLEncoder.encode(database, StandardCharsets.UTF_8)
                        + moreParams))
            .header("Authorization", "Basic " + auth)
            .POST(HttpRequest.BodyPublishers.ofString(sql, StandardCharsets.UTF_8))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
