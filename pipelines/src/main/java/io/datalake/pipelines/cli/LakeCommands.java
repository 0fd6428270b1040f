package io.datalake.pipelines.cli;

import io.datalake.transforms.lake.iceberg.IcebergCatalogConfig;
import io.datalake.transforms.lake.iceberg.IcebergCompaction;
import io.datalake.transforms.lake.iceberg.IcebergLakeAdmin;
import io.datalake.transforms.lake.iceberg.IcebergOrphanFiles;
import io.datalake.transforms.lake.iceberg.IcebergS3FileIO;
import io.datalake.transforms.lake.iceberg.IcebergSnapshotExpiry;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.List;
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
    description =
        "The Iceberg lake (--lakeFormat=iceberg): tables, history, rollback, compact, expire,"
            + " orphans.",
    subcommands = {
      LakeCommands.Tables.class,
      LakeCommands.History.class,
      LakeCommands.Rollback.class,
      LakeCommands.Compact.class,
      LakeCommands.Expire.class,
      LakeCommands.Orphans.class
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

    @Option(
        names = "--endpoint",
        paramLabel = "URL",
        description =
            "An S3-compatible store's URL for an s3:// warehouse (S3Proxy, MinIO), as the"
                + " pipeline's --endpoint; path-style requests. Default: AWS itself.")
    String endpoint;

    @Option(
        names = "--awsRegion",
        paramLabel = "REGION",
        description = "The S3 region, as the pipeline's --awsRegion; default: the SDK's chain.")
    String awsRegion;

    /**
     * The catalog as the pipeline names it: an s3:// warehouse is reached through the same
     * --endpoint and --awsRegion, its keys found the same way (the AWS SDK's default chain; the
     * local S3Proxy's keys from the launcher's environment, as for ./datalake run).
     */
    IcebergCatalogConfig config() {
      String root =
          warehouse != null && !warehouse.isBlank()
              ? warehouse
              : lake != null && !lake.isBlank()
                  ? lake
                  : Cli.projectDir().resolve(".datalake/demo-lake").toString();
      if (endpoint != null && !endpoint.isBlank()) {
        RunCommand.localS3Credentials(List.of("--endpoint=" + endpoint));
      }
      return new IcebergCatalogConfig(catalog, root, uri, credentialsFile, namespace)
          .withS3(new IcebergS3FileIO(endpoint, awsRegion));
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

  @Command(
      name = "compact",
      description =
          "Rewrites TABLE's small data files into larger ones, per partition and run, in one"
              + " RewriteFiles commit (operation replace): the same rows, fewer files. Earlier"
              + " snapshots still read the small files until they expire (lake expire).")
  static final class Compact implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Cli.HelpOption help;
    @Mixin CatalogOptions catalog;

    @Parameters(index = "0", paramLabel = "TABLE", description = "e.g. journey_events")
    String table;

    @Option(
        names = "--target-file-size-mb",
        paramLabel = "N",
        defaultValue = "" + IcebergCompaction.DEFAULT_TARGET_FILE_SIZE_MB,
        description =
            "Size of the files written (default: ${DEFAULT-VALUE}); files under 3/4 of it are"
                + " rewritten.")
    int targetFileSizeMb;

    @Option(names = "--tenant", paramLabel = "ORG", description = "Only this tenant's partitions.")
    String tenant;

    @Option(
        names = "--since",
        paramLabel = "YYYY-MM-DD",
        description = "Only partitions of event times on or after this day (UTC).")
    String since;

    @Override
    public Integer call() {
      LocalDate from;
      try {
        from = since == null ? null : LocalDate.parse(since);
      } catch (DateTimeParseException e) {
        throw new ParameterException(
            spec.commandLine(), "--since is a day, YYYY-MM-DD, got " + since);
      }
      if (targetFileSizeMb <= 0) {
        throw new ParameterException(
            spec.commandLine(), "--target-file-size-mb must be positive, got " + targetFileSizeMb);
      }
      IcebergCompaction.Result r =
          IcebergCompaction.compact(
              catalog.config(),
              IcebergCompaction.Request.of(table, targetFileSizeMb, tenant, from));
      PrintWriter out = spec.commandLine().getOut();
      if (r.snapshotId() == null) {
        out.println("datalake: " + table + " has no small files to compact");
      } else {
        out.printf(
            "datalake: compacted %s: %d files (%d bytes) into %d (%d bytes), %d rows in %d"
                + " partitions; snapshot %d%n",
            table,
            r.filesRewritten(),
            r.bytesRewritten(),
            r.filesWritten(),
            r.bytesWritten(),
            r.rows(),
            r.partitions(),
            r.snapshotId());
      }
      return 0;
    }
  }

  @Command(
      name = "expire",
      description =
          "Expires the snapshots older than N days of TABLE (or of every table with --all) and"
              + " deletes the files only they referenced; the current snapshot always stays.")
  static final class Expire implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Cli.HelpOption help;
    @Mixin CatalogOptions catalog;

    @Parameters(index = "0", arity = "0..1", paramLabel = "TABLE", description = "or --all")
    String table;

    @Option(names = "--all", description = "Every table of the namespace.")
    boolean all;

    @Option(
        names = "--older-than-days",
        paramLabel = "N",
        defaultValue = "" + IcebergSnapshotExpiry.DEFAULT_KEEP_DAYS,
        description = "Snapshots older than this many days expire (default: ${DEFAULT-VALUE}).")
    int olderThanDays;

    @Override
    public Integer call() {
      if (all == (table != null)) {
        throw new ParameterException(spec.commandLine(), "give either TABLE or --all");
      }
      Instant cutoff;
      try {
        cutoff = IcebergSnapshotExpiry.cutoff(olderThanDays, Instant.now());
      } catch (IllegalArgumentException e) {
        throw new ParameterException(
            spec.commandLine(), "--older-than-days must be 0 or more, got " + olderThanDays);
      }
      List<IcebergSnapshotExpiry.Result> results =
          all
              ? IcebergSnapshotExpiry.expireAll(catalog.config(), cutoff)
              : List.of(IcebergSnapshotExpiry.expire(catalog.config(), table, cutoff));
      PrintWriter out = spec.commandLine().getOut();
      out.printf("%-24s %9s %12s %14s%n", "table", "expired", "data files", "metadata files");
      for (IcebergSnapshotExpiry.Result r : results) {
        out.printf(
            "%-24s %9d %12d %14d%n",
            r.table(), r.expiredSnapshots(), r.deletedDataFiles(), r.deletedOther());
      }
      out.println("datalake: snapshots before " + cutoff + " expired (the current one stays)");
      return 0;
    }
  }

  @Command(
      name = "orphans",
      description =
          "Lists the data files under the tables' data/ folders that no snapshot references"
              + " (written but never committed), older than --older-than-hours; --delete"
              + " removes them.")
  static final class Orphans implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Cli.HelpOption help;
    @Mixin CatalogOptions catalog;

    @Option(names = "--delete", description = "Delete the files listed.")
    boolean delete;

    @Option(
        names = "--older-than-hours",
        paramLabel = "N",
        defaultValue = "" + IcebergOrphanFiles.DEFAULT_OLDER_THAN_HOURS,
        description =
            "Only files last changed more than N hours ago (default: ${DEFAULT-VALUE}): a running"
                + " job's files are not committed yet.")
    int olderThanHours;

    @Option(
        names = "--no-running-jobs",
        description =
            "Confirms that no job writes to these tables now: needed for --delete with"
                + " --older-than-hours below "
                + IcebergOrphanFiles.DEFAULT_OLDER_THAN_HOURS
                + ".")
    boolean noRunningJobs;

    @Override
    public Integer call() {
      if (olderThanHours < 0) {
        throw new ParameterException(
            spec.commandLine(), "--older-than-hours must be 0 or more, got " + olderThanHours);
      }
      if (delete
          && olderThanHours < IcebergOrphanFiles.DEFAULT_OLDER_THAN_HOURS
          && !noRunningJobs) {
        // Iceberg's own remove_orphan_files refuses an interval under 24 hours the same way: a
        // running job's files are unreferenced until its commit.
        throw new ParameterException(
            spec.commandLine(),
            "--delete with --older-than-hours below "
                + IcebergOrphanFiles.DEFAULT_OLDER_THAN_HOURS
                + " deletes the files of any job still writing to these tables before it commits"
                + " them; add --no-running-jobs if none is");
      }
      List<IcebergOrphanFiles.Orphan> orphans =
          IcebergOrphanFiles.find(
              catalog.config(), Duration.ofHours(olderThanHours), Instant.now(), delete);
      PrintWriter out = spec.commandLine().getOut();
      long bytes = 0;
      for (IcebergOrphanFiles.Orphan o : orphans) {
        out.printf("%-24s %10d  %s  %s%n", o.table(), o.bytes(), o.modified(), o.location());
        bytes += o.bytes();
      }
      out.printf(
          "datalake: %d orphan file(s), %d bytes, older than %d hours%s%n",
          orphans.size(),
          bytes,
          olderThanHours,
          delete ? ": deleted" : orphans.isEmpty() ? "" : " (--delete removes them)");
      return 0;
    }
  }
}
