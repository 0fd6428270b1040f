package io.datalake.pipelines.cli;

import io.datalake.pipelines.cli.Cli.ClickHouseConnection;
import io.datalake.pipelines.cli.Cli.HelpOption;
import io.datalake.pipelines.ui.WarehouseStatus;
import io.datalake.transforms.freshness.FreshnessViews;
import io.datalake.transforms.freshness.Lineage;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.model.TenantId;
import io.datalake.transforms.warehouse.ClickHouseClient;
import io.datalake.transforms.warehouse.ClickHouseClient.ClickHouseException;
import io.datalake.transforms.warehouse.RunsTable;
import io.datalake.transforms.warehouse.Sql;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ./datalake freshness [--tenant ORG]} (the warehouse's {@code datalake_freshness}, or what
 * one tenant's user sees of it), {@code ./datalake runs} (the latest runs of {@code datalake_runs},
 * the lost ones named) and {@code ./datalake lineage [--json|--dot]} (every table's sources, from
 * the kind descriptors).
 */
final class FreshnessCommands {
  private FreshnessCommands() {}

  @Command(
      name = "freshness",
      description =
          "Per warehouse table and tenant: newest event time, last write, lag, rows in the last"
              + " hour and day, late rows; dead letters in the last hour by reason (with --tenant,"
              + " that tenant's own).")
  static final class Freshness implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin HelpOption help;
    @Mixin ClickHouseConnection clickhouse;

    @Option(
        names = "--tenant",
        paramLabel = "ORG",
        description =
            "Only this tenant's rows, read from its own view (what its user sees): its tables and"
                + " its own dead letters; those without a tenant are the admin's.")
    String tenant;

    @Option(
        names = "--json",
        description = "One JSON object per row (ClickHouse's JSONEachRow) instead of a table.")
    boolean json;

    @Override
    public Integer call() {
      if (tenant != null && !TenantId.isValid(tenant)) {
        throw new ParameterException(spec.commandLine(), "--tenant is not a tenant id: " + tenant);
      }
      ClickHouseClient client = clickhouse.admin();
      String view =
          tenant == null ? FreshnessViews.FRESHNESS : FreshnessViews.tenantViewName(tenant);
      String sql =
          "SELECT * FROM "
              + Sql.identifier(clickhouse.database)
              + "."
              + Sql.identifier(view)
              // Tables first (by table, tenant), then the dead letters (most in the last hour).
              + " ORDER BY dead_letter_reason != '', `table`, org_id,"
              + " dead_letters_last_hour DESC, dead_letter_reason"
              + (json ? " FORMAT JSONEachRow" : " FORMAT PrettyCompactNoEscapes");
      return printAnswer(
          spec,
          client,
          sql,
          "",
          tenant == null
              ? WarehouseStatus.missingViewHint(clickhouse.database, view)
              : "no "
                  + view
                  + " in "
                  + clickhouse.database
                  + ": the tenant has no rows in the warehouse yet, or no run has"
                  + " prepared this warehouse");
    }
  }

  /**
   * Prints what ClickHouse answers to {@code sql} ({@code ifEmpty} for nothing); a missing table,
   * view or database is one line with {@code missingHint}, exit code 1.
   */
  private static int printAnswer(
      CommandSpec spec, ClickHouseClient client, String sql, String ifEmpty, String missingHint) {
    String answer;
    try {
      answer = client.execute(sql);
    } catch (ClickHouseException e) {
      if (WarehouseStatus.isMissing(e)) {
        spec.commandLine().getErr().println("datalake: " + missingHint);
        return 1;
      }
      throw e;
    }
    spec.commandLine().getOut().print(answer.isEmpty() ? ifEmpty : answer);
    spec.commandLine().getOut().flush();
    return 0;
  }

  @Command(
      name = "runs",
      description =
          "The latest pipeline runs that wrote to the warehouse (datalake_runs): state (lost: its"
              + " JVM stopped without writing its end, silent for 5 minutes), start, end, when"
              + " last heard of, records in, dead letters, runner, lake.")
  static final class Runs implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin HelpOption help;
    @Mixin ClickHouseConnection clickhouse;

    @Option(
        names = "--limit",
        paramLabel = "N",
        defaultValue = "20",
        description = "How many runs, the latest started first (default ${DEFAULT-VALUE}).")
    int limit;

    @Option(
        names = "--json",
        description = "One JSON object per run (ClickHouse's JSONEachRow) instead of a table.")
    boolean json;

    @Override
    public Integer call() {
      if (limit < 1) {
        throw new ParameterException(spec.commandLine(), "--limit must be at least 1: " + limit);
      }
      String sql =
          "SELECT run_id, mode, if("
              + RunsTable.lostCondition()
              + ", 'lost', state) AS state,"
              // UTC whatever the server's time zone (the table's times are UTC instants).
              + " toString(started_at, 'UTC') AS started_utc,"
              + " toString(ended_at, 'UTC') AS ended_utc,"
              + " toString(alive_at, 'UTC') AS alive_utc,"
              // Top-level keys of a batch's counts, written before its per-table maps.
              + " if(counts = '{}', NULL, visitParamExtractUInt(counts, 'input_records'))"
              + " AS records_in,"
              + " if(counts = '{}', NULL, visitParamExtractUInt(counts, 'dead_letters'))"
              + " AS dead_letters, runner, lake FROM "
              + Sql.identifier(clickhouse.database)
              + "."
              + Sql.identifier(RunsTable.NAME)
              + " FINAL ORDER BY started_at DESC, run_id LIMIT "
              + limit
              + (json ? " FORMAT JSONEachRow" : " FORMAT PrettyCompactNoEscapes");
      return printAnswer(
          spec,
          clickhouse.admin(),
          sql,
          json ? "" : "No runs recorded in " + clickhouse.database + " yet.\n",
          WarehouseStatus.missingViewHint(clickhouse.database, RunsTable.NAME));
    }
  }

  @Command(
      name = "lineage",
      description =
          "Every table's sources (kind, input folder, topic, steps; derived tables and their"
              + " rules), from the kind descriptors: as text, JSON or Graphviz dot.")
  static final class LineageCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin HelpOption help;

    @Option(names = "--json", description = "Nodes and edges as JSON (for a status page).")
    boolean json;

    @Option(names = "--dot", description = "A Graphviz graph (dot -Tsvg draws it).")
    boolean dot;

    @Override
    public Integer call() {
      if (json && dot) {
        throw new ParameterException(spec.commandLine(), "--json and --dot exclude each other");
      }
      Lineage lineage = Lineage.of(RecordKinds.builtIn());
      if (json) {
        spec.commandLine().getOut().print(lineage.toJson());
      } else if (dot) {
        spec.commandLine().getOut().print(lineage.toDot());
      } else {
        StringBuilder text = new StringBuilder();
        for (Lineage.Node node : lineage.nodes()) {
          if (node.role() == Lineage.Role.KIND) {
            continue;
          }
          text.append(node.id()).append("  (").append(node.detail()).append(")\n");
          for (Lineage.Edge edge : lineage.sourcesOf(node.id())) {
            text.append("  <- ")
                .append(edge.from())
                .append(": ")
                .append(edge.relation())
                .append(edge.steps().isEmpty() ? "" : "; steps " + String.join(" > ", edge.steps()))
                .append('\n');
          }
        }
        spec.commandLine().getOut().print(text);
      }
      spec.commandLine().getOut().flush();
      return 0;
    }
  }
}
