package io.datalake.pipelines.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * jobs, stop and flink status against a fake Flink REST API that answers what Flink 1.19 answered
 * on the local cluster (the JSON below is trimmed from real answers).
 */
public class FlinkCommandsTest {
  private static final String RUNNING = "4c07795ad6e789153b4065c18eda7d75";
  private static final String FINISHED = "eff03dd7c627f33051c7412e391a7d43";
  private static final String SAVEPOINT = "file:/tmp/savepoints/savepoint-4c0779-36c0b16b20b6";

  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  private HttpServer server;
  private String url;
  private final Map<String, String> answers = new ConcurrentHashMap<>();
  private final List<String> posted = new ArrayList<>();
  private final AtomicInteger savepointPolls = new AtomicInteger();
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @Before
  public void fakeFlink() throws IOException {
    answers.put(
        "/jobs/overview",
        "{\"jobs\":[{\"jid\":\""
            + FINISHED
            + "\",\"name\":\"datalake-files-1\",\"start-time\":1795550882435,"
            + "\"end-time\":1795550897131,\"duration\":14696,\"state\":\"FINISHED\"},"
            + "{\"jid\":\""
            + RUNNING
            + "\",\"name\":\"datalake-kafka-1\",\"start-time\":1795551156000,"
            + "\"end-time\":-1,\"duration\":72000,\"state\":\"RUNNING\"}]}");
    answers.put(
        "/overview",
        "{\"taskmanagers\":2,\"slots-total\":2,\"slots-available\":0,\"jobs-running\":1,\"jobs-finished\":1,"
            + "\"jobs-cancelled\":0,\"jobs-failed\":0,\"flink-version\":\"1.19.0\"}");
    answers.put(
        "/taskmanagers",
        "{\"taskmanagers\":[{\"id\":\"taskmanager-2\",\"dataPort\":39753,\"timeSinceLastHeartbeat\":"
            + System.currentTimeMillis()
            + ",\"slotsNumber\":1,\"freeSlots\":0},"
            + "{\"id\":\"taskmanager-1\",\"dataPort\":33727,\"timeSinceLastHeartbeat\":"
            + System.currentTimeMillis()
            + ",\"slotsNumber\":1,\"freeSlots\":0}]}");
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::answer);
    server.start();
    url = "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @After
  public void stopFakeFlink() {
    server.stop(0);
    System.clearProperty("datalake.home");
  }

  private void answer(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    String body;
    int status = 200;
    if (exchange.getRequestMethod().equals("POST") && path.equals("/jobs/" + RUNNING + "/stop")) {
      posted.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      body = "{\"request-id\":\"trigger-1\"}";
      answers.put(
          "/jobs/overview", answers.get("/jobs/overview").replace("\"RUNNING\"", "\"FINISHED\""));
    } else if (path.equals("/jobs/" + RUNNING + "/savepoints/trigger-1")) {
      body =
          savepointPolls.incrementAndGet() < 2
              ? "{\"status\":{\"id\":\"IN_PROGRESS\"},\"operation\":null}"
              : "{\"status\":{\"id\":\"COMPLETED\"},\"operation\":{\"location\":\""
                  + SAVEPOINT
                  + "\"}}";
    } else if (answers.containsKey(path)) {
      body = answers.get(path);
    } else {
      status = 404;
      body = "{\"errors\":[\"Not found: " + path + "\"]}";
    }
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }

  private int run(String command, String... args) {
    List<String> line = new ArrayList<>(List.of(command.split(" ")));
    line.addAll(List.of(args));
    line.add("--flinkRest=" + url);
    return cli(line.toArray(String[]::new));
  }

