package io.datalake.pipelines.cli;

import io.datalake.transforms.lake.iceberg.IcebergCatalogConfig;
import io.datalake.transforms.lake.iceberg.IcebergLakeAdmin;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ./datalake lake tables|history|rollback}: the Iceberg lake's tables, a table's snapshots
 * (time, rows added, the run that wrote them) and a rollback to an earlier snapshot. The catalog is
 * named by the pipeline's own options ({@code --lake}, {@code --icebergCatalog}, ...).
 */
@Command(
    name = "lake",
    description = "The Iceberg lake (--lakeFormat=iceberg): tables, history, rollback.",
    subcommands = {
      LakeCommands.Tables.class,
      LakeCommands.History.class,
      LakeCommands.Rollback.class
    })
final class LakeCommands extends Cli.Group {

  /** The catalog options, as the pipeline takes them. */
  static final class CatalogOptions {
    @Option(
        names = "--lake",
        paramLabel = "DIR",
        description = "The lake root (the default Iceberg warehouse); default: the demo's lake.")
    String lake;

    @Option(
        names = "--icebergCatalog",
        paramLabel = "hadoop|jdbc",
        defaultValue = "hadoop",
        description = "The catalog (default: ${DEFAULT-VALUE}).")
    String catalog;

    @Option(
        names = "--icebergWarehouse",
        paramLabel = "DIR",
        description = "The warehouse folder or s3:// prefix; default: --lake.")
    String warehouse;

    @Option(
        names = "--icebergCatalogUri",
        paramLabel = "JDBC_URL",
        description = "The jdbc catalog's URL (no password in it).")
    String uri;

    @Option(
        names = "--icebergCatalogCredentialsFile",
        paramLabel = "FILE",
        description = "user= and password= of the jdbc catalog.")
    String credentialsFile;

    @Option(
        names = "--icebergNamespace",
        paramLabel = "NAME",
        defaultValue = IcebergCatalogConfig.DEFAULT_NAMESPACE,
        description = "The namespace (default: ${DEFAULT-VALUE}).")
    String namespace;

    IcebergCatalogConfig config() {
      String root =
          warehouse != null && !warehouse.isBlank()
              ? warehouse
              : lake != null && !lake.isBlank()
                  ? lake
                  : Cli.projectDir().resolve(".datalake/demo-lake").toString();
      return new IcebergCatalogConfig(catalog, root, uri, credentialsFile, namespace);
    }
  }

  @Command(name = "tables", description = "The lake's Iceberg tables: snapshots, rows, files.")
  static final class Tables implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Cli.HelpOption help;
    @Mixin CatalogOptions catalog;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      IcebergCatalogConfig config = catalog.config();
      out.printf(
          "%-24s %9s %20s %10s %7s  %s%n",
          "table", "snapshots", "current snapshot", "rows", "files", "last commit (UTC)");
      for (IcebergLakeAdmin.TableState t : IcebergLakeAdmin.tables(config)) {
        out.printf(
            "%-24s %9d %20s %10d %7d  %s%n",
            t.name(),
            t.snapshots(),
            t.currentSnapshot() == null ? "-" : t.currentSnapshot(),
            t.rows(),
            t.files(),
            t.committed() == null ? "-" : t.committed());
      }
      return 0;
    }
  }

  @Command(
      name = "history",
      description = "A table's snapshots, oldest first: time, operation, rows added, run id.")
  static final class History implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Cli.HelpOption help;
    @Mixin CatalogOptions catalog;

    @Parameters(index = "0", paramLabel = "TABLE", description = "e.g. journey_events")
    String table;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      out.printf(
          "%-20s %-24s %-10s %10s %10s  %-18s %-8s%n",
          "snapshot", "time (UTC)", "operation", "rows added", "rows", "run", "writer");
      for (IcebergLakeAdmin.SnapshotEntry s : IcebergLakeAdmin.history(catalog.config(), table)) {
        out.printf(
            "%-20d %-24s %-10s %10d %10d  %-18s %-8s%s%n",
            s.id(),
            s.time(),
            s.operation(),
            s.addedRows(),
            s.totalRows(),
            s.runId() == null ? "-" : s.runId(),
            s.writer() == null ? "-" : s.writer(),
            s.current() ? "  (current)" : "");
      }
      return 0;
    }
  }

  @Command(
      name = "rollback",
      description =
          "Makes an earlier snapshot of TABLE current again (readers see the table as it was).")
  static final class Rollback implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Cli.HelpOption help;
    @Mixin CatalogOptions catalog;

    @Parameters(index = "0", paramLabel = "TABLE", description = "e.g. journey_events")
    String table;

    @Parameters(index = "1", paramLabel = "SNAPSHOT", description = "a snapshot id of its history")
    String snapshot;

    @Override
    public Integer call() {
      long id;
      try {
        id = Long.parseLong(snapshot);
      } catch (NumberFormatException e) {
        throw new ParameterException(
            spec.commandLine(), "SNAPSHOT is a snapshot id (a number), got " + snapshot);
      }
      IcebergLakeAdmin.rollback(catalog.config(), table, id);
      spec.commandLine()
          .getOut()
          .println("datalake: " + table + " is at snapshot " + id + " again");
      return 0;
    }
  }
}
