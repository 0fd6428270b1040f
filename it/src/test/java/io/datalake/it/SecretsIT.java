package io.datalake.it;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.datalake.testing.Await;
import io.datalake.testing.LocalServices;
import io.datalake.testing.TestEvents;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.After;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Secrets stay secret: a streaming job on the local Flink session cluster, submitted with {@code
 * ./datalake run} as a user does, reads Kafka with a SASL JAAS config (through
 * --kafkaPropertiesFile and Kafka's FileConfigProvider), writes ClickHouse as a user with a
 * password (--clickhouseCredentialsFile) and the lake to S3 with keys from the environment (AWS's
 * default provider chain). Its rows arrive (so every reference resolved where the clients run),
 * then each known secret is looked for, and must be absent, in: Flink's REST job configuration
 * (what the web UI shows), the process list, what the launcher printed (run and the resume line of
 * stop), the launcher's files under .datalake (job records, configs, pids), every log, and the
 * checkpoint and savepoint files. Not searched: the blob stores of the JobManager and TaskManagers
 * (their tmp folders), which hold the serialized job graph, where the ClickHouse password sits
 * inside the ClickHouseIO transform by design.
 */
public class SecretsIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern SUBMITTED = Pattern.compile("submitted job ([0-9a-f]{32})");
  private static final Path PROJECT =
      Path.of(System.getProperty("datalake.project.dir", "..")).toAbsolutePath().normalize();
  private static final Path HOME =
      Path.of(env("DATALAKE_HOME", PROJECT.resolve(".datalake").toString()));
  private static final String REST_PORT = LocalServices.flinkRestPort();

  /**
   * The password of ClickHouse user secrets_it (it/services/clickhouse/users.xml has its SHA-256).
   */
  private static final String CLICKHOUSE_PASSWORD = "ch-it-secret-5f0c9e";

  private static final String BUCKET = env("DATALAKE_S3_BUCKET", "datalake");

  @Rule public final TemporaryFolder temp = new TemporaryFolder();
  private final String run = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
  private final String kafkaSecret = "kafka-it-secret-" + run;
  private final String database = "secrets_" + run;
  private boolean startedCluster;
  private String job;

  /** Whether a relative path lies below a folder of that name. */
  private static boolean inFolderNamed(Path relative, String name) {
    for (int i = 0; i < relative.getNameCount() - 1; i++) {
      if (relative.getName(i).toString().equals(name)) {
        return true;
      }
    }
    return false;
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }

  @After
  public void cleanUp() throws Exception {
    if (job != null && show(job).path("state").asText().equals("RUNNING")) {
      Launcher.run(180, "stop", job, "--no-drain");
    }
    LocalServices.dropWarehouse(database);
    if (startedCluster) {
      Launcher.run(120, "flink", "down").orFail("./datalake flink down");
    }
  }

  @Test
  public void noSecretInJobConfigProcessesLauncherFilesLogsOrCheckpoints() throws Exception {
    // The secrets, each in a file of mode 600 in a folder of mode 700, as a user would keep them.
    Path secrets = temp.newFolder("secrets").toPath();
    Files.setPosixFilePermissions(secrets, PosixFilePermissions.fromString("rwx------"));
    Path kafkaFile =
        privateFile(
            secrets.resolve("kafka.properties"),
            // security.protocol from the file too: were the reference not resolved on the workers,
            // "${file:...}" would be no protocol and no row would arrive.
            "security.protocol=PLAINTEXT\n"
                + "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required"
                + " username=\"datalake\" password=\""
                + kafkaSecret
                + "\";\n");
    Path clickhouseFile =
        privateFile(
            secrets.resolve("clickhouse.properties"),
            "user=secrets_it\npassword=" + CLICKHOUSE_PASSWORD + "\n");
    Map<String, String> secretsByName = new LinkedHashMap<>();
    secretsByName.put("the Kafka JAAS password", kafkaSecret);
    secretsByName.put("the ClickHouse password", CLICKHOUSE_PASSWORD);
    secretsByName.put(
        "the ClickHouse Basic authorization",
        Base64.getEncoder()
            .encodeToString(
                ("secrets_it:" + CLICKHOUSE_PASSWORD).getBytes(StandardCharsets.UTF_8)));
    secretsByName.put("the S3 secret key", LocalServices.s3SecretKey());

    // The S3 keys reach the cluster and the client in their environment only.
    Map<String, String> environment = LocalServices.awsEnvironment();
    if (Launcher.run(60, "flink", "status").exitCode() != 0) {
      Launcher.run(environment, 300, "flink", "up", "--taskmanagers", "1")
          .orFail("./datalake flink up");
      startedCluster = true;
    }
    LocalServices.createBucket(BUCKET);
    String topics = LocalServices.freshTopics(run);
    Instant now = Instant.now();
    List<String> events = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      events.add(TestEvents.journeyEvent("s-" + i, now.minusSeconds(i)));
    }
    LocalServices.produce("journey-events-" + run, events);

    Path checkpoints = temp.newFolder("checkpoints").toPath();
    String prefix = "secrets-" + run;
    Launcher.Result submitted =
        Launcher.run(
                environment,
                300,
                "run",
                "--runner=FlinkRunner",
                "--flinkMaster=127.0.0.1:" + REST_PORT,
                "--parallelism=1",
                "--checkpointingInterval=2000",
                "--checkpointDir=" + checkpoints,
                "--jobName=it-secrets-" + run,
                "--source=kafka",
                "--bootstrapServers=" + LocalServices.kafkaBootstrap(),
                "--consumerGroup=it-" + run,
                "--topics=" + topics,
                "--kafkaPropertiesFile=" + kafkaFile,
                "--lake=s3://" + BUCKET + "/" + prefix,
                "--awsRegion=" + LocalServices.REGION,
                "--endpoint=" + LocalServices.s3Endpoint(),
                "--piiDevelopmentKeyset=true",
                "--windowSeconds=5",
                "--maxOutOfOrdernessSeconds=2",
                "--clickhouseUrl=" + LocalServices.clickhouseUrl(),
                "--clickhouseDatabase=" + database,
                "--clickhouseCredentialsFile=" + clickhouseFile,
                "--clickhouseFlushSeconds=1")
            .orFail("./datalake run (streaming on the cluster)");
    Matcher m = SUBMITTED.matcher(submitted.output());
    assertThat("a job id in:\n" + submitted.output(), m.find(), equalTo(true));
    job = m.group(1);

    await(
        "every row in ClickHouse, the lake on S3 and a completed checkpoint",
        240,
        () ->
            LocalServices.finalRows(database, "journey_events") == events.size()
                && !LocalServices.download(BUCKET, prefix + "/journey_events/").isEmpty()
                && checkpointsCompleted(job) >= 1);

    // While the job runs: Flink's job configuration (the web UI shows the same) and the process
    // list.
    String config = rest("/jobs/" + job + "/config");
    assertThat(
        "the REST job config lists the options", config, containsString("kafkaPropertiesFile"));
    List<String> leaks = new ArrayList<>();
    look(leaks, "Flink's REST /jobs/" + job + "/config", config, secretsByName);
    look(leaks, "Flink's REST /jobs/" + job, rest("/jobs/" + job), secretsByName);
    look(leaks, "the output of ./datalake run", submitted.output(), secretsByName);
    String processes = processList();
    look(
        leaks,
        "the process list (ps -eww)",
        processes,
        Map.of(
            "the Kafka JAAS password",
            kafkaSecret,
            "the ClickHouse password",
            CLICKHOUSE_PASSWORD));
    // The local S3Proxy's key is shared by every checkout on this machine: only this checkout's
    // processes (their command lines name it) are ours to answer for.
    String ours =
        processes
            .lines()
            .filter(l -> l.contains(PROJECT.toString()) || l.contains(HOME.toString()))
            .reduce("", (a, b) -> a + b + "\n");
    assertThat("our processes are in the list", ours.isEmpty(), equalTo(false));
    look(
        leaks,
        "this checkout's processes",
        ours,
        Map.of("the S3 secret key", LocalServices.s3SecretKey()));

    // The checkpoints while the job runs (a stopped job's checkpoints are deleted by Flink).
    int checkpointFiles = 0;
    for (Path file : files(checkpoints)) {
      try {
        look(
            leaks,
            file.toString(),
            new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1),
            secretsByName);
        checkpointFiles++;
      } catch (java.nio.file.NoSuchFileException e) {
        // subsumed by a newer checkpoint meanwhile
      }
    }
    assertThat(
        "checkpoint files were searched", checkpointFiles, org.hamcrest.Matchers.greaterThan(0));

    // Stop with a savepoint: the resume line the launcher prints, then the files.
    Launcher.Result stopped = Launcher.run(300, "stop", job).orFail("./datalake stop");
    assertThat(stopped.output(), containsString("--kafkaPropertiesFile="));
    look(leaks, "the output of ./datalake stop (the resume line)", stopped.output(), secretsByName);
    job = null;

    Path flink = HOME.resolve("flink");
    List<Path> searched = new ArrayList<>();
    searched.addAll(files(checkpoints)); // what is left of them
    // Flink's own tmp and web folders hold the serialized job graph (the ClickHouse password sits
    // there by design); judged relative to the Flink folder, so a checkout under /tmp is searched.
    searched.addAll(
        files(
            flink,
            p ->
                !inFolderNamed(flink.relativize(p), "tmp")
                    && !inFolderNamed(flink.relativize(p), "web")));
    for (String service : List.of("clickhouse", "kafka", "s3proxy")) {
      searched.addAll(files(HOME.resolve(service).resolve("log")));
    }
    searched.addAll(files(HOME.resolve("run")));
    searched.addAll(files(HOME.resolve("log")));
    Path record = flink.resolve("submissions").resolve("it-secrets-" + run + ".args");
    assertThat(
        "the job's record is among the searched files", searched.contains(record), equalTo(true));
    assertThat(
        "savepoint files were searched",
        searched.stream().anyMatch(p -> p.startsWith(flink.resolve("savepoints"))),
        equalTo(true));
    assertThat(
        "Flink's logs were searched",
        searched.stream().anyMatch(p -> p.startsWith(flink.resolve("log"))),
        equalTo(true));
    for (Path file : searched) {
      look(
          leaks,
          file.toString(),
          new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1),
          secretsByName);
    }
    assertThat("secrets found (where: which)", leaks, empty());
    // The search finds a secret where one is (S3Proxy's own config must hold its key).
    List<String> control = new ArrayList<>();
    Path s3proxyConf = HOME.resolve("s3proxy").resolve("s3proxy.conf");
    look(control, s3proxyConf.toString(), Files.readString(s3proxyConf), secretsByName);
    assertThat(control, equalTo(List.of(s3proxyConf + ": the S3 secret key")));

    // Files holding keys or job records are ours only; so are the services' folders.
    assertThat(mode(record), equalTo("rw-------"));
    assertThat(mode(HOME.resolve("s3proxy").resolve("s3proxy.conf")), equalTo("rw-------"));
    // The home may keep search (x, never r or w) for others while PostgreSQL's folder is in it:
    // the server runs as the postgres user and PANICs when it cannot reach its files.
    for (Path dir : List.of(HOME, flink)) {
      boolean searchAllowed = dir.equals(HOME) && Files.isDirectory(HOME.resolve("postgres"));
      Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(dir);
      assertThat(
          dir + " is not open to others: " + PosixFilePermissions.toString(permissions),
          permissions.stream()
              .filter(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))
              .allMatch(p -> searchAllowed && p.name().endsWith("_EXECUTE")),
          equalTo(true));
    }
    System.out.println(
        "SecretsIT: searched "
            + checkpointFiles
            + " checkpoint files, "
            + searched.size()
            + " files of the launcher, Flink and the services, the REST job config, "
            + processes.lines().count()
            + " processes and the launcher's output: no secret found");
  }

  private static Path privateFile(Path path, String content) throws IOException {
    Files.createFile(
        path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(path, content);
    return path;
  }

  /** Adds "where: which secret" to leaks for each secret in text (never the secret itself). */
  private static void look(
      List<String> leaks, String where, String text, Map<String, String> secrets) {
    secrets.forEach(
        (name, secret) -> {
          if (text.contains(secret)) {
            leaks.add(where + ": " + name);
          }
        });
  }

  private static List<Path> files(Path root) throws IOException {
    return files(root, p -> true);
  }

  private static List<Path> files(Path root, java.util.function.Predicate<Path> keep)
      throws IOException {
    if (!Files.exists(root)) {
      return List.of();
    }
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.filter(Files::isRegularFile).filter(keep).filter(Files::isReadable).toList();
    }
  }

  private static String mode(Path path) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
  }

  private static String processList() throws Exception {
    Process ps =
        new ProcessBuilder("ps", "-eww", "-o", "pid=,args=").redirectErrorStream(true).start();
    String out = new String(ps.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    ps.waitFor();
    return out;
  }

  private static String rest(String path) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + REST_PORT + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat("GET " + path + ": " + response.body(), response.statusCode(), equalTo(200));
    return response.body();
  }

  private static long checkpointsCompleted(String job) {
    try {
      return JSON.readTree(rest("/jobs/" + job + "/checkpoints"))
          .path("counts")
          .path("completed")
          .asLong();
    } catch (Exception | AssertionError e) {
      return 0;
    }
  }

  private static JsonNode show(String job) {
    try {
      return JSON.readTree(Launcher.run(60, "jobs", "show", job, "--json").output());
    } catch (Exception e) {
      return JSON.createObjectNode();
    }
  }

  private void await(String what, int seconds, BooleanSupplier condition) throws Exception {
    Await.until(
        what,
        seconds,
        1000,
        condition,
        () ->
            "; job "
                + job
                + ": "
                + show(job)
                + "; rows "
                + LocalServices.finalRows(database, "journey_events"));
  }
}
