package io.datalake.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.Assert.assertThrows;

import com.sun.net.httpserver.HttpServer;
import io.datalake.options.DatalakeOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Every option is validated before a run contacts or changes anything: {@link RunPlan#of} only
 * reads, and {@link DatalakePipeline#run} takes it before CheckKafkaTopics, HashInput and
 * PrepareWarehouse. A ClickHouse and a Kafka that only count who reaches them show it: an invalid
 * option fails with its own message while both counts stay at zero.
 */
public class RunPlanTest {
  private static final Path SAMPLES = Path.of("samples", "input");

  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  private HttpServer clickhouse;
  private final AtomicInteger clickhouseRequests = new AtomicInteger();
  private ServerSocket kafka;
  private final AtomicInteger kafkaConnections = new AtomicInteger();

  @Before
  public void start() throws IOException {
    clickhouse = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    clickhouse.createContext(
        "/",
        exchange -> {
          clickhouseRequests.incrementAndGet();
          byte[] body =
              "Code: 1000. DB::Exception: this is no ClickHouse".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(500, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    clickhouse.start();
    kafka = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
    Thread accept =
        new Thread(
            () -> {
              while (!kafka.isClosed()) {
                try (Socket ignored = kafka.accept()) {
                  kafkaConnections.incrementAndGet();
                } catch (IOException closed) {
                  return;
                }
              }
            },
            "counting-kafka");
    accept.setDaemon(true);
    accept.start();
  }

  @After
  public void stop() throws IOException {
    clickhouse.stop(0);
    kafka.close();
  }

  private DatalakeOptions options(String... more) throws IOException {
    List<String> args = new ArrayList<>();
    args.add("--lake=" + temp.newFolder());
    args.add("--piiDevelopmentKeyset=true");
    args.add("--clickhouseUrl=http://127.0.0.1:" + clickhouse.getAddress().getPort());
    args.add("--bootstrapServers=127.0.0.1:" + kafka.getLocalPort());
    args.addAll(List.of(more));
    return PipelineOptionsFactory.fromArgs(args.toArray(String[]::new)).as(DatalakeOptions.class);
  }

  private void assertRefusedUntouched(String message, String... args) throws IOException {
    DatalakeOptions options = options(args);
    RuntimeException e = assertThrows(RuntimeException.class, () -> DatalakePipeline.run(options));
    assertThat(e.getMessage(), containsString(message));
    assertThat("requests to ClickHouse", clickhouseRequests.get(), equalTo(0));
    assertThat("connections to Kafka", kafkaConnections.get(), equalTo(0));
  }

  @Test
  public void aBadParquetCompressionFailsBeforeKafkaOrClickHouseIsContacted() throws IOException {
    assertRefusedUntouched(
        "--parquetCompression=FAST is not a Parquet codec; use one of UNCOMPRESSED, SNAPPY, GZIP, LZ4,",
        "--source=kafka",
        "--parquetCompression=FAST");
  }

  @Test
  public void aParquetCodecWithoutAnImplementationHereIsRefusedBeforeTheRun() throws IOException {
    // LZO's and BROTLI's Hadoop classes are not bundled: their writers failed at the first file.
    assertRefusedUntouched(
        "--parquetCompression=LZO: this build has no implementation of Parquet's LZO codec",
        "--source=kafka",
        "--parquetCompression=LZO");
    assertRefusedUntouched(
        "use one of UNCOMPRESSED, SNAPPY, GZIP, LZ4, ZSTD, LZ4_RAW",
        "--source=kafka",
        "--parquetCompression=brotli");
  }

  @Test
  public void aBadParquetCompressionFailsBeforeTheInputIsListed() throws IOException {
    // An empty input fails in HashInput ("No input files"): the option's error comes first.
    assertRefusedUntouched(
        "--parquetCompression=FAST is not a Parquet codec",
        "--input=" + temp.newFolder("empty"),
        "--parquetCompression=FAST");
  }

  @Test
  public void everyOtherInvalidOptionFailsBeforeAnythingIsContacted() throws IOException {
    String input = "--input=" + SAMPLES;
    assertRefusedUntouched(
        "--dropFields entries are kind:field", "--source=kafka", "--dropFields=customData");
    assertRefusedUntouched("no-such-kind", "--source=kafka", "--topics=no-such-kind=t");
    assertRefusedUntouched(
        "Cannot read the PII policy at",
        input,
        "--piiPolicy=" + temp.getRoot() + "/no-such-policy.json");
    assertRefusedUntouched(
        "--resume needs --runner=FlinkRunner", "--source=kafka", "--resume=true");
    assertRefusedUntouched(
        "--clickhouseBatchRows and --clickhouseBatchMegabytes must be at least 1",
        input,
        "--clickhouseBatchRows=0");
    assertRefusedUntouched(
        "--clickhouseFlushSeconds must be 0 or more", input, "--clickhouseFlushSeconds=-1");
    assertRefusedUntouched(
        "--clickhouseRetrySeconds must be 0 or more", input, "--clickhouseRetrySeconds=-1");
    // The command's month files are named by such run ids: a run taking one would replace them.
    for (String id : List.of("snapshot-2024-03", "snapshot", "fix-snapshot-2")) {
      assertRefusedUntouched(
          "--runId=" + id + ": a run id may not contain 'snapshot'", input, "--runId=" + id);
    }
  }

  @Test
  public void withValidOptionsPrepareWarehouseIsWhereClickHouseIsFirstReached() throws IOException {
    // The counting ClickHouse does see a run whose options are valid: the zeros above mean
    // something.
    DatalakeOptions options = options("--input=" + SAMPLES);
    RuntimeException e = assertThrows(RuntimeException.class, () -> DatalakePipeline.run(options));
    assertThat(e.getMessage(), containsString("this is no ClickHouse"));
    assertThat(clickhouseRequests.get(), greaterThan(0));
    assertThat(kafkaConnections.get(), equalTo(0));
  }
}
