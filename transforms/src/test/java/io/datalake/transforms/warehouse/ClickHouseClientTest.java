package io.datalake.transforms.warehouse;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertThrows;

import com.clickhouse.client.ClickHouseNode;
import com.clickhouse.jdbc.internal.ClickHouseJdbcUrlParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The JDBC URL ClickHouseIO writes with: TLS kept for https, credentials only inside it. */
public class ClickHouseClientTest {
  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  private static ClickHouseNode parse(String jdbcUrl) throws Exception {
    return ClickHouseJdbcUrlParser.parse(jdbcUrl, new Properties()).getServer();
  }

  @Test
  public void anHttpsUrlKeepsTlsOnTheInsertPath() throws Exception {
    String url = new ClickHouseClient("https://ch.example.com:8443", "").jdbcUrl("lake", "18.16.1");
    assertThat(url, containsString("ssl=true"));
    ClickHouseNode node = parse(url);
    assertThat(node.getHost(), equalTo("ch.example.com"));
    assertThat(node.getPort(), equalTo(8443));
    assertThat(node.getConfig().isSsl(), equalTo(true));
  }

  @Test
  public void anHttpUrlStaysPlain() throws Exception {
    String url = new ClickHouseClient("http://127.0.0.1:8123", "").jdbcUrl("lake", "18.16.1");
    assertThat(url, not(containsString("ssl=")));
    assertThat(parse(url).getConfig().isSsl(), equalTo(false));
  }

  @Test
  public void thePasswordOfTheCredentialsFileIsInTheJdbcUrlOnly() throws Exception {
    Path file = temp.newFile("ch.properties").toPath();
    Files.writeString(file, "user=writer\npassword=s3cr3t-pw,with=odd&chars\n");
    ClickHouseClient client = new ClickHouseClient("http://127.0.0.1:8123", file.toString());
    String url = client.jdbcUrl("lake", "18.16.1");
    assertThat(
        parse(url).getCredentials().get().getPassword(), equalTo("s3cr3t-pw,with=odd&chars"));
    assertThat(parse(url).getCredentials().get().getUserName(), equalTo("writer"));
    assertThat(client.toString(), not(containsString("s3cr3t")));
    assertThat(client.url(), not(containsString("s3cr3t")));
  }

  /**
   * A server that reads each request and closes the connection without a byte of answer for the
   * first {@code silent} connections, then answers 200 {@code ok}.
   */
  private static Thread serve(ServerSocket server, int silent, AtomicInteger connections) {
    Thread t =
        new Thread(
            () -> {
              while (!server.isClosed()) {
                try (Socket socket = server.accept()) {
                  BufferedReader in =
                      new BufferedReader(
                          new InputStreamReader(
                              socket.getInputStream(), StandardCharsets.ISO_8859_1));
                  int length = 0;
                  for (String line = in.readLine();
                      line != null && !line.isEmpty();
                      line = in.readLine()) {
                    if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                      length = Integer.parseInt(line.substring(15).trim());
                    }
                  }
                  for (int i = 0; i < length; i++) {
                    in.read();
                  }
                  if (connections.incrementAndGet() <= silent) {
                    continue; // closed without an answer
                  }
                  OutputStream out = socket.getOutputStream();
                  out.write(
                      "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n"
                          .getBytes(StandardCharsets.ISO_8859_1));
                  out.flush();
                } catch (IOException closed) {
                  return;
                }
              }
            });
    t.setDaemon(true);
    t.start();
    return t;
  }

  @Test
  public void anErrorCodeIsReadInEitherServersWording() {
    ClickHouseClient.ClickHouseException old =
        new ClickHouseClient.ClickHouseException(
            "ClickHouse at http://h:8123 answered 404: Code: 60, e.displayText() = DB::Exception:"
                + " Table t doesn't exist., e.what() = DB::Exception");
    ClickHouseClient.ClickHouseException current =
        new ClickHouseClient.ClickHouseException(
            "ClickHouse at http://h:8123 answered 404: Code: 60. DB::Exception: Table d.t does"
                + " not exist. (UNKNOWN_TABLE) (version 24.8.4.13 (official build))");
    assertThat(old.hasCode(60), equalTo(true));
    assertThat(current.hasCode(60), equalTo(true));
    // Another code, or one that only starts with the same digits, is not this one.
    assertThat(current.hasCode(6), equalTo(false));
    assertThat(
        new ClickHouseClient.ClickHouseException("answered 500: Code: 600. DB::Exception")
            .hasCode(60),
        equalTo(false));
    assertThat(new ClickHouseClient.ClickHouseException(null).hasCode(60), equalTo(false));
    // An error that quotes another (a dictionary's source, a remote server) is its own code.
    ClickHouseClient.ClickHouseException quoting =
        new ClickHouseClient.ClickHouseException(
            "ClickHouse at http://h:8123 answered 500: Code: 210. DB::NetException: while reading"
                + " from a remote: Code: 60. DB::Exception: Table d.t does not exist.");
    assertThat(quoting.hasCode(210), equalTo(true));
    assertThat(quoting.hasCode(60), equalTo(false));
  }

  @Test
  public void aConnectionClosedBeforeAnyAnswerIsSentAgainOnce() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      AtomicInteger connections = new AtomicInteger();
      serve(server, 1, connections);
      ClickHouseClient client =
          new ClickHouseClient("http://127.0.0.1:" + server.getLocalPort(), "");
      assertThat(client.execute("CREATE USER u"), equalTo("ok\n"));
      assertThat(connections.get(), equalTo(2));
    }
  }

  @Test
  public void aServerThatNeverAnswersIsUnreachableAfterOneResend() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      AtomicInteger connections = new AtomicInteger();
      serve(server, Integer.MAX_VALUE, connections);
      ClickHouseClient client =
          new ClickHouseClient("http://127.0.0.1:" + server.getLocalPort(), "");
      ClickHouseClient.ClickHouseException e =
          assertThrows(
              ClickHouseClient.ClickHouseException.class, () -> client.execute("SELECT 1"));
      assertThat(e.getMessage(), containsString("is unreachable"));
      assertThat(e.isTransient(), equalTo(true));
      assertThat(connections.get(), equalTo(2));
    }
  }
}
