package io.datalake.pipelines.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.datalake.transforms.warehouse.ClickHouseClient;
import io.datalake.transforms.warehouse.ClickHouseWarehouseIO;
import io.datalake.transforms.warehouse.RunsTable;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The commands about jobs on a Flink cluster, through its REST API ({@link FlinkRest}): {@code
 * jobs}, {@code jobs show JOB}, {@code stop JOB} and the REST part of {@code flink status}, each a
 * picocli subcommand of {@link Cli}. Each returns an exit code: 0 done, 1 failed, 2 usage, 3 Flink
 * not reachable.
 */
final class FlinkCommands {
  static final int OK = 0;
  static final int FAILED = 1;
  static final int USAGE = 2;
  static final int UNREACHABLE = 3;

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'").withZone(ZoneOffset.UTC);
  private static final long POLL_MILLIS = 500;

  private final PrintWriter out;
  private final PrintWriter err;

  FlinkCommands(PrintWriter out, PrintWriter err) {
    this.out = out;
    this.err = err;
  }

  /** {@code --flinkRest=URL}, shared by every command that talks to the cluster. */
  static final class RestOption {
    @Option(
        names = "--flinkRest",
        paramLabel = "URL",
        description =
            "The JobManager's REST API (default: $"
                + FlinkRest.ENV
                + ", else "
                + FlinkRest.DEFAULT_URL
                + ").")
    String url;
  }

  /** The cluster's answers turned into exit codes: unreachable 3, an error of Flink's 1. */
  private int guarded(RestOption option, java.util.function.ToIntFunction<FlinkRest> command) {
    try {
      return command.applyAsInt(FlinkRest.of(option.url));
    } catch (FlinkRest.Unreachable e) {
      err.println("datalake: error: " + e.getMessage());
      return UNREACHABLE;
    } catch (FlinkRest.RestError | IllegalArgumentException | IllegalStateException e) {
      err.println("datalake: error: " + e.getMessage());
      return FAILED;
    }
  }

  private static FlinkCommands of(CommandSpec spec) {
    return new FlinkCommands(spec.commandLine().getOut(), spec.commandLine().getErr());
  }

  // ------------------------------------------------------------------ picocli commands

  @Command(
      name = "jobs",
      description =
          "The jobs of the Flink cluster, newest first: id, state, start (UTC), duration, name. JOB (of 'jobs show', 'stop'): a job id or a unique prefix of one.",
      subcommands = Show.class)
  static final class Jobs implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Cli.HelpOption help;
    @Mixin RestOption rest;

    @Option(names = "--running", description = "Only the jobs that have not ended.")
    boolean running;

    @Option(names = "--json", description = "A JSON array instead of the table.")
    boolean json;

    @Option(names = "--ids", description = "Only the job ids, one a line.")
    boolean ids;

