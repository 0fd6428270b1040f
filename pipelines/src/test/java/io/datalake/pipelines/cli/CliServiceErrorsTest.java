package io.datalake.pipelines.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * A command whose ClickHouse does not answer says so in one line, exit code 1: what an on-call
 * engineer reads, without a stack trace to scroll past.
 */
public class CliServiceErrorsTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void anUnreachableClickHouseIsOneLineAndExitCodeOne() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    Path credentials = tmp.newFile("credentials").toPath();
    Files.writeString(credentials, "user=admin\npassword=secret\n");
    for (String command : new String[] {"freshness", "runs", "tenants"}) {
      Cli.Outcome outcome =
          Cli.executeCapturing(
              command,
              "--clickhouseUrl=http://127.0.0.1:" + closedPort,
              "--clickhouseCredentialsFile=" + credentials);
      assertThat(command, outcome.code(), equalTo(1));
      String err = outcome.err().strip();
      assertThat(command + ": " + err, err.lines().count(), equalTo(1L));
      assertThat(err, containsString("127.0.0.1:" + closedPort));
      assertThat(err, not(containsString("\tat ")));
      assertThat(err, not(containsString("secret")));
    }
  }
}
