package io.datalake.pipelines.cli;

import io.datalake.options.DatalakeOptions;
import io.datalake.pipelines.DatalakePipeline;
import io.datalake.transforms.pii.PiiCipher;
import io.datalake.transforms.pii.PiiKeyset;
import io.datalake.transforms.warehouse.ClickHouseClient;
import io.datalake.transforms.warehouse.Sql;
import io.datalake.transforms.warehouse.WarehouseTable;
import io.datalake.transforms.warehouse.WarehouseTables;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * The launcher's Java commands: {@code demo}, {@code keys create FILE}, {@code pii decrypt
 * --piiKeyset=FILE VALUE}, and the Flink job commands of {@link FlinkCommands}. The pipeline itself
 * is {@link DatalakePipeline}.
 */
public final class Cli {
  private Cli() {}

  public static void main(String[] args) throws IOException {
    if (args.length == 0) {
      usage();
      System.exit(2);
    }
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    switch (args[0]) {
      case "demo" -> demo(rest);
      case "keys" -> keys(rest);
      case "pii" -> pii(rest);
      case "tenants" -> tenants(rest);
      case "produce" -> produce(rest);
      case "jobs" -> System.exit(FlinkCommands.jobs(rest));
      case "stop" -> System.exit(FlinkCommands.stop(rest));
      case "flink" -> System.exit(FlinkCommands.flink(rest));
      default -> {
        System.err.println("datalake: unknown command " + args[0]);
        usage();
        System.exit(2);
      }
    }
  }

  private static void usage() {
    System.err.println(
        String.join(
            "\n",
            "usage:",
            "  demo [--lake=DIR] [beam options]   batch over the bundled samples into a local lake",
            "  keys create FILE                   write a new Tink AES-SIV keyset (mode 600)",
            "  pii decrypt --piiKeyset=FILE TOKEN print the plaintext of a pii:/piir: token",
            "  produce [--rate=N] [--duration=S] [--late-fraction=F] [--bad-fraction=F] [--bootstrapServers=H:P]",
            "                                     publish realistic events of every kind to Kafka",
            "  tenants [--clickhouseUrl=URL] [--clickhouseDatabase=DB]  tenants and their rows per table (FINAL)",
            "  jobs [--running] [--json|--ids] | jobs show JOB [--json]   jobs of the Flink cluster (REST API)",
            "  stop JOB [--no-drain] [--target=DIR] [--json]              stop-with-savepoint; prints the resume command",
            "  flink status [--json]                                      TaskManagers, slots, running jobs"));
  }

  /** The README's main command: the bundled samples through the batch pipeline, DirectRunner. */
  private static void demo(String[] args) {
    String project = System.getProperty("datalake.project.dir", ".");
    List<String> options = new ArrayList<>();
    options.add("--input=" + Path.of(project, "pipelines", "samples", "input"));
    options.add("--piiDevelopmentKeyset=true");
    boolean hasLake = false;
    for (String arg : args) {
      hasLake |= arg.startsWith("--lake=");
      options.add(arg);
    }
    if (!hasLake) {
      options.add("--lake=" + Path.of(project, ".datalake", "demo-lake"));
    }
    String clickhouse = localClickHouse();
    boolean hasClickHouse = options.stream().anyMatch(a -> a.startsWith("--clickhouseUrl="));
    if (!hasClickHouse && clickhouse != null) {
      options.add("--clickhouseUrl=" + clickhouse);
      hasClickHouse = true;
    } else if (!hasClickHouse) {
      System.out.println(
          "datalake: ClickHouse is not up (./datalake up): the demo writes the lake only");
    }
    DatalakeOptions parsed =
        PipelineOptionsFactory.fromArgs(options.toArray(String[]::new))
            .withValidation()
            .as(DatalakeOptions.class);
    DatalakePipeline.run(parsed);
    System.out.println("The lake is in " + parsed.getLake() + " (Hive-style partitions, Parquet).");
    System.out.println("Dead letters: " + parsed.getLake() + "/_dead_letters/<kind>/*.jsonl");
    System.out.println(
        "Decrypt a token (authorized users): ./datalake pii decrypt --piiDevelopmentKeyset pii:...");
    if (hasClickHouse) {
      ClickHouseClient client =
          new ClickHouseClient(parsed.getClickhouseUrl(), parsed.getClickhouseCredentialsFile());
      String sql =
          DemoQueries.OPPORTUNITIES_PER_MONTH_BY_SOURCE.replace(
              "{db}", Sql.identifier(parsed.getClickhouseDatabase()));
      System.out.println(
          "\nIn ClickHouse, opportunities created per month by journey source title (tenant 739224):\n"
              + sql);
      System.out.println(client.execute(sql + "\nFORMAT PrettyCompactNoEscapes"));
    }
  }

