package io.datalake.pipelines.cli;

import io.datalake.options.DatalakeOptions;
import io.datalake.pipelines.DatalakePipeline;
import io.datalake.pipelines.PreRunSteps;
import io.datalake.pipelines.ServiceUnavailableException;
import io.datalake.transforms.pii.PiiCipher;
import io.datalake.transforms.pii.PiiKeyset;
import io.datalake.transforms.warehouse.ClickHouseClient;
import io.datalake.transforms.warehouse.Sql;
import io.datalake.transforms.warehouse.WarehouseTable;
import io.datalake.transforms.warehouse.WarehouseTables;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.iceberg.exceptions.NoSuchNamespaceException;
import org.apache.iceberg.exceptions.NoSuchTableException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The one command line of the project (picocli): {@code run} (the pipeline, with the rewriting a
 * Flink cluster needs), {@code demo}, {@code keys}, {@code pii}, {@code tenants}, {@code produce},
 * and the Flink job commands of {@link FlinkCommands}. The launcher ({@code ./datalake}) hands it
 * every command that is not about starting or stopping local services.
 *
 * <p>Anything the user typed wrong (an unknown option, a bad value, a refused combination) ends as
 * one line {@code datalake: error: ...} on stderr and exit code 2, before any side effect.
 */
@Command(
    name = "datalake",
    description = "The data lake's Java commands (the launcher ./datalake runs them).",
    subcommands = {
      RunCommand.class,
      SnapshotCommand.class,
      Cli.Demo.class,
      Cli.Keys.class,
      Cli.Pii.class,
      Cli.Tenants.class,
      LakeCommands.class,
      Credentials.class,
      FreshnessCommands.Freshness.class,
      FreshnessCommands.Runs.class,
      FreshnessCommands.LineageCommand.class,
      UiCommand.class,
      Cli.Produce.class,
      FlinkCommands.Jobs.class,
      FlinkCommands.Stop.class,
      FlinkCommands.Flink.class
    })
public final class Cli implements Callable<Integer> {
  static final int USAGE = 2;

