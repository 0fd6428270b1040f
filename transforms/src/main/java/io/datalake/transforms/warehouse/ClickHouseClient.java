package io.datalake.transforms.warehouse;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Properties;
import org.apache.beam.sdk.io.FileSystems;

/**
 * Statements over ClickHouse's HTTP interface (DDL, checks, counts), with the credentials read
 * where it runs: from the file named by {@code --clickhouseCredentialsFile}, else {@code
 * CLICKHOUSE_USER} and {@code CLICKHOUSE_PASSWORD}, else user {@code default}. The password is sent
 * in an Authorization header and never appears in a message or a log.
 */
public final class ClickHouseClient implements Serializable {
  private final String url;
  private final String credentialsFile;
  private transient HttpClient http;
  private transient String authorization;
  private transient String user;
  private transient String password;

  public ClickHouseClient(String url, String credentialsFile) {
    this.url = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    this.credentialsFile = credentialsFile == null ? "" : credentialsFile;
  }

  public String url() {
    return url;
  }

  private synchronized void connect() {
    if (http != null) {
      return;
    }
    password = "";
    user = "default";
    if (!credentialsFile.isBlank()) {
      Properties props = new Properties();
      try (InputStream in =
          Channels.newInputStream(
              FileSystems.open(FileSystems.matchNewResource(credentialsFile, false)))) {
        props.load(in);
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "Cannot read the ClickHouse credentials file " + credentialsFile);
      }
      user = props.getProperty("user", user);
      password = props.getProperty("password", "");
    } else {
      String envUser = System.getenv("CLICKHOUSE_USER");
      String envPassword = System.getenv("CLICKHOUSE_PASSWORD");
      user = envUser == null || envUser.isBlank() ? user : envUser;
      password = envPassword == null ? "" : envPassword;
    }
    authorization =
        "Basic "
            + Base64.getEncoder()
                .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  }

  /** The user name (for the JDBC URL of ClickHouseIO). */
  public String user() {
    connect();
    return user;
  }

  /**
   * The JDBC URL ClickHouseIO writes with: the server's version and UTC, see README. ClickHouseIO
   * takes credentials only in its URL, so a non-default user's credentials are in it: the URL is
   * part of the serialized transform (not of the options, the display data or any log line).
   */
  public String jdbcUrl(String database, String serverVersion) {
    connect();
    // The driver takes the scheme out of the address: TLS is its 'ssl' option (certificates are
    // verified: sslmode=strict is its default).
    String tls = url.regionMatches(true, 0, "https:", 0, 6) ? "&ssl=true" : "";
    String credentials =
        user.equals("default") && password.isEmpty()
            ? ""
            : "&user="
                + URLEncoder.encode(user, StandardCharsets.UTF_8)
                + "&password="
                + URLEncoder.encode(password, StandardCharsets.UTF_8);
    return "jdbc:clickhouse:"
        + url.replaceFirst("(?i)^https?:", "")
        + "/"
        + database
        + "?server_version="
        + URLEncoder.encode(serverVersion, StandardCharsets.UTF_8)
        + "&server_time_zone=UTC"
        // 18.16 ignores the driver's way of naming the database; its HTTP 'database' parameter
        // works.
        + "&custom_http_params="
        + URLEncoder.encode("database=" + database, StandardCharsets.UTF_8)
        // The driver's default Apache HTTP client never gives ClickHouseIO's pooled connections
        // back:
        // after about ten inserts per writer every insert waits for a connection, with no error
        // (measured by the benchmark). The JDK's own HTTP connection has no such pool.
        + "&http_connection_provider=HTTP_URL_CONNECTION"
        // An insert's rows are written by one thread into a pipe that the sending thread reads.
        // The driver's default pipe spins while it is full or empty (a loop around offer/poll): a
        // writer ahead of the server took a core away from ClickHouse, which on a small machine
        // reads the insert on the same cores (JFR of the 100k benchmark: half the writer's samples
        // were that loop). A blocking pipe waits instead; its buffers of 64 KiB (8 KiB by default)
        // hand over an 8th as often.
        + "&use_blocking_queue=true&write_buffer_size=65536"
        + tls
        + credentials;
  }

  /** Runs one statement; returns the body. A non-200 answer throws with ClickHouse's message. */
  public String execute(String sql) {
    return execute(sql, null);
  }

  /**
   * Runs one statement in {@code database} (HTTP's {@code database} parameter, which 18.16 and
   * current servers have), so that it names tables as a client connected to that database does;
   * null: the user's default database.
   */
  public String execute(String sql, String database) {
    connect();
    String query =
        database == null ? "" : "?database=" + URLEncoder.encode(database, StandardCharsets.UTF_8);
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url + "/" + query))
            .timeout(Duration.ofSeconds(120))
            .header("Authorization", authorization)
            .POST(HttpRequest.BodyPublishers.ofString(sql, StandardCharsets.UTF_8))
            .build();
    try {
      HttpResponse<String> response;
      try {
        response = http.send(request, HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        if (!closedBeforeAnswering(e)) {
          throw e;
        }
        // The client keeps an idle connection open for minutes, ClickHouse for a few seconds
        // (keep_alive_timeout, 3 s by default): a statement sent on it as the server closes it
        // gets no answer at all. The client sends it again on a new connection, once.
        response = http.send(request, HttpResponse.BodyHandlers.ofString());
      }
      if (response.statusCode() != 200) {
        throw new ClickHouseException(
            "ClickHouse at "
                + url
                + " answered "
                + response.statusCode()
                + ": "
                + response.body().trim(),
            ClickHouseException.isTransient(response.statusCode(), response.body()));
      }
      return response.body();
    } catch (IOException e) {
      // Refused, reset or timed out (a stopped or frozen server): worth retrying.
      throw new ClickHouseException(
          "ClickHouse at "
              + url
              + " is unreachable: "
              + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()),
          true,
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ClickHouseException("interrupted");
    }
  }

  /**
   * Whether the connection ended before the first byte of an answer: a pooled connection the server
   * had closed (its keep-alive timeout), which Java's client reports as "header parser received no
   * bytes" and retries by itself only for idempotent methods, not for a POST.
   */
  static boolean closedBeforeAnswering(IOException e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String message = t.getMessage();
      if (t instanceof EOFException
          || (message != null && message.contains("header parser received no bytes"))) {
        return true;
      }
    }
    return false;
  }

  public String serverVersion() {
    return execute("SELECT version()").trim();
  }

  @Override
  public String toString() {
    return "ClickHouseClient{" + url + "}";
  }

  /** A failed statement. */
  public static final class ClickHouseException extends RuntimeException {
    /**
     * ClickHouse's error codes of a failure that passes by itself: timeouts, network errors, too
     * many queries or parts, memory limit, read-only table, a server shutting down or starting.
     */
    private static final java.util.Set<Integer> TRANSIENT_CODES =
        java.util.Set.of(159, 202, 209, 210, 241, 242, 252, 285, 319, 394, 425);

    private static final java.util.regex.Pattern ERROR_CODE =
        java.util.regex.Pattern.compile("^Code: (\\d+)");

    private final boolean transientFailure;

    public ClickHouseException(String message) {
      this(message, false);
    }

    public ClickHouseException(String message, boolean transientFailure) {
      this(message, transientFailure, null);
    }

    /** With the failure it reports (the last attempt's, when retries gave up). */
    public ClickHouseException(String message, boolean transientFailure, Throwable cause) {
      super(message, cause);
      this.transientFailure = transientFailure;
    }

    /** Whether the server did not answer at all (refused, reset, timed out): it may be down. */
    public boolean unreachable() {
      return getCause() instanceof java.io.IOException;
    }

    /** Whether the server refused the user or its password (HTTP 401 or 403, or its error 516). */
    public boolean refusedCredentials() {
      String message = String.valueOf(getMessage());
      return message.contains(" answered 401: ")
          || message.contains(" answered 403: ")
          || message.contains("Code: 516");
    }

    /** Whether trying again later may succeed (unreachable, overloaded), unlike a bad statement. */
    public boolean isTransient() {
      return transientFailure;
    }

    /** The first error code in a message: the answer's own, before any nested one it quotes. */
    private static final java.util.regex.Pattern FIRST_CODE =
        java.util.regex.Pattern.compile("Code: (\\d+)[.,]");

    /**
     * Whether ClickHouse answered its error {@code code}: "Code: 60," in 18.16's wording, "Code:
     * 60." in current servers'. Only the answer's own code counts (the first in the message, which
     * holds the answer after the status), not one of an error it quotes further on.
     */
    public boolean hasCode(int code) {
      java.util.regex.Matcher first = FIRST_CODE.matcher(String.valueOf(getMessage()));
      return first.find() && first.group(1).equals(Integer.toString(code));
    }

    /** Whether ClickHouse's error {@code code} is one of a failure that passes by itself. */
    public static boolean isTransientCode(int code) {
      return TRANSIENT_CODES.contains(code);
    }

    static boolean isTransient(int status, String body) {
      if (status == 502 || status == 503 || status == 504) {
        return true;
      }
      java.util.regex.Matcher code = ERROR_CODE.matcher(body == null ? "" : body.trim());
      return code.find() && isTransientCode(Integer.parseInt(code.group(1)));
    }
  }
}
