package io.datalake.pipelines.cli;

import io.datalake.options.DatalakeOptions;
import io.datalake.pipelines.SnapshotPipeline;
import java.io.PrintWriter;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ./datalake snapshot --lake=L --months=2024-01..2024-12 [BEAM OPTIONS]}: the monthly
 * snapshot rows computed again from the lake ({@link SnapshotPipeline}), month after month in
 * order, each seeded by the month before it. This is how a month is corrected after operations
 * later than the allowed lateness reached the lake: rerun it and every month after it.
 */
@Command(
    name = "snapshot",
    description =
        "Computes the monthly snapshot rows (SnapshotOperation) of entity_operations from the lake,"
            + " month after month: month M from each tenant's snapshot of M-1 plus its operations"
            + " of M-1, or from its full history when it has no snapshot of M-1. Replaces the"
            + " month's snapshot files (part-snapshot-YYYY-MM-*.parquet in each tenant's day=01"
            + " partition) and, with --clickhouseUrl, its snapshot rows in ClickHouse (new"
            + " _version, older rows deleted). Takes the pipeline's options (--lake, the keyset,"
            + " --runner, --clickhouse*, S3's); './datalake run --help' lists them. Like 'run', it runs"
            + " on the embedded FlinkRunner unless --runner names another. On a Flink"
            + " cluster (--runner=FlinkRunner --flinkMaster=HOST:PORT) it stages the cluster jar"
            + " (unless --filesToStage), makes relative paths absolute and checks the cluster"
            + " answers, as 'run' does; each month is one batch job.")
final class SnapshotCommand implements Callable<Integer> {
  private static final Pattern RANGE = Pattern.compile("(\\d{4}-\\d{2})(?:\\.\\.(\\d{4}-\\d{2}))?");

  @Spec CommandSpec spec;
  @Mixin Cli.HelpOption help;

  @Option(
      names = "--months",
      required = true,
      paramLabel = "FROM..TO",
      description =
          "The months to compute, in order: YYYY-MM..YYYY-MM (both included) or one YYYY-MM.")
  String months;

  @Parameters(
      paramLabel = "BEAM_OPTION",
      description = "--name=value options of the pipeline and its runner (--lake is required).")
  List<String> beamOptions = new ArrayList<>();

  /** The months of {@code range} ({@code YYYY-MM..YYYY-MM} or {@code YYYY-MM}), in order. */
  static List<YearMonth> months(String range) {
    Matcher m = RANGE.matcher(range == null ? "" : range.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "--months=" + range + ": give YYYY-MM..YYYY-MM (e.g. 2024-01..2024-12) or one YYYY-MM");
    }
    YearMonth from;
    YearMonth to;
    try {
      from = YearMonth.parse(m.group(1));
      to = m.group(2) == null ? from : YearMonth.parse(m.group(2));
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          "--months=" + range + ": not a month (" + e.getMessage() + ")");
    }
    if (to.isBefore(from)) {
      throw new IllegalArgumentException(
          "--months=" + range + " ends before it starts: give the earlier month first");
    }
    List<YearMonth> all = new ArrayList<>();
    for (YearMonth month = from; !month.isAfter(to); month = month.plusMonths(1)) {
      all.add(month);
    }
    return all;
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    List<YearMonth> range = months(months);
    // As `run` does: the local admin's credentials when writing to the local ClickHouse.
    List<String> args = new ArrayList<>(Cli.withLocalAdmin(beamOptions));
    RunCommand.withDefaultRunner(args);
    // Checked before anything is read or written.
    DatalakeOptions options = RunCommand.parse(args);
    // On a Flink cluster, as `run`: a local cluster must answer, relative paths become absolute,
    // and the cluster jar is staged (each month is one batch job, submitted attached).
    if (RunCommand.clusterMaster(args, options, out, spec.commandLine().getErr()) != null) {
      RunCommand.stageClusterJar(args);
      options = RunCommand.parse(args);
    }
    SnapshotPipeline.validate(options);
    RunCommand.localS3Credentials(args);
    long rows = 0;
    long deadLetters = 0;
    for (YearMonth month : range) {
      SnapshotPipeline.MonthResult result = SnapshotPipeline.run(options, month);
      rows += result.rows();
      deadLetters += result.deadLetters();
      out.printf(
          "datalake: snapshot of %s: %d row(s); %d tenant(s) from their snapshot of %s, %d from"
              + " their full history; %d old snapshot file(s) removed%s%s%n",
          month,
          result.rows(),
          result.seededTenants(),
          month.minusMonths(1),
          result.fullHistoryTenants(),
          result.removedFiles(),
          options.getClickhouseUrl() == null || options.getClickhouseUrl().isBlank()
              ? ""
              : "; ClickHouse _version " + result.version(),
          result.deadLetters() == 0 ? "" : "; " + result.deadLetters() + " DEAD LETTER(S)");
      out.flush();
    }
    out.printf(
        "datalake: snapshots of %s..%s written to %s: %d row(s)%n",
        range.get(0), range.get(range.size() - 1), options.getLake(), rows);
    if (deadLetters > 0) {
      spec.commandLine()
          .getErr()
          .printf(
              "datalake: %d snapshot row(s) were refused (lake or ClickHouse): see %s/_dead_letters%n",
              deadLetters, options.getLake());
      return 1;
    }
    return 0;
  }
}