  private int cli(String... args) {
    return Cli.execute(new PrintStream(out, true), new PrintStream(err, true), args);
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  public void jobsListsNewestFirst() {
    assertThat(run("jobs"), equalTo(0));
    String[] lines = out().split("\n");
    assertThat(lines[1], containsString(RUNNING));
    assertThat(lines[1], containsString("RUNNING"));
    assertThat(lines[1], containsString("1m12s"));
    assertThat(lines[2], containsString(FINISHED));
  }

  @Test
  public void jobsIdsOfRunningJobsOnly() {
    assertThat(run("jobs", "--running", "--ids"), equalTo(0));
    assertThat(out(), equalTo(RUNNING + "\n"));
  }

  @Test
  public void stopWaitsForTheSavepointAndPrintsTheRecordedResumeCommand() throws IOException {
    recordSubmission(
        "home",
        "--runner=FlinkRunner\0--flinkMaster=127.0.0.1:8081\0--source=kafka\0--lake=/tmp/a lake\0--jobName=datalake-kafka-1\0");

    assertThat(err(), run("stop", "4c07", "--target", "/tmp/savepoints"), equalTo(0));

    assertThat(
        posted.get(0), equalTo("{\"drain\":true,\"targetDirectory\":\"file:///tmp/savepoints\"}"));
    assertThat(out(), containsString("savepoint: " + SAVEPOINT + "\n"));
    assertThat(
        out(),
        containsString(
            "resume:    ./datalake run --runner=FlinkRunner --flinkMaster=127.0.0.1:8081 --source=kafka"
                + " '--lake=/tmp/a lake' --jobName=datalake-kafka-1 --fromSavepoint="
                + SAVEPOINT
                + "\n"));
    assertThat(err(), containsString("is FINISHED"));
  }

  /**
   * The stop ends the job's run record in the warehouse its submission named; one that cannot be
   * reached is said in a line, and the stop succeeds all the same (the savepoint is written).
   */
  @Test
  public void aWarehouseThatCannotRecordTheStopIsSaidAndTheStopSucceeds() throws IOException {
    int closedPort;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    recordSubmission(
        "home-ch",
        "--runner=FlinkRunner\0--source=kafka\0--jobName=datalake-kafka-1\0"
            + "--clickhouseUrl=http://127.0.0.1:"
            + closedPort
            + "\0");

    assertThat(err(), run("stop", "4c07", "--target", "/tmp/savepoints"), equalTo(0));
    assertThat(
        err(),
        containsString(
            "could not record the stop of job datalake-kafka-1 in datalake_runs (ClickHouse at"
                + " http://127.0.0.1:"
                + closedPort));
    assertThat(err(), containsString("the job is stopped all the same"));
    assertThat(out(), containsString("savepoint: " + SAVEPOINT + "\n"));
  }

  /**
   * A stream submitted with a warehouse: after the savepoint, its running record (found by job
   * name) is written again as stopped, with the credentials the run used.
   */
  @Test
  public void theStopEndsTheRunRecordInTheWarehouseTheSubmissionNamed() throws IOException {
    List<String> statements = new java.util.concurrent.CopyOnWriteArrayList<>();
    List<String> users = new java.util.concurrent.CopyOnWriteArrayList<>();
    HttpServer clickhouse =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    clickhouse.createContext(
        "/",
        exchange -> {
          String sql = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          statements.add(sql);
          users.add(exchange.getRequestHeaders().getFirst("Authorization"));
          byte[] body =
              (sql.startsWith("SELECT") ? "run-7\n" : "").getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
          if (body.length > 0) {
            exchange.getResponseBody().write(body);
          }
          exchange.close();
        });
    clickhouse.start();
    try {
      Path credentials = tmp.newFile("ch.credentials").toPath();
      Files.writeString(credentials, "user=runner\npassword=secret\n");
      recordSubmission(
          "home-ok",
          "--runner=FlinkRunner\0--source=kafka\0--jobName=datalake-kafka-1\0"
              + "--clickhouseUrl=http://127.0.0.1:"
              + clickhouse.getAddress().getPort()
              + "\0--clickhouseDatabase=wh\0--clickhouseCredentialsFile="
              + credentials
              + "\0");

      assertThat(err(), run("stop", "4c07", "--target", "/tmp/savepoints"), equalTo(0));
    } finally {
      clickhouse.stop(0);
    }
    assertThat(statements.size(), equalTo(2));
    assertThat(statements.get(0), containsString("FROM `wh`.`datalake_runs` FINAL"));
    assertThat(
        statements.get(0),
        containsString("visitParamExtractString(options, 'jobName') = 'datalake-kafka-1'"));
    assertThat(statements.get(1), containsString("INSERT INTO `wh`.`datalake_runs`"));
    assertThat(statements.get(1), containsString("'stopped'"));
    assertThat(statements.get(1), containsString("WHERE run_id = 'run-7'"));
    String runner =
        "Basic "
            + java.util.Base64.getEncoder()
                .encodeToString("runner:secret".getBytes(StandardCharsets.UTF_8));
    assertThat(users, equalTo(List.of(runner, runner)));
    assertThat(
        err(), containsString("run run-7 of job datalake-kafka-1 recorded as stopped in wh."));
    // The savepoint and the resume command came first.
    assertThat(out(), containsString("savepoint: " + SAVEPOINT + "\n"));
  }

  /** A lake-only stream (no --clickhouseUrl) has no warehouse record: nothing is said of one. */
  @Test
  public void aStopWithoutAWarehouseSaysNothingOfARecord() throws IOException {
    recordSubmission(
        "home-lake",
        "--runner=FlinkRunner\0--source=kafka\0--jobName=datalake-kafka-1\0--clickhouseUrl=\0");
    assertThat(err(), run("stop", "4c07", "--target", "/tmp/savepoints"), equalTo(0));
    assertThat(err(), not(containsString("datalake_runs")));
  }

  /**
   * What `./datalake run` records when it submits job datalake-kafka-1 ({@code args}, each ended by
   * a NUL), in a home folder of its own that the commands then use.
   */
  private void recordSubmission(String home, String args) throws IOException {
    Path folder = tmp.newFolder(home).toPath();
    Files.createDirectories(folder.resolve("flink/submissions"));
    Files.writeString(folder.resolve("flink/submissions/datalake-kafka-1.args"), args);
    System.setProperty("datalake.home", folder.toString());
  }

  @Test
  public void stopWithNoRecordPrintsATemplateWithTheJobName() throws IOException {
    System.setProperty("datalake.home", tmp.newFolder("empty-home").toString());
    assertThat(err(), run("stop", "4c07", "--target", "/tmp/savepoints"), equalTo(0));
    // --resume and the job's checkpoint folder both go by the job's name.
    assertThat(out(), containsString("--jobName="));
    assertThat(out(), containsString("<the job's other options> --fromSavepoint=" + SAVEPOINT));
  }

  @Test
  public void stopWithoutDrain() {
    assertThat(run("stop", RUNNING, "--no-drain", "--json"), equalTo(0));
    assertThat(posted.get(0), equalTo("{\"drain\":false}"));
    assertThat(out(), containsString("\"savepoint\" : \"" + SAVEPOINT + "\""));
  }

  @Test
  public void stopRefusesAFinishedJobAndAnUnknownOne() {
    assertThat(run("stop", FINISHED), equalTo(1));
    assertThat(err(), containsString("is FINISHED: nothing to stop"));
    assertThat(run("stop", "ffff"), equalTo(1));
    assertThat(err(), containsString("No job ffff"));
    assertThat(posted.isEmpty(), equalTo(true));
  }

  @Test
  public void flinkStatusShowsTaskManagersSlotsAndRunningJobs() {
    assertThat(run("flink", "status"), equalTo(0));
    assertThat(
        out(),
        containsString("Flink 1.19.0 at " + url + ": 2 taskmanager(s), slots 2 total, 0 free"));
    assertThat(out(), containsString("taskmanager-1"));
    assertThat(out(), containsString(RUNNING));
    assertThat(out(), not(containsString(FINISHED)));
  }

  @Test
  public void unreachableClusterExitsWith3AndSaysHowToStartOne() throws IOException {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    int code = cli("jobs", "--flinkRest=http://127.0.0.1:" + port);
    assertThat(code, equalTo(3));
    assertThat(err(), containsString("Flink is not reachable at http://127.0.0.1:" + port));
    assertThat(err(), containsString("./datalake flink up"));
  }

  @Test
  public void unknownOptionIsAOneLineUsageError() {
    assertThat(run("jobs", "--bogus"), equalTo(2));
    assertThat(
        err(), equalTo("datalake: error: Unknown option: '--bogus' (./datalake jobs --help)\n"));
  }

  @Test
  public void badValuesAndCombinationsAreRefusedBeforeCallingFlink() {
    assertThat(run("stop", RUNNING, "--timeout=soon"), equalTo(2));
    assertThat(err(), containsString("datalake: error: Invalid value for option '--timeout'"));
    assertThat(run("stop", RUNNING, "--timeout=0"), equalTo(2));
    assertThat(run("jobs", "--json", "--ids"), equalTo(2));
    assertThat(run("stop"), equalTo(2));
    assertThat(posted.isEmpty(), equalTo(true));
    assertThat(err().lines().count(), equalTo(4L));
  }

  @Test
  public void stopDrainsUnlessToldNot() {
    assertThat(run("stop", RUNNING, "--drain", "--json"), equalTo(0));
    assertThat(posted.get(0), equalTo("{\"drain\":true}"));
  }

  @Test
  public void everyCommandHasAHelp() {
    for (String command :
        List.of(
            "run",
            "demo",
            "keys",
            "keys create",
            "pii",
            "pii decrypt",
            "tenants",
            "produce",
            "jobs",
            "jobs show",
            "stop",
            "flink",
            "flink status")) {
      out.reset();
      List<String> line = new ArrayList<>(List.of(command.split(" ")));
      line.add("--help");
      assertThat(command, cli(line.toArray(String[]::new)), equalTo(0));
      assertThat(command, out(), containsString("Usage: datalake " + command));
    }
    assertThat(out(), containsString("--flinkRest=URL"));
  }

  @Test
  public void runHelpListsThePipelineOptions() {
    assertThat(cli("run", "--help"), equalTo(0));
    assertThat(out(), containsString("--fromSavepoint=PATH"));
    assertThat(out(), containsString("--parquetCompression"));
    // The runner's and S3's options, which the README names, and the launcher's runner default.
    assertThat(out(), containsString("--flinkMaster=<String>"));
    assertThat(out(), containsString("--checkpointingInterval=<Long>"));
    assertThat(out(), containsString("--endpoint=<URI>"));
    assertThat(out(), containsString("Default: FlinkRunner, on an embedded cluster"));
    assertThat(out(), not(containsString("Default: DirectRunner")));
  }

  @Test
  public void runRefusesBadOptionsInOneLineAndLeavesNoRecord() throws IOException {
    Path home = tmp.newFolder("run-home").toPath();
    System.setProperty("datalake.home", home.toString());
    assertThat(cli("run", "--noSuchOption=1"), equalTo(2));
    assertThat(err(), containsString("datalake: error: "));
    assertThat(err().lines().count(), equalTo(1L));
    assertThat(
        cli("run", "--runner=FlinkRunner", "--flinkMaster=[local]", "--fromSavepoint=/tmp/x"),
        equalTo(2));
    assertThat(err(), containsString("--fromSavepoint needs a Flink cluster"));
    assertThat(cli("run", "--resume=true", "--source=kafka"), equalTo(2));
    assertThat(err(), containsString("--resume needs --jobName=NAME"));
    // What --clickhouseUrl=$DATALAKE_CLICKHOUSE_URL gives with the variable unset.
    assertThat(cli("run", "--input=/nowhere", "--lake=/tmp/x", "--clickhouseUrl="), equalTo(2));
    assertThat(err(), containsString("--clickhouseUrl is empty (an unset variable?)"));
    assertThat(err().lines().count(), equalTo(4L));
    assertThat(Files.exists(home.resolve("flink")), equalTo(false));
  }

  @Test
  public void shellQuoteAndVertexNames() {
    assertThat(FlinkCommands.shellQuote("--lake=/tmp/x"), equalTo("--lake=/tmp/x"));
    assertThat(FlinkCommands.shellQuote("--topics=a=b c"), equalTo("'--topics=a=b c'"));
    assertThat(FlinkCommands.shellQuote("it's"), equalTo("'it'\\''s'"));
    assertThat(
        FlinkCommands.shortName(
            "CHAIN DataSource (at Impulse (org.apache.beam.runners.flink.translation.wrappers.ImpulseInputFormat))"
                + " -> FlatMap (FlatMap at ReadJsonLines/Match_journey-sessions/Via MatchAll/Match filepatterns/ParMultiDo(Match))"
                + " -> Map (Key Extractor)"),
        equalTo("ReadJsonLines/Match_journey-sessions/Via MatchAll (3 operators)"));
    assertThat(
        FlinkCommands.shortName(
            "Source: ReadKafkaTopics/ReadKafka/KafkaIO.Read.ReadFromKafkaViaUnbounded/Read(KafkaUnboundedSource)"),
        equalTo("ReadKafkaTopics/ReadKafka/KafkaIO.Read.ReadFromKafkaViaUnbounded"));
    assertThat(FlinkCommands.shortName("Map (Key Extractor)"), equalTo("Map (Key Extractor)"));
  }
}
