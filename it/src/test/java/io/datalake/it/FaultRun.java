package io.datalake.it;

import io.datalake.pipelines.cli.EventGenerator;
import io.datalake.testing.Await;
import io.datalake.testing.LakeFiles;
import io.datalake.testing.LocalServices;
import io.datalake.testing.PrimaryTables;
import io.datalake.testing.TestEvents;
import io.datalake.transforms.kinds.JourneyEvents;
import io.datalake.transforms.kinds.RecordKind;
import io.datalake.transforms.kinds.RecordKinds;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * One streaming job of the fault suite and what it was given: a known set of ids per kind is
 * published to fresh topics, the job runs on the embedded FlinkRunner in its own JVM (so it can be
 * killed), and {@link #verify} checks that every id is exactly once in ClickHouse after FINAL and
 * at least once in the lake, counting the lake's duplicates.
 */
final class FaultRun implements AutoCloseable {
  private static final Path SAMPLES =
      Path.of(System.getProperty("datalake.project.dir", ".."), "pipelines", "samples", "input");

  final String name;
  final String run = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
  final String database;
  final String topics;
  final Path logs;
  final Path checkpoints;

  /** Local lake folder, or where an S3 lake is downloaded to for reading. */
  final Path lakeCopy;

  private final String lake;
  private final String s3Bucket;
  private final String s3Prefix;
  private final List<String> extraArgs;
  private final EventGenerator generator;
  private final Map<RecordKind, Set<String>> published = new LinkedHashMap<>();

  /** Tenant of extra journey events, and their ids. */
  private final Map<String, Set<String>> tenantIds = new LinkedHashMap<>();

  private final List<FlinkJob> jobs = new ArrayList<>();
  private long next;
  private int starts;

  /**
   * @param s3Bucket null for a local lake under {@code work}; else the lake is {@code
   *     s3://s3Bucket/<run>}
   */
  FaultRun(String name, Path work, String s3Bucket, List<String> extraArgs) throws Exception {
    this.name = name;
    this.database = "fault_" + run;
    this.topics = LocalServices.freshTopics(run);
    this.logs = Files.createDirectories(Path.of("target", "fault-suite", name + "-" + run));
    this.checkpoints = Files.createDirectories(work.resolve("checkpoints"));
    this.lakeCopy = Files.createDirectories(work.resolve("lake"));
    this.s3Bucket = s3Bucket;
    this.s3Prefix = run;
    this.lake = s3Bucket == null ? lakeCopy.toString() : "s3://" + s3Bucket + "/" + run;
    this.extraArgs = extraArgs;
    this.generator = new EventGenerator(SAMPLES, 12, Instant::now, n -> "f" + run + "-" + n, true);
    for (RecordKind kind : RecordKinds.builtIn().all()) {
      published.put(kind, new LinkedHashSet<>());
    }
    Faults.log(
        name
            + ": run "
            + run
            + ", database "
            + database
            + ", lake "
            + lake
            + ", logs "
            + logs.toAbsolutePath());
  }

  /** Publishes {@code perKind} new records of every kind. */
  void publish(int perKind) {
    Map<String, List<String>> byTopic = new LinkedHashMap<>();
    for (int i = 0; i < perKind * RecordKinds.builtIn().all().size(); i++) {
      long n = next++;
      EventGenerator.Event event = generator.next(n, 0, 0);
      RecordKind kind = event.kind();
      String id = EventGenerator.recordId(n, event.key());
      published.get(kind).add(id);
      byTopic
          .computeIfAbsent(kind.defaultTopic() + "-" + run, t -> new ArrayList<>())
          .add(event.value());
    }
    byTopic.forEach(LocalServices::produce);
  }

  /** Publishes journey events of a tenant never seen before. */
  void publishNewTenant(String tenant, int count) {
    List<String> values = new ArrayList<>();
    Set<String> ids = tenantIds.computeIfAbsent(tenant, t -> new LinkedHashSet<>());
    for (int i = 0; i < count; i++) {
      String id = "f" + run + "-" + tenant + "-" + i;
      ids.add(id);
      published.get(JourneyEvents.KIND).add(id);
      values.add(
          TestEvents.journeyEvent(id, Instant.now())
              .replace("\"org_id\":\"739224\"", "\"org_id\":\"" + tenant + "\""));
    }
    LocalServices.produce(JourneyEvents.KIND.defaultTopic() + "-" + run, values);
  }

  /** The ids published so far of {@code kind}. */
  Set<String> published(RecordKind kind) {
    return java.util.Collections.unmodifiableSet(published.get(kind));
  }

  long publishedCount() {
    return published.values().stream().mapToLong(Set::size).sum();
  }

  /**
   * Starts the job (always with --resume: the first start finds no checkpoint), its output in
   * {@code logs}.
   */
  FlinkJob start() throws IOException {
    starts++;
    List<String> args =
        FlinkJob.flinkArgs("fault-" + name + "-" + run, checkpoints, 3000, 10, true);
    args.addAll(LocalServices.streamingArgs(run, topics, Path.of("unused"), database));
    args.removeIf(a -> a.startsWith("--lake="));
    args.add("--lake=" + lake);
    args.addAll(extraArgs);
    FlinkJob job = FlinkJob.start(List.of("-Xmx768m"), args, currentLog());
    jobs.add(job);
    Faults.log(
        name
            + ": started the job (start "
            + starts
            + ", pid "
            + job.pid()
            + ", log "
            + job.log()
            + ")");
    return job;
  }

  Path currentLog() {
    return logs.resolve("job-" + starts + ".log");
  }

  /**
   * SIGKILL to the job's JVM: no shutdown hook, no final checkpoint. Returns the exit code (137).
   */
  int kill(FlinkJob job) throws InterruptedException {
    int exit = job.kill();
    Faults.log(name + ": killed the job (pid " + job.pid() + ", exit " + exit + ")");
    return exit;
  }

  /**
   * {@code kills} times: publishes {@code perKind} records of every kind, waits a random 3 to 17 s
   * (anywhere from the JVM's start-up to well into processing and checkpointing), SIGKILLs the job
   * and starts it again with --resume. Returns the job last started; the delays and the seed are
   * logged, so a failing run can be told how it was killed.
   */
  FlinkJob killAtRandomPointsAndResume(FlinkJob job, int kills, int perKind) throws Exception {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    List<Integer> delays = new ArrayList<>();
    for (int kill = 1; kill <= kills; kill++) {
      publish(perKind);
      int delay = 3 + random.nextInt(15);
      delays.add(delay);
      Thread.sleep(delay * 1000L);
      int exit = kill(job);
      if (exit != 128 + 9) {
        throw new AssertionError(name + ": the job was not killed by SIGKILL (exit " + exit + ")");
      }
      job = start();
    }
    Faults.log(name + ": killed after " + delays + " s (seed " + seed + ")");
    return job;
  }

  /** Rows per kind in ClickHouse after FINAL, and their distinct ids. */
  Map<RecordKind, long[]> clickhouse() {
    Map<RecordKind, long[]> counts = new LinkedHashMap<>();
    for (RecordKind kind : RecordKinds.builtIn().all()) {
      PrimaryTables.Primary p = PrimaryTables.BY_KIND.get(kind);
      try {
        counts.put(kind, LocalServices.finalRowsAndIds(database, p.table(), p.idColumn()));
      } catch (RuntimeException e) {
        counts.put(kind, new long[] {-1, -1}); // ClickHouse is down or frozen: not yet
      }
    }
    return counts;
  }

  boolean clickhouseHasEverything() {
    Map<RecordKind, long[]> counts = clickhouse();
    for (RecordKind kind : RecordKinds.builtIn().all()) {
      long expected = published.get(kind).size();
      if (counts.get(kind)[0] != expected || counts.get(kind)[1] != expected) {
        return false;
      }
    }
    return true;
  }

  /** Ids per kind in the lake's finished files: [rows, distinct ids, missing ids]. */
  Map<RecordKind, long[]> lake() throws IOException {
    if (s3Bucket != null) {
      download();
    }
    Map<RecordKind, long[]> counts = new LinkedHashMap<>();
    for (RecordKind kind : RecordKinds.builtIn().all()) {
      PrimaryTables.Primary p = PrimaryTables.BY_KIND.get(kind);
      Map<String, Integer> ids = LakeFiles.idCounts(lakeCopy, p.table(), p.idColumn());
      long rows = ids.values().stream().mapToLong(Integer::longValue).sum();
      long missing = published.get(kind).stream().filter(id -> !ids.containsKey(id)).count();
      counts.put(kind, new long[] {rows, ids.size(), missing});
    }
    return counts;
  }

  boolean lakeHasEverything() {
    try {
      return lake().values().stream().allMatch(c -> c[2] == 0);
    } catch (IOException | RuntimeException e) {
      return false; // a file being finished while we read: look again
    }
  }

  private void download() throws IOException {
    try (Stream<Path> old = Files.walk(lakeCopy)) {
      for (Path p : old.sorted(java.util.Comparator.reverseOrder()).toList()) {
        if (!p.equals(lakeCopy)) {
          Files.delete(p);
        }
      }
    }
    for (LocalServices.S3File file : LocalServices.download(s3Bucket, s3Prefix + "/")) {
      Path target = lakeCopy.resolve(file.key().substring(s3Prefix.length() + 1));
      Files.createDirectories(target.getParent());
      Files.write(target, file.bytes());
    }
  }

  /** Waits until every published id is in ClickHouse after FINAL and in the lake. */
  long awaitEverything(String what, int seconds) throws Exception {
    long started = System.currentTimeMillis();
    await(what + ": every id in ClickHouse", seconds, this::clickhouseHasEverything);
    int left = (int) Math.max(30, seconds - (System.currentTimeMillis() - started) / 1000);
    await(what + ": every id in the lake", left, this::lakeHasEverything);
    return logArrived(what, "ClickHouse and the lake", started);
  }

  /** Waits until every published id is in ClickHouse after FINAL: the job is up and writing. */
  void awaitClickHouse(String what, int seconds) throws Exception {
    long started = System.currentTimeMillis();
    await(what + ": every id in ClickHouse", seconds, this::clickhouseHasEverything);
    logArrived(what, "ClickHouse", started);
  }

  /** Logs that every published record is in {@code where}; returns the seconds since started. */
  private long logArrived(String what, String where, long started) {
    long took = (System.currentTimeMillis() - started) / 1000;
    Faults.log(
        name
            + ": "
            + what
            + ": all "
            + publishedCount()
            + " records in "
            + where
            + " after "
            + took
            + " s");
    return took;
  }

  void await(String what, int seconds, BooleanSupplier condition) throws Exception {
    Await.until(what, seconds, 3000, condition, () -> "\n" + report() + tail());
  }

  /** What each sink holds per kind: the line the test output reports. */
  String report() {
    StringBuilder out = new StringBuilder(name + " (run " + run + "):\n");
    Map<RecordKind, long[]> ch = clickhouse();
    Map<RecordKind, long[]> lakeCounts;
    try {
      lakeCounts = lake();
    } catch (IOException | RuntimeException e) {
      lakeCounts = Map.of();
    }
    long duplicates = 0;
    for (RecordKind kind : RecordKinds.builtIn().all()) {
      long[] l = lakeCounts.getOrDefault(kind, new long[] {-1, -1, -1});
      duplicates += Math.max(0, l[0] - l[1]);
      out.append(
          String.format(
              "  %-20s published %5d | ClickHouse FINAL rows %5d, distinct ids %5d | lake rows %5d, distinct ids %5d, missing %d, duplicates %d%n",
              kind.name(),
              published.get(kind).size(),
              ch.get(kind)[0],
              ch.get(kind)[1],
              l[0],
              l[1],
              l[2],
              Math.max(0, l[0] - l[1])));
    }
    out.append("  lake duplicates in all: ").append(duplicates).append('\n');
    return out.toString();
  }

  /** Asserts every id exactly once in ClickHouse after FINAL and at least once in the lake. */
  void verify() throws IOException {
    String report = report();
    System.out.print(report);
    Map<RecordKind, long[]> ch = clickhouse();
    Map<RecordKind, long[]> lakeCounts = lake();
    for (RecordKind kind : RecordKinds.builtIn().all()) {
      long expected = published.get(kind).size();
      if (ch.get(kind)[0] != expected || ch.get(kind)[1] != expected) {
        throw new AssertionError(
            kind.name() + ": not every id exactly once in ClickHouse after FINAL\n" + report);
      }
      if (lakeCounts.get(kind)[2] != 0 || lakeCounts.get(kind)[1] != expected) {
        throw new AssertionError(kind.name() + ": ids missing from the lake\n" + report);
      }
    }
    for (Map.Entry<String, Set<String>> tenant : tenantIds.entrySet()) {
      long rows =
          LocalServices.clickhouseCount(
              "SELECT count() FROM `"
                  + database
                  + "`.`"
                  + tenant.getKey()
                  + "_journey_events_final`");
      if (rows != tenant.getValue().size()) {
        throw new AssertionError(
            "the view of tenant "
                + tenant.getKey()
                + " shows "
                + rows
                + " rows, not "
                + tenant.getValue().size());
      }
    }
  }

  private String tail() {
    return jobs.isEmpty() ? "" : jobs.get(jobs.size() - 1).tail(30);
  }

  /** Whether a job log says something, e.g. that Flink restarted the job. */
  long countInLogs(String text) throws IOException {
    long n = 0;
    try (Stream<Path> files = Files.list(logs)) {
      for (Path f : files.toList()) {
        for (String line :
            new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.UTF_8)
                .split("\n")) {
          if (line.contains(text)) {
            n++;
          }
        }
      }
    }
    return n;
  }

  @Override
  public void close() throws Exception {
    for (FlinkJob job : jobs) {
      job.close();
    }
    try {
      LocalServices.dropWarehouse(database);
    } catch (RuntimeException e) {
      Faults.log("could not drop " + database + ": " + e.getMessage());
    }
  }
}
