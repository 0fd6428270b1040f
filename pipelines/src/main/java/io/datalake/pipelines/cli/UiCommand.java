package io.datalake.pipelines.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.pipelines.cli.Cli.ClickHouseConnection;
import io.datalake.pipelines.cli.Cli.HelpOption;
import io.datalake.pipelines.ui.StatusPage;
import io.datalake.pipelines.ui.WarehouseStatus;
import io.datalake.transforms.freshness.Lineage;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.warehouse.ClickHouseClient;
import io.datalake.transforms.warehouse.WarehouseTables;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ./datalake ui [--port N]}: the status page ({@link StatusPage}) on 127.0.0.1, reading the
 * warehouse's freshness views as the admin ({@link WarehouseStatus}), the Flink cluster's jobs
 * ({@link FlinkRest}) and the lineage ({@link Lineage}). It runs until stopped (Ctrl-C, SIGTERM).
 */
@Command(
    name = "ui",
    description =
        "A status page on http://127.0.0.1:PORT/ (this machine only), refreshed every few seconds:"
            + " freshness per table and tenant with rows per minute over the last hour, dead"
            + " letters by kind and reason, the local Flink cluster's jobs and the lineage graph."
            + " It reads ClickHouse (as the admin) and Flink's REST API and writes nothing; a"
            + " source that does not answer is named on the page. Runs until Ctrl-C.")
final class UiCommand implements Callable<Integer> {
  static final int DEFAULT_PORT = 8090;
  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec CommandSpec spec;
  @Mixin HelpOption help;
  @Mixin ClickHouseConnection clickhouse;
  @Mixin FlinkCommands.RestOption flink;

  @Option(
      names = "--port",
      paramLabel = "N",
      defaultValue = "" + DEFAULT_PORT,
      description = "The port on 127.0.0.1 (default ${DEFAULT-VALUE}; 0: any free port).")
  int port;

  @Override
  public Integer call() throws InterruptedException {
    if (port < 0 || port > 65535) {
      throw new ParameterException(spec.commandLine(), "--port must be 0..65535, not " + port);
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    FlinkRest rest = FlinkRest.of(flink.url);
    ClickHouseClient client = clickhouse.admin();
    StatusPage page;
    try {
      page = StatusPage.start(port, sources(client, rest));
    } catch (BindException e) {
      err.println(
          "datalake: error: port "
              + port
              + " on 127.0.0.1 is taken (another ./datalake ui?); --port=N picks another, 0 any"
              + " free one");
      return 1;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot start the status page on port " + port, e);
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  page.close();
                  stopped.countDown();
                },
                "datalake-ui-stop"));
    out.println("datalake: the status page is on " + page.url() + " (Ctrl-C stops it)");
    out.println(
        "datalake: reading ClickHouse at "
            + clickhouse.url()
            + " (database "
            + clickhouse.database
            + ") and Flink at "
            + rest.url()
            + (answers(client) ? "" : "; ClickHouse does not answer now, the page says so"));
    out.flush();
    stopped.await();
    return 0;
  }

  private static boolean answers(ClickHouseClient client) {
    try {
      client.execute("SELECT 1");
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** The page's JSON endpoints, {@code /api/<name>}. */
  private Map<String, Supplier<JsonNode>> sources(ClickHouseClient client, FlinkRest rest) {
    WarehouseStatus warehouse =
        new WarehouseStatus(client, clickhouse.database, WarehouseTables.all());
    JsonNode lineage = lineage();
    Map<String, Supplier<JsonNode>> sources = new LinkedHashMap<>();
    sources.put("freshness", warehouse::freshness);
    sources.put("dead-letters", warehouse::deadLetters);
    sources.put("runs", warehouse::runs);
    sources.put("jobs", () -> jobs(rest));
    sources.put("lineage", () -> lineage);
    return sources;
  }

  /** The lineage of the built-in kinds, as {@code ./datalake lineage --json} prints it. */
  private static JsonNode lineage() {
    try {
      ObjectNode answer = (ObjectNode) JSON.readTree(Lineage.of(RecordKinds.builtIn()).toJson());
      answer.put("available", true);
      return answer;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the lineage's own JSON", e);
    }
  }

  /**
   * The cluster's overview and jobs (as {@code ./datalake jobs --json} shows each), or {@code
   * "available": false} with why: "no cluster" when nothing answers.
   */
  static JsonNode jobs(FlinkRest rest) {
    ObjectNode answer = JSON.createObjectNode();
    FlinkRest.Overview overview;
    try {
      overview = rest.overview();
    } catch (FlinkRest.Unreachable e) {
      answer.put("available", false);
      answer.put("reason", "no cluster: " + e.getMessage());
      return answer;
    }
    answer.put("available", true);
    answer.put("url", rest.url());
    answer.put("flink_version", overview.version());
    answer.put("task_managers", overview.taskManagers());
    answer.put("slots_total", overview.slotsTotal());
    answer.put("slots_free", overview.slotsFree());
    ArrayNode jobs = answer.putArray("jobs");
    for (FlinkRest.Job job : rest.jobs()) {
      jobs.add(JSON.valueToTree(FlinkCommands.jobJson(job)));
    }
    return answer;
  }
}
