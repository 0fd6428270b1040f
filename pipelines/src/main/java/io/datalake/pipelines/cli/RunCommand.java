package io.datalake.pipelines.cli;

import io.datalake.options.DatalakeOptions;
import io.datalake.options.SourceOptions;
import io.datalake.pipelines.DatalakePipeline;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.checkerframework.checker.nullness.qual.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ./datalake run [BEAM OPTIONS]}: the pipeline ({@link DatalakePipeline}), with what a run
 * on Flink needs added to its options. Every option is parsed and checked by Beam's {@link
 * PipelineOptionsFactory} first, so a refused option leaves nothing behind (no record, no job).
 *
 * <p>For a run on a Flink cluster (--flinkMaster=HOST:PORT, not the embedded [local], [auto] or
 * [collection]):
 *
 * <ul>
 *   <li>--fromSavepoint=PATH (ours) becomes Beam's --savepointPath=PATH;
 *   <li>--filesToStage=&lt;cluster jar&gt; unless given: without it Beam stages every jar of the
 *       classpath, i.e. the bundled jar with the Flink classes the cluster already has;
 *   <li>streaming runs are submitted detached (--attachedMode=false) unless said otherwise: the job
 *       outlives this command, {@code ./datalake jobs} and {@code ./datalake stop} manage it;
 *   <li>relative paths of the file options become absolute: the cluster's processes do not run in
 *       this folder (a relative --input reads nothing);
 *   <li>a --jobName, under which the arguments are recorded in $DATALAKE_HOME/flink/submissions so
 *       that {@code ./datalake stop} can print the exact command that resumes the job;
 *   <li>a local cluster must answer, and a parallelism above its slots is warned about.
 * </ul>
 *
 * <p>Without --runner the run is on the embedded FlinkRunner, for batch and streaming: Beam's
 * default, the DirectRunner, keeps a batch's grouping and streaming's open windows in the heap (it
 * ran out of memory on 305 MB at -Xmx1g). It stays for small trials when asked for, with a warning
 * above {@link #DIRECT_RUNNER_WARN_BYTES} of input and in streaming.
 *
 * <p>A streaming run on Flink keeps its checkpoints where --resume looks for them
 * (--checkpointDir): the cluster's checkpoint folder, or $DATALAKE_HOME/checkpoints for the
 * embedded cluster.
 */
@Command(
    name = "run",
    description =
        "Runs the pipeline with Beam options (--name=value). Without --runner it runs on the"
            + " embedded FlinkRunner (batch and streaming; it spills to disk, so any input fits"
            + " the default heap); --runner=DirectRunner is for small trials and is warned about"
            + " above 50 MB of input or in streaming. On a Flink cluster"
            + " (--runner=FlinkRunner --flinkMaster=HOST:PORT) it stages the cluster jar (unless"
            + " --filesToStage), makes relative paths absolute, checks the cluster answers and has"
            + " the slots, submits streaming jobs detached and records their options for 'stop'."
            + " A streaming run on Flink keeps its checkpoints under --checkpointDir/<jobName>"
            + " ($DATALAKE_HOME/checkpoints, or the cluster's). The pipeline's own options are"
            + " listed below.")
final class RunCommand implements Callable<Integer> {
  /** The options of DatalakeOptions that name files the workers open. */
  static final List<String> PATH_OPTIONS =
      List.of(
          "input",
          "lake",
          "piiKeyset",
          "piiPolicy",
          "clickhouseCredentialsFile",
          "kafkaPropertiesFile");

  private static final Pattern LOCAL_MASTER = Pattern.compile("(127\\.0\\.0\\.1|localhost):(\\d+)");
  private static final Pattern JOB_NAME = Pattern.compile("[A-Za-z0-9._-]+");
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

  @Spec CommandSpec spec;
  @Mixin Cli.HelpOption help;

  @Option(
      names = "--fromSavepoint",
      paramLabel = "PATH",
      description =
          "Resume a job on a Flink cluster from this savepoint (as ./datalake stop prints it);"
              + " becomes Beam's --savepointPath.")
  String fromSavepoint;

  @Parameters(
      paramLabel = "BEAM_OPTION",
      description = "--name=value options of the pipeline and its runner (listed below).")
  List<String> beamOptions = new ArrayList<>();

  /** Beam's parse of {@code args}, checked; its errors are IllegalArgumentExceptions. */
  static DatalakeOptions parse(List<String> args) {
    PipelineOptionsFactory.register(DatalakeOptions.class);
    return PipelineOptionsFactory.fromArgs(args.toArray(String[]::new))
        .withValidation()
        .as(DatalakeOptions.class);
  }

  @Override
  public Integer call() throws IOException {
    // Against the local ClickHouse, as its admin user unless credentials are named.
    Submission submission =
        prepare(
            new ArrayList<>(
                withLocalKafka(
                    Cli.withLocalAdmin(beamOptions), Cli.env("DATALAKE_KAFKA_BOOTSTRAP", null))));
    localS3Credentials(submission.args());
    try {
      DatalakePipeline.main(submission.args().toArray(String[]::new));
      if (submission.record() != null) {
        // The client accepted the options (it refuses secrets among them): keep them for stop.
        Files.move(
            pending(submission.record()),
            submission.record(),
            StandardCopyOption.REPLACE_EXISTING,
            StandardCopyOption.ATOMIC_MOVE);
      }
    } finally {
      // A failed or refused run leaves no record of its options behind.
      if (submission.record() != null) {
        Files.deleteIfExists(pending(submission.record()));
      }
    }
    if (submission.detachedJob() != null) {
      reportDetached(submission);
    }
    return 0;
  }

  /**
   * What is run, once the options are rewritten: the arguments, the record of them (null: none) and
   * the detached job's name (null: the run is attached).
   */
  record Submission(List<String> args, Path record, String detachedJob, String master) {}

  /** Checks the options and rewrites them for Flink; writes only the pending record. */
  Submission prepare(List<String> args) throws IOException {
    withDefaultRunner(args);
    DatalakeOptions options = parse(args);
    boolean onFlink = options.getRunner().getSimpleName().equals("FlinkRunner");
    boolean kafka = options.getSource() == SourceOptions.Source.kafka;
    String master = master(args, options);
    boolean embedded = embedded(master);
    // --resume restores only a checkpoint of the same job, kept under <checkpointDir>/<jobName>: a
    // name made up here would never find one.
    if (Boolean.TRUE.equals(options.getResume()) && !given(args, "jobName")) {
      throw new IllegalArgumentException(
          "--resume needs --jobName=NAME, the name the job ran under: each job keeps its"
              + " checkpoints in <checkpointDir>/NAME, and --resume restores only its own");
    }
    // An empty URL turns the warehouse off, which is what --clickhouseUrl=$DATALAKE_CLICKHOUSE_URL
    // gives when the variable is not set: given so, it is a mistake, not a choice.
    if (given(args, "clickhouseUrl") && options.getClickhouseUrl().isBlank()) {
      throw new IllegalArgumentException(
          "--clickhouseUrl is empty (an unset variable?): give the server's URL (the local one:"
              + " eval \"$(./datalake env)\" sets $DATALAKE_CLICKHOUSE_URL), or leave the option"
              + " out to write the lake only");
    }
    if (embedded && fromSavepoint != null) {
      throw new IllegalArgumentException(
          "--fromSavepoint needs a Flink cluster: --runner=FlinkRunner --flinkMaster=HOST:PORT"
              + " (./datalake flink up starts one)");
    }
    if (fromSavepoint != null) {
      if (given(args, "savepointPath")) {
        throw new IllegalArgumentException(
            "give either --fromSavepoint or --savepointPath, not both");
      }
      if (!(fromSavepoint.startsWith("/")
          || fromSavepoint.contains("://")
          || fromSavepoint.startsWith("file:"))) {
        throw new IllegalArgumentException(
            "--fromSavepoint="
                + fromSavepoint
                + ": give an absolute path or a URI (file:///..., s3://...), as ./datalake stop"
                + " prints it");
      }
    }
    if (onFlink && kafka && !given(args, "checkpointDir")) {
      Path dir = embedded ? Cli.home().resolve("checkpoints") : flinkDir().resolve("checkpoints");
      args.add("--checkpointDir=" + dir);
      String named = given(args, "jobName") ? options.getJobName() : "<jobName>";
      say(
          "checkpoints are kept under "
              + dir
              + "/"
              + named
              + " (--checkpointDir); --resume --jobName="
              + named
              + " restarts from the newest");
    }
    if (options.getRunner().getSimpleName().equals("DirectRunner")) {
      warnAboutDirectRunner(options, kafka);
    }
    if (clusterMaster(args, options, spec.commandLine().getOut(), spec.commandLine().getErr())
        == null) {
      return new Submission(args, null, null, master);
    }
    String jobName;
    if (given(args, "jobName")) {
      jobName = options.getJobName();
    } else {
      jobName =
          "datalake-" + options.getSource() + "-" + STAMP.format(ZonedDateTime.now(ZoneOffset.UTC));
      args.add("--jobName=" + jobName);
    }
    Path record = null;
    if (JOB_NAME.matcher(jobName).matches()) {
      // Kept (mode 600) only once the client has accepted the options: it refuses options that
      // hold secrets, and a refused command must leave no record of them (call()).
      record = submissionRecord(jobName);
      Files.createDirectories(record.getParent());
      Path pending = pending(record);
      Files.deleteIfExists(pending);
      Files.createFile(
          pending,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      StringBuilder nulSeparated = new StringBuilder();
      args.forEach(a -> nulSeparated.append(a).append('\0'));
      Files.writeString(pending, nulSeparated, StandardCharsets.UTF_8);
    } else {
      warn(
          "--jobName="
              + jobName
              + " has characters other than letters, digits, '.', '_', '-': ./datalake stop will"
              + " not know how to resume it");
    }
    if (fromSavepoint != null) {
      args.add("--savepointPath=" + fromSavepoint);
    }
    stageClusterJar(args);
    String detached = null;
    if (kafka && !given(args, "attachedMode")) {
      args.add("--attachedMode=false");
      detached = jobName;
    }
    say(
        "submitting job '"
            + jobName
            + "' to the Flink cluster at "
            + master
            + (fromSavepoint == null ? "" : ", resuming from " + fromSavepoint));
    return new Submission(args, record, detached, master);
  }

  /**
   * The DirectRunner is for small trials: it holds a batch's grouping by destination, and in
   * streaming every open window, in the heap. Above this much input (bytes on disk, summed over the
   * kinds' files) a run is warned: at the default -Xmx1g the DirectRunner ran out of memory on 305
   * MB, and its memory grows with the input, not with the heap.
   */
  static final long DIRECT_RUNNER_WARN_BYTES = 50L * 1000 * 1000;

  private void warnAboutDirectRunner(DatalakeOptions options, boolean kafka) {
    if (kafka) {
      warn(
          "--runner=DirectRunner keeps every open window in memory and takes no checkpoints (a"
              + " crash loses what it holds; --resume cannot restart it): for trials only. Leave"
              + " out --runner (the embedded FlinkRunner) for anything that must keep running");
      return;
    }
    long bytes = DirectRunnerInput.totalBytes(options);
    if (bytes > DIRECT_RUNNER_WARN_BYTES) {
      warn(
          String.format(
              java.util.Locale.ROOT,
              "--runner=DirectRunner on %,.0f MB of input (above %,d MB): the DirectRunner holds"
                  + " the whole batch's grouping in the heap (%,d MB here) and may run out of"
                  + " memory (it did on 305 MB at -Xmx1g). Leave out --runner, or give"
                  + " --runner=FlinkRunner, for the embedded Flink runner, which spills to disk",
              bytes / 1e6,
              DIRECT_RUNNER_WARN_BYTES / 1000 / 1000,
              Runtime.getRuntime().maxMemory() / 1024 / 1024));
    }
  }

  /**
   * The part of a submission to a Flink cluster that every command submitting a pipeline shares
   * (run, snapshot): null when {@code args} run on the embedded cluster ([local], [auto],
   * [collection] or no --flinkMaster); else the master, once it is checked to go with the
   * FlinkRunner, a local cluster answers (a parallelism above its slots is warned about) and the
   * relative paths of the file options are made absolute in {@code args} (the cluster's processes
   * do not run in this folder). The caller then adds its own options and {@link #stageClusterJar}.
   */
  static String clusterMaster(
      List<String> args, DatalakeOptions options, PrintWriter out, PrintWriter err) {
    String master = master(args, options);
    if (embedded(master)) {
      return null;
    }
    if (!options.getRunner().getSimpleName().equals("FlinkRunner")) {
      throw new IllegalArgumentException("--flinkMaster=" + master + " needs --runner=FlinkRunner");
    }
    checkLocalCluster(master, options.as(FlinkPipelineOptions.class).getParallelism(), err);
    absolutePaths(args, out);
    return master;
  }

  /** The --flinkMaster given, or "" (Beam's default, [auto]). */
  private static String master(List<String> args, DatalakeOptions options) {
    return given(args, "flinkMaster")
        ? options.as(FlinkPipelineOptions.class).getFlinkMaster()
        : "";
  }

  /** The embedded cluster, not a cluster of its own: [local], [auto], [collection] or none. */
  private static boolean embedded(String master) {
    return master.isEmpty() || master.matches("\\[(local|auto|collection)]");
  }

  /**
   * Stages the cluster jar unless --filesToStage is given: without it Beam stages every jar of the
   * classpath, i.e. the bundled jar with the Flink classes the cluster already has.
   */
  static void stageClusterJar(List<String> args) {
    if (!given(args, "filesToStage")) {
      args.add("--filesToStage=" + clusterJar());
    }
  }

  /**
   * The embedded FlinkRunner unless {@code args} name a runner, for every command that runs a
   * pipeline (run, snapshot). Beam's own default, the DirectRunner, holds all of a batch's
   * GroupByKey (the lake's grouping by destination) in the heap and ran out of memory on a 300 MB
   * input at -Xmx1g; the FlinkRunner sorts and spills to disk, so any input size fits the default
   * heap. Streaming too: the DirectRunner keeps every open window in the heap and cannot
   * checkpoint, so a crash loses what it held and --resume has nothing to restart from.
   */
  static void withDefaultRunner(List<String> args) {
    if (!given(args, "runner")) {
      args.add(0, "--runner=FlinkRunner");
    }
  }

  /** A local cluster must answer; a stream's parallelism above its slots waits, then fails. */
  private static void checkLocalCluster(String master, int parallelism, PrintWriter err) {
    Matcher local = LOCAL_MASTER.matcher(master);
    if (!local.matches()) {
      return;
    }
    FlinkRest.Overview overview;
    try {
      overview = new FlinkRest("http://" + master).overview();
    } catch (FlinkRest.Unreachable | FlinkRest.RestError e) {
      // A service down, not a wrong command line: exit 1, as for ClickHouse, Kafka or S3.
      throw new io.datalake.pipelines.ServiceUnavailableException(
          "no Flink cluster answers at "
              + master
              + "; ./datalake flink up starts one (./datalake flink status)",
          e);
    }
    int wanted = Math.max(parallelism, 1);
    if (wanted > overview.slotsTotal()) {
      say(
          err,
          "--parallelism="
              + wanted
              + " but the cluster has "
              + overview.slotsTotal()
              + " slot(s): a stream waits for slots, then fails (a batch runs its tasks in turns,"
              + " slower); ./datalake flink add-taskmanager adds one");
    }
  }

  /** Relative paths of the file options, made absolute: the cluster runs elsewhere. */
  private static void absolutePaths(List<String> args, PrintWriter out) {
    Path cwd = Path.of("").toAbsolutePath();
    for (int i = 0; i < args.size(); i++) {
      for (String name : PATH_OPTIONS) {
        String prefix = "--" + name + "=";
        String arg = args.get(i);
        if (!arg.startsWith(prefix)) {
          continue;
        }
        String value = arg.substring(prefix.length());
        if (!value.isEmpty() && !value.startsWith("/") && !value.contains("://")) {
          args.set(i, prefix + cwd.resolve(value));
          say(
              out,
              prefix + value + " is relative: the cluster gets " + prefix + cwd.resolve(value));
        }
      }
    }
  }

  /** Detached: the client returned once the cluster had the job; name its id. */
  private void reportDetached(Submission submission) {
    String name = submission.detachedJob();
    if (LOCAL_MASTER.matcher(submission.master()).matches()) {
      try {
        Optional<FlinkRest.Job> job =
            new FlinkRest("http://" + submission.master())
                .jobs().stream().filter(j -> j.name().equals(name)).findFirst();
        if (job.isPresent()) {
          String id = job.get().id();
          say(
              "submitted job "
                  + id
                  + " ("
                  + name
                  + "); ./datalake jobs show "
                  + id
                  + ", ./datalake stop "
                  + id);
          return;
        }
      } catch (FlinkRest.Unreachable | FlinkRest.RestError e) {
        // The job was accepted; only its id is unknown.
      }
    }
    say("submitted job '" + name + "' (detached); ./datalake jobs lists it");
  }

  /**
   * The local Kafka the launcher started ($DATALAKE_KAFKA_BOOTSTRAP, from DATALAKE_KAFKA_PORT) when
   * no --bootstrapServers is given: the option's default is the local broker on its default port,
   * and a broker moved to another port is still the local one ({@code ./datalake produce} writes to
   * it).
   */
  static List<String> withLocalKafka(List<String> args, @Nullable String local) {
    if (local == null || value(args, "bootstrapServers") != null) {
      return args;
    }
    List<String> with = new ArrayList<>(args);
    with.add("--bootstrapServers=" + local);
    return with;
  }

  /**
   * A run against the local S3Proxy (--endpoint=its URL) gets its keys the way the pipeline wants
   * them: from AWS's default provider chain, here system properties of this client set at run time
   * (not options, which Flink would show, nor the command line, which ps shows). Keys already
   * configured win.
   */
  static void localS3Credentials(List<String> args) {
    String endpoint = value(args, "endpoint");
    String local = System.getenv("DATALAKE_S3_ENDPOINT");
    String key = System.getenv("DATALAKE_S3_ACCESS_KEY");
    String secret = System.getenv("DATALAKE_S3_SECRET_KEY");
    if (endpoint == null || local == null || key == null || secret == null) {
      return;
    }
    String trimmed = endpoint.replaceFirst("/$", "");
    boolean isLocal =
        trimmed.equals(local.replaceFirst("/$", ""))
            || trimmed.equals(local.replaceFirst("/$", "").replace("127.0.0.1", "localhost"));
    if (!isLocal
        || System.getenv("AWS_ACCESS_KEY_ID") != null
        || System.getenv("AWS_PROFILE") != null) {
      return;
    }
    System.setProperty("aws.accessKeyId", key);
    System.setProperty("aws.secretAccessKey", secret);
  }

  /** Beam option {@code --name} is among {@code args}, with or without a value. */
  static boolean given(List<String> args, String name) {
    return args.stream().anyMatch(a -> a.equals("--" + name) || a.startsWith("--" + name + "="));
  }

  /** The value of {@code --name=value} in {@code args} (Beam refuses it twice), or null. */
  static String value(List<String> args, String name) {
    String prefix = "--" + name + "=";
    String found = null;
    for (String arg : args) {
      if (arg.startsWith(prefix)) {
        found = arg.substring(prefix.length());
      }
    }
    return found;
  }

  static Path flinkDir() {
    return Cli.home().resolve("flink");
  }

  /** Where the arguments of job {@code name} are recorded for ./datalake stop. */
  static Path submissionRecord(String name) {
    return flinkDir().resolve("submissions").resolve(name + ".args");
  }

  private static Path pending(Path record) {
    return record.resolveSibling(record.getFileName() + ".pending");
  }

  /** The jar staged to a Flink cluster: the pipelines without the Flink classes it has. */
  static Path clusterJar() {
    return Cli.projectDir()
        .toAbsolutePath()
        .resolve("pipelines/target/datalake-pipelines-cluster.jar")
        .normalize();
  }

  private void say(String message) {
    say(spec.commandLine().getOut(), message);
  }

  private static void say(PrintWriter to, String message) {
    to.println("datalake: " + message);
    to.flush();
  }

  private void warn(String message) {
    spec.commandLine().getErr().println("datalake: " + message);
  }
}