    @Override
    public Integer call() {
      if (json && ids) {
        throw new ParameterException(spec.commandLine(), "--json and --ids exclude each other");
      }
      FlinkCommands c = of(spec);
      return c.guarded(rest, r -> c.jobs(r, running, json, ids));
    }
  }

  @Command(
      name = "show",
      description =
          "One job: state, restarts, checkpoints (latest, restored), last failure, and the TaskManager of every subtask.")
  static final class Show implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Cli.HelpOption help;
    @Mixin RestOption rest;

    @Parameters(paramLabel = "JOB", description = "A job id or a unique prefix of one.")
    String job;

    @Option(names = "--json", description = "JSON instead of text.")
    boolean json;

    @Override
    public Integer call() {
      FlinkCommands c = of(spec);
      return c.guarded(rest, r -> c.show(r, job, json));
    }
  }

  @Command(
      name = "stop",
      description =
          "Stop-with-savepoint: the sources stop, a savepoint is written (to DIR, default the cluster's state.savepoints.dir), the job finishes. Prints the savepoint path and the command that resumes the job from it (./datalake run ... --fromSavepoint=PATH). By default the job drains first: the watermark advances to the end of time, so every window fires and its rows are written before the job ends. A drained job's Kafka offsets are committed to its consumer group with the savepoint: a new start without --resume continues from there (the upgrade path when a savepoint does not fit the new code). A stream that ./datalake run submitted with a warehouse then has its run record ended (stopped) in that warehouse's datalake_runs.")
  static final class Stop implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Cli.HelpOption help;
    @Mixin RestOption rest;

    @Parameters(paramLabel = "JOB", description = "A job id or a unique prefix of one.")
    String job;

    @Option(
        names = "--drain",
        negatable = true,
        defaultValue = "true",
        fallbackValue = "true",
        description =
            "Drain first (default); --no-drain keeps open windows open in the savepoint instead"
                + " of firing them.")
    boolean drain;

    @Option(
        names = "--target",
        paramLabel = "DIR",
        description = "Where the savepoint goes: a directory or a URI.")
    String target;

    @Option(
        names = "--timeout",
        paramLabel = "SECONDS",
        defaultValue = "300",
        description = "How long to wait for the savepoint (default ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Option(names = "--json", description = "JSON instead of text.")
    boolean json;

    @Override
    public Integer call() {
      if (timeoutSeconds <= 0) {
        throw new ParameterException(
            spec.commandLine(),
            "--timeout must be a positive number of seconds, not " + timeoutSeconds);
      }
      FlinkCommands c = of(spec);
      return c.guarded(rest, r -> c.stop(r, job, drain, target, timeoutSeconds, json));
    }
  }

  @Command(
      name = "flink",
      description = "The REST part of './datalake flink status' (the launcher adds the processes).",
      subcommands = Status.class)
  static final class Flink extends Cli.Group {}

  @Command(name = "status", description = "TaskManagers, slots and running jobs of the cluster.")
  static final class Status implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Cli.HelpOption help;
    @Mixin RestOption rest;

    @Option(names = "--json", description = "JSON instead of text.")
    boolean json;

    @Override
    public Integer call() {
      FlinkCommands c = of(spec);
      return c.guarded(rest, r -> c.status(r, json));
    }
  }

  // ------------------------------------------------------------------ jobs

  int jobs(FlinkRest rest, boolean runningOnly, boolean json, boolean idsOnly) {
    List<FlinkRest.Job> jobs = rest.jobs();
    if (runningOnly) {
      jobs = jobs.stream().filter(FlinkRest.Job::running).toList();
    }
    if (idsOnly) {
      jobs.forEach(j -> out.println(j.id()));
    } else if (json) {
      out.println(toJson(jobs.stream().map(FlinkCommands::jobJson).toList()));
    } else {
      printJobTable(jobs);
    }
    return OK;
  }

  private void printJobTable(List<FlinkRest.Job> jobs) {
    if (jobs.isEmpty()) {
      out.println("(no jobs)");
      return;
    }
    out.printf("%-32s  %-11s  %-20s  %9s  %s%n", "ID", "STATE", "START (UTC)", "DURATION", "NAME");
    for (FlinkRest.Job j : jobs) {
      out.printf(
          "%-32s  %-11s  %-20s  %9s  %s%n",
          j.id(), j.state(), time(j.startTime()), duration(j.durationMillis()), j.name());
    }
  }

  static Map<String, Object> jobJson(FlinkRest.Job j) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", j.id());
    m.put("name", j.name());
    m.put("state", j.state());
    m.put("startTime", time(j.startTime()));
    m.put("endTime", j.endTime() > 0 ? time(j.endTime()) : null);
    m.put("durationMillis", j.durationMillis());
    return m;
  }

  int show(FlinkRest rest, String jobRef, boolean json) {
    FlinkRest.Job job = rest.job(jobRef);
    List<FlinkRest.Vertex> vertices = rest.vertices(job.id());
    JsonNode checkpoints = checkpointsOrNull(rest, job.id());
    long restarts = rest.restarts(job.id());
    String failure = rest.lastException(job.id());
    Map<String, Integer> perTaskManager = new TreeMap<>();
    for (FlinkRest.Vertex v : vertices) {
      for (FlinkRest.Subtask s : v.subtasks()) {
        perTaskManager.merge(s.taskManager(), 1, Integer::sum);
      }
    }
    if (json) {
      Map<String, Object> m = jobJson(job);
      m.put("restarts", restarts);
      m.put("subtasksPerTaskManager", perTaskManager);
      m.put("checkpoints", checkpointSummary(checkpoints));
      m.put("lastFailure", failure);
      m.put("vertices", vertices);
      out.println(toJson(m));
      return OK;
    }
    out.printf("job %s  %s%n", job.id(), job.name());
    out.printf(
        "  state        %s, started %s, %s%n",
        job.state(), time(job.startTime()), duration(job.durationMillis()));
    out.printf("  restarts     %d%n", restarts);
    Map<String, Object> cp = checkpointSummary(checkpoints);
    if (cp == null) {
      out.println(
          "  checkpoints  none (checkpointing is off: --checkpointingInterval=MILLIS turns it on)");
    } else {
      out.printf(
          "  checkpoints  %s completed, %s failed, %s in progress%n",
          cp.get("completed"), cp.get("failed"), cp.get("inProgress"));
      if (cp.get("latestCompleted") != null) {
        out.printf("  latest       %s%n", cp.get("latestCompleted"));
      }
      if (cp.get("restored") != null) {
        out.printf("  restored     %s%n", cp.get("restored"));
      }
    }
    if (failure != null) {
      out.printf("  last failure %s%n", failure);
    }
    out.printf(
        "  subtasks     %s%n",
        perTaskManager.isEmpty()
            ? "(none scheduled)"
            : perTaskManager.toString().replaceAll("[{}]", ""));
    for (FlinkRest.Vertex v : vertices) {
      StringBuilder placement = new StringBuilder();
      for (FlinkRest.Subtask s : v.subtasks()) {
        placement
            .append(placement.length() == 0 ? "" : ", ")
            .append(s.index())
            .append('@')
            .append(s.taskManager())
            .append(s.attempt() > 0 ? " (attempt " + s.attempt() + ")" : "");
      }
      out.printf(
          "    %-9s x%d  %s  [%s]%n",
          v.status(), v.parallelism(), abbreviate(shortName(v.name()), 90), placement);
    }
    return OK;
  }

  private static JsonNode checkpointsOrNull(FlinkRest rest, String jobId) {
    try {
      return rest.checkpoints(jobId);
    } catch (FlinkRest.RestError e) {
      // Batch jobs and jobs without checkpointing have no checkpoint statistics.
      if (e.status == 404) {
        return null;
      }
      throw e;
    }
  }

  /** counts, the latest completed checkpoint and what the job restored from, or null. */
  private static Map<String, Object> checkpointSummary(JsonNode checkpoints) {
    if (checkpoints == null || checkpoints.path("counts").isMissingNode()) {
      return null;
    }
    JsonNode counts = checkpoints.path("counts");
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("completed", counts.path("completed").asLong());
    m.put("failed", counts.path("failed").asLong());
    m.put("inProgress", counts.path("in_progress").asLong());
    m.put("restoredCount", counts.path("restored").asLong());
    JsonNode latest = checkpoints.path("latest").path("completed");
    m.put(
        "latestCompleted",
        latest.isObject()
            ? "#"
                + latest.path("id").asLong()
                + " at "
                + time(latest.path("latest_ack_timestamp").asLong())
                + " "
                + latest.path("external_path").asText("")
            : null);
    JsonNode restored = checkpoints.path("latest").path("restored");
    m.put(
        "restored",
        restored.isObject()
            ? (restored.path("is_savepoint").asBoolean() ? "savepoint" : "checkpoint")
                + " #"
                + restored.path("id").asLong()
                + " at "
                + time(restored.path("restore_timestamp").asLong())
                + " "
                + restored.path("external_path").asText("")
            : null);
    return m;
  }

  // ------------------------------------------------------------------ stop

  int stop(
      FlinkRest rest,
      String jobRef,
      boolean drain,
      String targetDir,
      long timeoutSeconds,
      boolean json) {
    long timeoutMillis = timeoutSeconds * 1000;
    FlinkRest.Job job = rest.job(jobRef);
    if (!job.running()) {
      err.println(
          "datalake: error: job "
              + job.id()
              + " ("
              + job.name()
              + ") is "
              + job.state()
              + ": nothing to stop");
      return FAILED;
    }
    String target = targetDirectory(targetDir);
    err.printf(
        "datalake: stopping job %s (%s) with a savepoint into %s%s%n",
        job.id(),
        job.name(),
        target == null ? "the cluster's state.savepoints.dir" : target,
        drain ? ", draining first (every window fires)" : ", without draining");
    long start = System.currentTimeMillis();
    String trigger = rest.stopWithSavepoint(job.id(), drain, target);
    FlinkRest.SavepointStatus status = rest.savepointStatus(job.id(), trigger);
    while (!status.done()) {
      if (System.currentTimeMillis() - start > timeoutMillis) {
        err.printf(
            "datalake: error: the savepoint of job %s is not done after %d s (--timeout); it may still complete: ./datalake jobs show %s%n",
            job.id(), timeoutMillis / 1000, job.id());
        return FAILED;
      }
      sleep(POLL_MILLIS);
      status = rest.savepointStatus(job.id(), trigger);
    }
    if (status.failure() != null || status.location() == null) {
      err.printf(
          "datalake: error: the savepoint of job %s failed: %s%n", job.id(), status.failure());
      err.println(
          "datalake: the job keeps running unless the failure says otherwise: ./datalake jobs show "
              + job.id());
      return FAILED;
    }
    long savepointMillis = System.currentTimeMillis() - start;
    String state = waitUntilEnded(rest, job.id(), start + timeoutMillis);
    String resume = resumeCommand(job, status.location(), rest);
    err.printf(
        "datalake: savepoint written in %s; job %s is %s%n",
        duration(savepointMillis), job.id(), state);
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("job", job.id());
      m.put("name", job.name());
      m.put("state", state);
      m.put("drained", drain);
      m.put("savepoint", status.location());
      m.put("savepointMillis", savepointMillis);
      m.put("resume", resume);
      out.println(toJson(m));
    } else {
      out.println("savepoint: " + status.location());
      out.println("resume:    " + resume);
    }
    out.flush();
    // After the savepoint and the resume command are out: a slow warehouse holds back nothing.
    if (state.equals("FINISHED") || state.equals("CANCELED")) {
      recordStopped(job);
    }
    return OK;
  }

  /**
   * Ends the stopped job's run in its warehouse's {@code datalake_runs}: a stream handed to a
   * cluster has no JVM of ours that would write its end, so its record said {@code running} for
   * good. The warehouse is the one its submission named (the arguments `./datalake run` recorded);
   * a job submitted otherwise, or without a warehouse, has nothing to end. A failure here is said
   * and changes nothing else: the job is stopped and its savepoint written.
   */
  private void recordStopped(FlinkRest.Job job) {
    try {
      List<String> args = recordedArgs(job.name());
      if (args == null) {
        return; // submitted otherwise: its warehouse is unknown
      }
      // Read as the run read them (the recorded credentials file, else CLICKHOUSE_USER, else the
      // default user), by name: Beam's parser would warn, with a stack trace, of every option it
      // was not given the interface of.
      String url = RunCommand.value(args, "clickhouseUrl");
      if (url == null || url.isBlank()) {
        return; // a lake-only job: no warehouse holds its record
      }
      String database = RunCommand.value(args, "clickhouseDatabase");
      if (database == null || database.isBlank()) {
        database = ClickHouseWarehouseIO.DEFAULT_DATABASE;
      }
      ClickHouseClient client =
          new ClickHouseClient(url, RunCommand.value(args, "clickhouseCredentialsFile"));
      String runId =
          client.execute(RunsTable.runningStreamOfJobStatement(database, job.name())).strip();
      if (runId.isEmpty()) {
        err.printf(
            "datalake: no record of job %s as a running cluster stream in %s.%s: nothing to end%n",
            job.name(), database, RunsTable.NAME);
        return;
      }
      long now = System.currentTimeMillis();
      client.execute(RunsTable.stoppedStatement(database, runId, now / 1000, now * 1000));
      err.printf(
          "datalake: run %s of job %s recorded as stopped in %s.%s%n",
          runId, job.name(), database, RunsTable.NAME);
    } catch (IOException | RuntimeException e) {
      err.printf(
          "datalake: could not record the stop of job %s in %s (%s); the job is stopped all the"
              + " same%n",
          job.name(), RunsTable.NAME, e.getMessage());
    }
  }

  /** A relative or absolute local directory becomes a file:// URI; URIs stay as they are. */
  private static String targetDirectory(String target) {
    if (target == null || target.isBlank()) {
      return null;
    }
    if (target.contains("://")) {
      return target;
    }
    String uri = Path.of(target).toAbsolutePath().normalize().toUri().toString();
    // toUri() ends an existing directory with '/': the same text either way.
    return uri.endsWith("/") ? uri.substring(0, uri.length() - 1) : uri;
  }

  private String waitUntilEnded(FlinkRest rest, String jobId, long deadline) {
    String state = rest.job(jobId).state();
    while (!FlinkRest.TERMINAL_STATES.contains(state) && System.currentTimeMillis() < deadline) {
      sleep(POLL_MILLIS);
      state = rest.job(jobId).state();
    }
    return state;
  }

  /**
   * The command that resumes the job from {@code savepoint}: the arguments `./datalake run`
   * recorded under the job's name when it submitted the job, plus --fromSavepoint. Jobs submitted
   * otherwise get a template to complete.
   */
  private String resumeCommand(FlinkRest.Job job, String savepoint, FlinkRest rest) {
    try {
      List<String> recorded = recordedArgs(job.name());
      if (recorded != null) {
        List<String> words = new ArrayList<>(List.of("./datalake", "run"));
        for (String arg : recorded) {
          // An empty --clickhouseUrl= (lake only) recorded before run refused one: left out, it
          // means the same, and run takes it.
          if (!arg.equals("--clickhouseUrl=")) {
            words.add(arg);
          }
        }
        words.add("--fromSavepoint=" + savepoint);
        return String.join(" ", words.stream().map(FlinkCommands::shellQuote).toList());
      }
    } catch (IOException e) {
      err.println(
          "datalake: cannot read "
              + submissionRecord(job.name())
              + " ("
              + e.getMessage()
              + "); the resume command below is a template");
    }
    String host = rest.url().replaceFirst("^https?://", "");
    // The same --jobName: the job's checkpoints and its record live in a folder of that name.
    return "./datalake run --runner=FlinkRunner --flinkMaster="
        + host
        + " "
        + shellQuote("--jobName=" + job.name())
        + " <the job's other options> "
        + shellQuote("--fromSavepoint=" + savepoint)
        + "   (no record of how "
        + job.name()
        + " was submitted)";
  }

  /**
   * The arguments `./datalake run` recorded when it submitted job {@code name} (for the resume
   * command and the job's warehouse), or null when it recorded none.
   */
  static List<String> recordedArgs(String name) throws IOException {
    Path record = submissionRecord(name);
    if (record == null || !Files.isRegularFile(record)) {
      return null;
    }
    List<String> args = new ArrayList<>();
    for (String arg : Files.readString(record, StandardCharsets.UTF_8).split("\0")) {
      if (!arg.isEmpty()) {
        args.add(arg);
      }
    }
    return args;
  }

  /** Where `./datalake run` recorded the arguments of job {@code name}, or null. */
  static Path submissionRecord(String name) {
    return name.matches("[A-Za-z0-9._-]+") ? RunCommand.submissionRecord(name) : null;
  }

  private static final Pattern SHELL_SAFE = Pattern.compile("[A-Za-z0-9_@%+=:,./-]+");

  static String shellQuote(String word) {
    if (SHELL_SAFE.matcher(word).matches()) {
      return word;
    }
    return "'" + word.replace("'", "'\\''") + "'";
  }

  // ------------------------------------------------------------------ flink status

  int status(FlinkRest rest, boolean json) {
    FlinkRest.Overview overview = rest.overview();
    List<FlinkRest.TaskManager> taskManagers = rest.taskManagers();
    List<FlinkRest.Job> running = rest.jobs().stream().filter(FlinkRest.Job::running).toList();
    long now = System.currentTimeMillis();
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("rest", rest.url());
      m.put("flinkVersion", overview.version());
      m.put("slotsTotal", overview.slotsTotal());
      m.put("slotsFree", overview.slotsFree());
      List<Map<String, Object>> tms = new ArrayList<>();
      for (FlinkRest.TaskManager tm : taskManagers) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("id", tm.id());
        t.put("slots", tm.slots());
        t.put("freeSlots", tm.freeSlots());
        t.put("lastHeartbeatMillisAgo", Math.max(0, now - tm.lastHeartbeat()));
        tms.add(t);
      }
      m.put("taskmanagers", tms);
      m.put("runningJobs", running.stream().map(FlinkCommands::jobJson).toList());
      m.put(
          "jobs",
          Map.of(
              "running",
              overview.running(),
              "finished",
              overview.finished(),
              "cancelled",
              overview.cancelled(),
              "failed",
              overview.failed()));
      out.println(toJson(m));
      return OK;
    }
    out.printf(
        "Flink %s at %s: %d taskmanager(s), slots %d total, %d free; jobs %d running, %d finished, %d cancelled, %d failed%n",
        overview.version(),
        rest.url(),
        overview.taskManagers(),
        overview.slotsTotal(),
        overview.slotsFree(),
        overview.running(),
        overview.finished(),
        overview.cancelled(),
        overview.failed());
    out.printf("  %-20s %5s %5s  %s%n", "TASKMANAGER", "SLOTS", "FREE", "LAST HEARTBEAT");
    for (FlinkRest.TaskManager tm : taskManagers) {
      out.printf(
          "  %-20s %5d %5d  %s ago%n",
          tm.id(), tm.slots(), tm.freeSlots(), duration(Math.max(0, now - tm.lastHeartbeat())));
    }
    if (running.isEmpty()) {
      out.println("  no running jobs");
    } else {
      out.println("  running jobs:");
      for (FlinkRest.Job j : running) {
        out.printf(
            "  %-32s  %-11s  since %s (%s)  %s%n",
            j.id(), j.state(), time(j.startTime()), duration(j.durationMillis()), j.name());
      }
    }
    return OK;
  }

  // ------------------------------------------------------------------ helpers

  static String time(long epochMillis) {
    return epochMillis <= 0 ? "-" : TIME.format(Instant.ofEpochMilli(epochMillis));
  }

  static String duration(long millis) {
    if (millis < 0) {
      return "-";
    }
    long seconds = millis / 1000;
    if (seconds < 60) {
      return String.format("%.1fs", millis / 1000.0);
    }
    if (seconds < 3600) {
      return String.format("%dm%02ds", seconds / 60, seconds % 60);
    }
    return String.format("%dh%02dm", seconds / 3600, (seconds % 3600) / 60);
  }

  /**
   * A vertex name without Flink's operator chain boilerplate. Beam names each operator "Kind (Kind
   * at Step/Path)" and a chain joins them with " -> ": keep the first Beam step path (its first
   * three parts) and count the operators.
   */
  static String shortName(String vertexName) {
    String name = vertexName.startsWith("CHAIN ") ? vertexName.substring(6) : vertexName;
    String[] operators = name.split(" -> ");
    String label = null;
    for (String operator : operators) {
      String step = step(operator);
      if (step.contains("/")) {
        String[] parts = step.split("/");
        label = String.join("/", java.util.Arrays.copyOf(parts, Math.min(parts.length, 3)));
        break;
      }
    }
    if (label == null) {
      label = step(operators[0]);
    }
    return operators.length == 1 ? label : label + " (" + operators.length + " operators)";
  }

  private static final Pattern STEP = Pattern.compile("[ (]at |^Source: ");

  /**
   * The Beam step of one operator's name: what follows "at " (or "Source: "), parentheses balanced.
   */
  private static String step(String operator) {
    java.util.regex.Matcher at = STEP.matcher(operator);
    if (!at.find()) {
      return operator;
    }
    String step = operator.substring(at.end());
    while (step.endsWith(")")
        && step.chars().filter(c -> c == ')').count()
            > step.chars().filter(c -> c == '(').count()) {
      step = step.substring(0, step.length() - 1);
    }
    return step;
  }

  private static String abbreviate(String text, int max) {
    return text.length() <= max ? text : text.substring(0, max - 3) + "...";
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted", e);
    }
  }

  private static String toJson(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Cannot write JSON", e);
    }
  }
}