  /** The local ClickHouse the launcher started, when it answers. */
  private static String localClickHouse() {
    String url = System.getenv().getOrDefault("DATALAKE_CLICKHOUSE_URL", "http://127.0.0.1:8123");
    try {
      new ClickHouseClient(url, "").execute("SELECT 1");
      return url;
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static void produce(String[] args) throws IOException {
    if (java.util.Arrays.asList(args).contains("--help")) {
      System.out.println(
          String.join(
              "\n",
              "usage: produce [--rate=N] [--duration=S] [--late-fraction=F] [--bad-fraction=F] [--bootstrapServers=HOST:PORT]",
              "  Publishes realistic events of every kind (from the bundled samples: fresh ids, varied tenants",
              "  and PII, event times up to 20 s old and out of order) to one topic per kind, named like the",
              "  batch folders (the local broker creates missing topics).",
              "  --rate=N             events per second, all kinds together (100)",
              "  --duration=S         seconds (10)",
              "  --late-fraction=F    share of events hours to days old (0)",
              "  --bad-fraction=F     share of broken records, which become dead letters (0)",
              "  --bootstrapServers   Kafka (DATALAKE_KAFKA_BOOTSTRAP, else 127.0.0.1:9092)"));
      return;
    }
    java.util.Map<String, String> flags = new java.util.HashMap<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--")) {
        continue;
      }
      String[] kv = arg.substring(2).split("=", 2);
      if (kv.length == 2) {
        flags.put(kv[0], kv[1]);
      } else if (i + 1 < args.length) {
        flags.put(kv[0], args[++i]);
      }
    }
    String bootstrap =
        flags.getOrDefault(
            "bootstrapServers",
            System.getenv().getOrDefault("DATALAKE_KAFKA_BOOTSTRAP", "127.0.0.1:9092"));
    int rate = Integer.parseInt(flags.getOrDefault("rate", "100"));
    int duration = Integer.parseInt(flags.getOrDefault("duration", "10"));
    double late = Double.parseDouble(flags.getOrDefault("late-fraction", "0"));
    double bad = Double.parseDouble(flags.getOrDefault("bad-fraction", "0"));
    Path samples =
        Path.of(System.getProperty("datalake.project.dir", "."), "pipelines", "samples", "input");
    try {
      long sent = EventProducer.run(bootstrap, samples, rate, duration, late, bad);
      System.out.println(
          "datalake: produced "
              + sent
              + " events to "
              + bootstrap
              + " ("
              + rate
              + "/s for "
              + duration
              + " s)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void tenants(String[] args) {
    String url = System.getenv().getOrDefault("DATALAKE_CLICKHOUSE_URL", "http://127.0.0.1:8123");
    String database = "datalake";
    String credentials = "";
    for (String arg : args) {
      if (arg.startsWith("--clickhouseUrl=")) {
        url = arg.substring("--clickhouseUrl=".length());
      } else if (arg.startsWith("--clickhouseDatabase=")) {
        database = arg.substring("--clickhouseDatabase=".length());
      } else if (arg.startsWith("--clickhouseCredentialsFile=")) {
        credentials = arg.substring("--clickhouseCredentialsFile=".length());
      }
    }
    ClickHouseClient client = new ClickHouseClient(url, credentials);
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
    System.out.println(
        client.execute(
            "SELECT org_id AS tenant, table, rows FROM ("
                + union
                + ") ORDER BY tenant, table FORMAT PrettyCompactNoEscapes"));
  }

  private static void keys(String[] args) throws IOException {
    if (args.length != 2 || !args[0].equals("create")) {
      System.err.println("usage: keys create FILE");
      System.exit(2);
    }
    Path file = Path.of(args[1]);
    if (Files.exists(file)) {
      System.err.println("datalake: " + file + " exists; not overwriting a keyset");
      System.exit(1);
    }
    if (file.toAbsolutePath().getParent() != null) {
      Files.createDirectories(file.toAbsolutePath().getParent());
    }
    Files.createFile(
        file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(file, PiiCipher.newKeysetJson());
    System.out.println(
        "datalake: wrote a new AES-SIV keyset to " + file + " (keep it secret, back it up)");
  }

  private static void pii(String[] args) {
    String keysetFile = null;
    boolean development = false;
    List<String> tokens = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      if (args[i].startsWith("--piiKeyset=")) {
        keysetFile = args[i].substring("--piiKeyset=".length());
      } else if (args[i].equals("--piiKeyset") && i + 1 < args.length) {
        keysetFile = args[++i];
      } else if (args[i].startsWith("--piiDevelopmentKeyset")) {
        development = true;
      } else {
        tokens.add(args[i]);
      }
    }
    if (args.length == 0 || !args[0].equals("decrypt") || tokens.isEmpty()) {
      System.err.println("usage: pii decrypt --piiKeyset=FILE TOKEN...");
      System.exit(2);
    }
    PiiCipher cipher = PiiKeyset.fromOptions(keysetFile, development).cipher();
    int status = 0;
    for (String token : tokens) {
      try {
        System.out.println(cipher.decrypt(token));
      } catch (IllegalArgumentException e) {
        System.err.println("datalake: " + e.getMessage());
        status = 1;
      }
    }
    System.exit(status);
  }
}
