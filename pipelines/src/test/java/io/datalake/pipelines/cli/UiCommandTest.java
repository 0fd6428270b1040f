package io.datalake.pipelines.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.Test;

/** {@code ./datalake ui}'s refusals and its Flink source, without services. */
public class UiCommandTest {
  @Test
  public void aTakenPortIsOneClearLine() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Cli.Outcome outcome =
          Cli.executeCapturing("ui", "--port", String.valueOf(taken.getLocalPort()));
      assertThat(outcome.code(), equalTo(1));
      assertThat(
          outcome.err(),
          equalTo(
              "datalake: error: port "
                  + taken.getLocalPort()
                  + " on 127.0.0.1 is taken (another ./datalake ui?); --port=N picks another, 0"
                  + " any free one\n"));
    }
  }

  @Test
  public void aPortOutOfRangeIsAUsageError() {
    Cli.Outcome outcome = Cli.executeCapturing("ui", "--port", "70000");
    assertThat(outcome.code(), equalTo(Cli.USAGE));
    assertThat(outcome.err(), containsString("--port must be 0..65535, not 70000"));
  }

  @Test
  public void helpNamesTheDefaultPortAndTheSources() {
    Cli.Outcome outcome = Cli.executeCapturing("ui", "--help");
    assertThat(outcome.code(), equalTo(0));
    assertThat(outcome.out(), containsString("default 8090"));
    assertThat(outcome.out(), containsString("writes nothing"));
    assertThat(outcome.out(), containsString("--flinkRest"));
  }

  @Test
  public void noClusterIsAnAnswerNotAFailure() throws Exception {
    int free;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      free = socket.getLocalPort();
    }
    JsonNode jobs = UiCommand.jobs(new FlinkRest("http://127.0.0.1:" + free));
    assertThat(jobs.path("available").asBoolean(true), equalTo(false));
    assertThat(jobs.path("reason").asText(), startsWith("no cluster: Flink is not reachable at"));
  }
}