  @Spec CommandSpec spec;
  @Mixin HelpOption help;

  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(), "missing command");
  }

  public static void main(String[] args) {
    System.exit(execute(System.out, System.err, args));
  }

  /** Runs the command line {@code args}; returns its exit code (tests run commands in-process). */
  public static int execute(PrintStream out, PrintStream err, String... args) {
    return commandLine(
            new PrintWriter(out, true, StandardCharsets.UTF_8),
            new PrintWriter(err, true, StandardCharsets.UTF_8))
        .execute(args);
  }

  /** What a command line printed, on stdout and stderr, and its exit code. */
  public record Outcome(int code, String out, String err) {}

  /** Runs the command line {@code args} in this JVM and returns what it printed and its code. */
  public static Outcome executeCapturing(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        execute(
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            args);
    return new Outcome(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  static CommandLine commandLine(PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(new Cli());
    cli.setOut(out);
    cli.setErr(err);
    cli.setUsageHelpAutoWidth(true);
    // `run --help` ends with the pipeline's options as Beam itself lists them (their
    // @Descriptions and defaults): rendered only when asked for, Beam's reflection is not free.
    CommandLine run = cli.getSubcommands().get("run");
    run.setUnmatchedOptionsArePositionalParams(true);
    run.getHelpSectionMap()
        .put(
            CommandLine.Model.UsageMessageSpec.SECTION_KEY_FOOTER,
            h -> {
              ByteArrayOutputStream beamHelp = new ByteArrayOutputStream();
              PrintStream stream = new PrintStream(beamHelp, true, StandardCharsets.UTF_8);
              PipelineOptionsFactory.register(RunHelpOptions.class);
              PipelineOptionsFactory.printHelp(stream, RunHelpOptions.class);
              return "%nPipeline options (Beam's PipelineOptionsFactory parses them):%n".formatted()
                  + runnerDefault(beamHelp.toString(StandardCharsets.UTF_8));
            });
    cli.getSubcommands().get("demo").setUnmatchedOptionsArePositionalParams(true);
    cli.getSubcommands().get("snapshot").setUnmatchedOptionsArePositionalParams(true);
    cli.setParameterExceptionHandler((e, args) -> usageError(e.getCommandLine(), e.getMessage()));
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          // Refused input found once the command runs: a value out of range, a combination, an
          // option Beam does not know or cannot convert. Anything else is a failure of the run
          // itself and keeps its stack trace.
          if (e instanceof ParameterException || e instanceof IllegalArgumentException) {
            return usageError(commandLine, e.getMessage());
          }
          if (e instanceof ServiceUnavailableException) {
            return serviceError(commandLine, e.getMessage());
          }
          if (e instanceof ClickHouseClient.ClickHouseException clickhouse
              && PreRunSteps.clickhouseHint(clickhouse) != null
              && !commandLine.getCommandSpec().name().equals("run")) {
            // freshness, tenants, lineage...: the server is down or elsewhere, or refuses the
            // user. (A run converts its own before it starts; after the job, its summary says
            // what was written.)
            return serviceError(
                commandLine, e.getMessage() + ". " + PreRunSteps.clickhouseHint(clickhouse));
          }
          if ((e instanceof NoSuchTableException || e instanceof NoSuchNamespaceException)
              && commandLine.getCommandSpec().qualifiedName(" ").startsWith("datalake lake ")) {
            // The lake commands on a lake the catalog does not know: most often a lake written
            // with another catalog than the one the command was given (the default is hadoop).
            return usageError(
                commandLine,
                e.getMessage()
                    + ": no such Iceberg table or namespace in the catalog the command was given."
                    + " Give the same --icebergCatalog, --icebergCatalogUri, --icebergWarehouse"
                    + " and --icebergNamespace (or --lake) as the runs that wrote the lake");
          }
          throw e;
        });
    return cli;
  }

  /**
   * Beam's help says what {@code PipelineOptions} defaults to (the DirectRunner); {@code ./datalake
   * run} chooses the embedded FlinkRunner when no {@code --runner} is given.
   */
  static String runnerDefault(String beamHelp) {
    return beamHelp.replaceFirst(
        "(--runner=<Class>\\R\\s+)Default: DirectRunner",
        "$1Default: FlinkRunner, on an embedded cluster (./datalake run's choice)");
  }

  /** One line on stderr, naming the command's help; exit code 2. */
  private static int usageError(CommandLine commandLine, String message) {
    String command = commandLine.getCommandSpec().qualifiedName(" ");
    commandLine
        .getErr()
        .println(
            "datalake: error: "
                + oneLine(message)
                + " ("
                + command.replaceFirst("^datalake", "./datalake")
                + " --help)");
    return USAGE;
  }

  /** One line on stderr for a service that did not answer; exit code 1. */
  private static int serviceError(CommandLine commandLine, String message) {
    commandLine.getErr().println("datalake: error: " + oneLine(message));
    return 1;
  }

  /** Beam's option errors span lines (a list of properties, a hint): one line of them. */
  static String oneLine(String message) {
    return message == null ? "(no message)" : message.strip().replaceAll("\\s*\\R\\s*", " ");
  }

  /** {@code -h, --help} on every command. */
  static final class HelpOption {
    @Option(
        names = {"-h", "--help"},
        usageHelp = true,
        description = "Show this help and exit.")
    boolean help;
  }

  /** A command that only groups subcommands ({@code keys create}, {@code jobs show}...). */
  abstract static class Group implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin HelpOption help;

    @Override
    public Integer call() {
      throw new ParameterException(
          spec.commandLine(),
          "missing subcommand: " + String.join(" | ", spec.subcommands().keySet()));
    }
  }

  /** The project folder the launcher names; the current folder otherwise. */
  static Path projectDir() {
    return Path.of(System.getProperty("datalake.project.dir", "."));
  }

  /** The launcher's state folder ($DATALAKE_HOME). */
  static Path home() {
    String home = System.getProperty("datalake.home");
    return home == null ? projectDir().resolve(".datalake") : Path.of(home);
  }

  /**
   * The ClickHouse credentials file a command uses: the one given, else the local admin's that
   * {@code ./datalake up} writes ($DATALAKE_CLICKHOUSE_CREDENTIALS_FILE) when it exists, else none
   * (then CLICKHOUSE_USER and CLICKHOUSE_PASSWORD, else user default).
   */
  static String adminCredentialsFile(String given) {
    if (given != null && !given.isBlank()) {
      return given;
    }
    String local = System.getenv("DATALAKE_CLICKHOUSE_CREDENTIALS_FILE");
    return local != null && !local.isBlank() && Files.isReadable(Path.of(local)) ? local : "";
  }

  /**
   * The options with the local admin's credentials file added when they write to the local
   * ClickHouse ($DATALAKE_CLICKHOUSE_URL) and name no credentials of their own (neither
   * --clickhouseCredentialsFile nor CLICKHOUSE_USER): a run against another server is left alone.
   */
  static List<String> withLocalAdmin(List<String> args) {
    String local = System.getenv("DATALAKE_CLICKHOUSE_URL");
    String file = adminCredentialsFile(null);
    boolean toLocal =
        local != null
            && !local.isBlank()
            && args.stream()
                .anyMatch(
                    a ->
                        a.equals("--clickhouseUrl=" + local)
                            || a.equals("--clickhouseUrl=" + local + "/"));
    boolean ownCredentials =
        args.stream().anyMatch(a -> a.startsWith("--clickhouseCredentialsFile"))
            || System.getenv("CLICKHOUSE_USER") != null;
    if (!toLocal || ownCredentials || file.isEmpty()) {
      return args;
    }
    List<String> with = new ArrayList<>(args);
    with.add("--clickhouseCredentialsFile=" + file);
    return with;
  }

  static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }

  // ------------------------------------------------------------------ demo

  @Command(
      name = "demo",
      description =
          "The bundled samples through the batch pipeline (DirectRunner) into a local lake, and into the local ClickHouse when it answers; then a query of the warehouse.")
  static final class Demo implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin HelpOption help;

    @Option(
        names = "--lake",
        paramLabel = "DIR",
        description = "The lake (default: <project>/.datalake/demo-lake).")
    String lake;

    @Parameters(
        paramLabel = "BEAM_OPTION",
        description = "More pipeline options, --name=value (./datalake run --help lists them).")
    List<String> beamOptions = new ArrayList<>();

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      List<String> options = new ArrayList<>();
      options.add("--input=" + projectDir().resolve("pipelines/samples/input"));
      options.add("--piiDevelopmentKeyset=true");
      options.add("--lake=" + (lake != null ? lake : projectDir().resolve(".datalake/demo-lake")));
      options.addAll(beamOptions);
      boolean hasClickHouse = beamOptions.stream().anyMatch(a -> a.startsWith("--clickhouseUrl="));
      String clickhouse = hasClickHouse ? null : localClickHouse();
      // Every option is checked before the run (and before the ClickHouse tables exist).
      DatalakeOptions parsed = RunCommand.parse(withLocalAdmin(options));
      if (clickhouse != null) {
        parsed.setClickhouseUrl(clickhouse);
        if (parsed.getClickhouseCredentialsFile().isBlank()) {
          parsed.setClickhouseCredentialsFile(adminCredentialsFile(null));
        }
        hasClickHouse = true;
      } else if (!hasClickHouse) {
        out.println(
            "datalake: ClickHouse is not up (./datalake up): the demo writes the lake only");
      }
      DatalakePipeline.run(parsed);
      if (parsed.getLakeFormat() == io.datalake.options.LakeFormatOptions.LakeFormat.iceberg) {
        out.println(
            "The lake is in Iceberg tables (namespace "
                + parsed.getIcebergNamespace()
                + ", "
                + parsed.getIcebergCatalog()
                + " catalog, warehouse "
                + (parsed.getIcebergWarehouse().isBlank()
                    ? parsed.getLake()
                    : parsed.getIcebergWarehouse())
                + ").");
      } else {
        out.println("The lake is in " + parsed.getLake() + " (Hive-style partitions, Parquet).");
      }
      out.println("Dead letters: " + parsed.getLake() + "/_dead_letters/<kind>/*.jsonl");
      out.println(
          "Decrypt a token (authorized users): ./datalake pii decrypt --piiDevelopmentKeyset pii:...");
      if (hasClickHouse) {
        ClickHouseClient client =
            new ClickHouseClient(parsed.getClickhouseUrl(), parsed.getClickhouseCredentialsFile());
        // The README's 18.16 form of the documented query, run in the warehouse database as a
        // client connected there runs it.
        String sql =
            DemoQueries.OPPORTUNITIES_BY_SOURCE.clickHouse1816(
                DemoQueries.DEMO_ORG, DemoQueries.DEMO_JOURNEY, DemoQueries.DEMO_APP);
        out.println(
            "\nIn ClickHouse (database "
                + parsed.getClickhouseDatabase()
                + "), opportunities created per journey source title and month, tenant "
                + DemoQueries.DEMO_ORG
                + ":\n"
                + sql);
        out.println(
            client.execute(
                sql + "\nFORMAT PrettyCompactNoEscapes", parsed.getClickhouseDatabase()));
      }
      return 0;
    }

    /** The local ClickHouse the launcher started, when it answers. */
    private static String localClickHouse() {
      String url = env("DATALAKE_CLICKHOUSE_URL", "http://127.0.0.1:8123");
      try {
        new ClickHouseClient(url, adminCredentialsFile(null)).execute("SELECT 1");
        return url;
      } catch (RuntimeException e) {
        return null;
      }
    }
  }

  // ------------------------------------------------------------------ produce

  @Command(
      name = "produce",
      description =
          "Publishes realistic events of every kind (from the bundled samples: fresh ids, varied tenants and PII, event times up to 20 s old and out of order) to one topic per kind, named like the batch folders (the local broker creates missing topics).")
  static final class Produce implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin HelpOption help;

    @Option(
        names = "--rate",
        paramLabel = "N",
        defaultValue = "100",
        description = "Events per second, all kinds together (default ${DEFAULT-VALUE}).")
    int rate;

    @Option(
        names = "--duration",
        paramLabel = "S",
        defaultValue = "10",
        description = "Seconds (default ${DEFAULT-VALUE}).")
    int duration;

    @Option(
        names = "--late-fraction",
        paramLabel = "F",
        defaultValue = "0",
        description = "Share of events hours to days old, 0..1 (default ${DEFAULT-VALUE}).")
    double lateFraction;

    @Option(
        names = "--bad-fraction",
        paramLabel = "F",
        defaultValue = "0",
        description =
            "Share of broken records, which become dead letters, 0..1 (default ${DEFAULT-VALUE}).")
    double badFraction;

    @Option(
        names = "--bootstrapServers",
        paramLabel = "HOST:PORT",
        description = "Kafka (default: $DATALAKE_KAFKA_BOOTSTRAP, else 127.0.0.1:9092).")
    String bootstrapServers;

    @Option(
        names = "--entities",
        paramLabel = "N",
        defaultValue = "0",
        description =
            "Reuse N entities: only entity operations, event n on entity n %% N (a create first,"
                + " then mostly updates, a few relation operations, soft deletes and restores), each"
                + " entity with its own tenant and a detail of 1-4 KB; what the monthly roll-up"
                + " keeps state for. 0: every event of every kind is new (default ${DEFAULT-VALUE}).")
    long entities;

    @Override
    public Integer call() throws IOException {
      CommandLine cl = spec.commandLine();
      if (entities < 0) {
        throw new ParameterException(cl, "--entities must be 0 or more, not " + entities);
      }
      if (rate <= 0) {
        throw new ParameterException(cl, "--rate must be a positive number, not " + rate);
      }
      if (duration <= 0) {
        throw new ParameterException(cl, "--duration must be a positive number, not " + duration);
      }
      fraction(cl, "--late-fraction", lateFraction);
      fraction(cl, "--bad-fraction", badFraction);
      String bootstrap =
          bootstrapServers != null
              ? bootstrapServers
              : env("DATALAKE_KAFKA_BOOTSTRAP", "127.0.0.1:9092");
      Path samples = projectDir().resolve("pipelines/samples/input");
      try {
        long sent =
            EventProducer.run(
                bootstrap, samples, rate, duration, lateFraction, badFraction, entities);
        cl.getOut()
            .printf(
                "datalake: produced %d events to %s (%d/s for %d s)%n",
                sent, bootstrap, rate, duration);
        return 0;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return 1;
      }
    }

    private static void fraction(CommandLine cl, String name, double value) {
      if (!(value >= 0 && value <= 1)) {
        throw new ParameterException(cl, name + " must be between 0 and 1, not " + value);
      }
    }
  }

  // ------------------------------------------------------------------ tenants

  /** The warehouse a command reads or changes, as the admin user. */
  static final class ClickHouseConnection {
    @Option(
        names = "--clickhouseUrl",
        paramLabel = "URL",
        description =
            "ClickHouse's HTTP API (default: $DATALAKE_CLICKHOUSE_URL, else http://127.0.0.1:8123).")
    String url;

    @Option(
        names = "--clickhouseDatabase",
        paramLabel = "DB",
        defaultValue = "datalake",
        description = "The warehouse database (default ${DEFAULT-VALUE}).")
    String database;

    @Option(
        names = "--clickhouseCredentialsFile",
        paramLabel = "FILE",
        description =
            "user=/password= lines for ClickHouse, in a file (default:"
                + " $DATALAKE_CLICKHOUSE_CREDENTIALS_FILE, the local admin's, which ./datalake up"
                + " writes, when it exists).")
    String credentials;

    String url() {
      return url != null ? url : env("DATALAKE_CLICKHOUSE_URL", "http://127.0.0.1:8123");
    }

    ClickHouseClient admin() {
      return new ClickHouseClient(url(), adminCredentialsFile(credentials));
    }
  }

  @Command(name = "tenants", description = "Tenants and their rows per warehouse table (FINAL).")
  static final class Tenants implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin HelpOption help;

    @Mixin ClickHouseConnection clickhouse;

    @Override
    public Integer call() {
      ClickHouseClient client = clickhouse.admin();
      String database = clickhouse.database;
      StringBuilder union = new StringBuilder();
      for (WarehouseTable table : WarehouseTables.all()) {
        if (union.length() > 0) {
          union.append(" UNION ALL ");
        }
        union
            .append("SELECT org_id, '")
            .append(table.name())
            .append("' AS table, count() AS rows FROM ")
            .append(Sql.identifier(database))
            .append('.')
            .append(Sql.identifier(table.name()))
            .append(" FINAL GROUP BY org_id");
      }
      spec.commandLine()
          .getOut()
          .println(
              client.execute(
                  "SELECT org_id AS tenant, table, rows FROM ("
                      + union
                      + ") ORDER BY tenant, table FORMAT PrettyCompactNoEscapes"));
      return 0;
    }
  }

  // ------------------------------------------------------------------ keys

  @Command(name = "keys", description = "PII keysets.", subcommands = Keys.Create.class)
  static final class Keys extends Group {

    @Command(name = "create", description = "Writes a new Tink AES-SIV keyset (mode 600).")
    static final class Create implements Callable<Integer> {
      @Spec CommandSpec spec;
      @Mixin HelpOption help;

      @Parameters(paramLabel = "FILE", description = "The keyset file; never overwritten.")
      Path file;

      @Override
      public Integer call() throws IOException {
        if (Files.exists(file)) {
          spec.commandLine()
              .getErr()
              .println("datalake: error: " + file + " exists; not overwriting a keyset");
          return 1;
        }
        if (file.toAbsolutePath().getParent() != null) {
          Files.createDirectories(file.toAbsolutePath().getParent());
        }
        Files.createFile(
            file,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, PiiCipher.newKeysetJson());
        spec.commandLine()
            .getOut()
            .println(
                "datalake: wrote a new AES-SIV keyset to "
                    + file
                    + " (keep it secret, back it up)");
        return 0;
      }
    }
  }

  // ------------------------------------------------------------------ pii

  @Command(name = "pii", description = "PII tokens.", subcommands = Pii.Decrypt.class)
  static final class Pii extends Group {

    @Command(
        name = "decrypt",
        description = "Prints the plaintext of pii:/piir: tokens, one a line (authorized users).")
    static final class Decrypt implements Callable<Integer> {
      @Spec CommandSpec spec;
      @Mixin HelpOption help;

      @Option(names = "--piiKeyset", paramLabel = "FILE", description = "The Tink keyset.")
      String keyset;

      @Option(
          names = "--piiDevelopmentKeyset",
          arity = "0..1",
          fallbackValue = "true",
          description = "The PUBLIC development keyset (what ./datalake demo encrypts with).")
      boolean development;

      @Parameters(paramLabel = "TOKEN", arity = "1..*", description = "pii:... or piir:...")
      List<String> tokens;

      @Override
      public Integer call() {
        PiiCipher cipher = PiiKeyset.fromOptions(keyset, development).cipher();
        int status = 0;
        for (String token : tokens) {
          try {
            spec.commandLine().getOut().println(cipher.decrypt(token));
          } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("datalake: error: " + e.getMessage());
            status = 1;
          }
        }
        return status;
      }
    }
  }
}
