package io.datalake.it;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.datalake.testing.LakeFiles;
import io.datalake.testing.LocalServices;
import io.datalake.transforms.Fixtures;
import io.datalake.transforms.kinds.EntityOperations;
import io.datalake.transforms.snapshot.Months;
import io.datalake.transforms.snapshot.SnapshotHistory;
import io.datalake.transforms.snapshot.SnapshotRows;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.RuleChain;
import org.junit.rules.TemporaryFolder;

/**
 * The monthly roll-up on the real Kafka and Flink (embedded, in its own JVM, state in RocksDB): the
 * operations of January to March 2024 ({@link SnapshotHistory}) are read, February's and March's
 * snapshot rows written, a checkpoint taken; the JVM is killed with SIGKILL and restarted with
 * {@code --resume}; April's snapshot rows, which come only from the state the checkpoint kept (no
 * operation of April is read before the kill), must then be exactly the expected ones, in the lake
 * and in ClickHouse, and {@code current_entities} holds no snapshot row.
 *
 * <p>A month's snapshot is due when the watermark passes its start plus the allowed lateness, and
 * an idle Kafka partition lets the watermark follow the clock: the lateness is chosen so that
 * February's and March's are due at once and April's a few minutes after the start, well after the
 * kill, and May's never during the test.
 */
public class SnapshotRecoveryChaosIT {
  /** How long after the test's start April 2024's snapshots are due. */
  private static final int APRIL_DUE_AFTER_SECONDS = 300;

  private final TemporaryFolder temp = new TemporaryFolder();
  private final JobRun jobs = new JobRun("snapshots_");
  @Rule public final RuleChain rules = RuleChain.outerRule(temp).around(jobs);
  private final String run = jobs.run;
  private final String database = jobs.database;

  @Test
  public void aResumedJobKeepsEachEntitysStateForTheNextMonthsSnapshots() throws Exception {
    Instant started = Instant.now();
    long aprilStart = Months.startMicros(Months.index(YearMonth.of(2024, 4))) / 1_000_000L;
    long lateness = started.getEpochSecond() + APRIL_DUE_AFTER_SECONDS - aprilStart;
    String topics = LocalServices.freshTopics(run);
    String topic = EntityOperations.KIND.defaultTopic() + "-" + run;
    Path lake = temp.newFolder("lake").toPath();
    Path checkpoints = temp.newFolder("checkpoints").toPath();

    // January to March, in event-time order (out-of-order arrivals are
    // StreamEntitySnapshotsTest's).
    List<SnapshotHistory.Op> history = new ArrayList<>(SnapshotHistory.HISTORY);
    history.sort(Comparator.comparing(SnapshotHistory.Op::time));
    LocalServices.produce(topic, lines(history, "2024-01", "2024-03"));

    Path logs = Files.createDirectories(Path.of("target", "snapshot-recovery-" + run));
    FlinkJob job = start(topics, lake, checkpoints, lateness, logs.resolve("first-start.log"));
    job.await(
        "February's and March's snapshot rows in ClickHouse, then a checkpoint",
        180,
        () -> snapshotIds(through(YearMonth.of(2024, 3))).size() == expectedIds(3).size());
    long checkpointsBefore = checkpointCount(checkpoints);
    job.await(
        "a checkpoint after them", 60, () -> checkpointCount(checkpoints) > checkpointsBefore);
    assertThat(
        "April is not due yet when the job is killed: the test's timing holds",
        snapshotIds("toYYYYMM(timestamp) = 202404").size(),
        equalTo(0));
    assertThat("killed by SIGKILL", job.kill(), equalTo(128 + 9));

    int april = SnapshotHistory.EXPECTED.get(YearMonth.of(2024, 4)).size();
    Path resumedLog = logs.resolve("resumed.log");
    FlinkJob resumed = start(topics, lake, checkpoints, lateness, resumedLog);
    // Operations of April and May arrive after the restart; they are after April's start, so
    // April's snapshots come from the restored state alone.
    LocalServices.produce(topic, lines(history, "2024-04", "2024-05"));
    resumed.await(
        "April's snapshot rows in ClickHouse",
        APRIL_DUE_AFTER_SECONDS + 240,
        () ->
            snapshotIds("toYYYYMM(timestamp) = 202404").size() >= april
                && lakeSnapshotCount(lake, "month=04") >= april);
    assertThat(Files.readString(resumedLog), containsString("datalake: resuming from checkpoint"));
    resumed.terminate(60);

    // Exactly the expected rows of February to April: none missing, none wrong, none twice.
    assertThat(snapshotIds(through(YearMonth.of(2024, 4))), equalTo(expectedIds(4)));
    assertThat(lakeSnapshots(lake), equalTo(expectedIds(4)));
    ClickHouseAssert.everyIdOnce(database, "entity_operations", "id", history.size());
    assertThat(
        "current_entities ignores snapshot rows",
        LocalServices.clickhouseCount(
            "SELECT count() FROM `"
                + database
                + "`.current_entities FINAL WHERE operation = '"
                + SnapshotRows.OPERATION
                + "'"),
        equalTo(0L));
    assertThat(
        "one current row per entity",
        LocalServices.clickhouseCount(
            "SELECT count() FROM `" + database + "`.current_entities FINAL"),
        equalTo(9L));
  }

  private FlinkJob start(String topics, Path lake, Path checkpoints, long lateness, Path log)
      throws IOException {
    List<String> args = new ArrayList<>(FlinkJob.flinkArgs("snapshots-" + run, checkpoints));
    args.addAll(LocalServices.streamingArgs(run, topics, lake, database));
    args.add("--snapshots=true");
    args.add("--stateBackend=rocksdb");
    args.add("--allowedLatenessSeconds=" + lateness);
    return jobs.start(List.of("-Xmx1g"), args, log);
  }

  private static List<String> lines(List<SnapshotHistory.Op> ops, String from, String to) {
    List<String> lines = new ArrayList<>();
    for (SnapshotHistory.Op op : ops) {
      String month = op.time().substring(0, 7);
      if (month.compareTo(from) >= 0 && month.compareTo(to) <= 0) {
        lines.add(SnapshotHistory.envelope(op).toString());
      }
    }
    return lines;
  }

  private static String through(YearMonth month) {
    return "toYYYYMM(timestamp) <= " + (month.getYear() * 100 + month.getMonthValue());
  }

  /** Expected "id activity" of the snapshot rows of February through 2024-{@code lastMonth}. */
  private static Set<String> expectedIds(int lastMonth) {
    Set<String> ids = new TreeSet<>();
    SnapshotHistory.EXPECTED.forEach(
        (month, activities) -> {
          if (month.getMonthValue() <= lastMonth) {
            for (String activity : activities) {
              SnapshotHistory.Op op =
                  SnapshotHistory.HISTORY.stream()
                      .filter(o -> o.activity().equals(activity))
                      .findFirst()
                      .orElseThrow();
              ids.add(SnapshotRows.id(op.tenant(), op.entity(), month) + " " + activity);
            }
          }
        });
    return ids;
  }

  /** "id activity" of ClickHouse's snapshot rows (FINAL) that match {@code where}. */
  private Set<String> snapshotIds(String where) {
    String out;
    try {
      out = snapshotIdLines(where);
    } catch (RuntimeException e) {
      return Set.of(); // the job has not created the database and tables yet
    }
    Set<String> ids = new TreeSet<>();
    for (String line : out.split("\n")) {
      if (!line.isBlank()) {
        ids.add(line.replace('\t', ' '));
      }
    }
    return ids;
  }

  private String snapshotIdLines(String where) {
    return LocalServices.clickhouse(
        "SELECT id, visitParamExtractString(detail, 'activity_id') FROM `"
            + database
            + "`.entity_operations FINAL WHERE detail_type = 'SnapshotOperation' AND "
            + where
            + " FORMAT TabSeparated");
  }

  private static boolean isSnapshot(LakeFiles.LakeRecord row) {
    return SnapshotRows.DETAIL_TYPE.equals(row.string("detail_type"));
  }

  /** "id activity" of the lake's snapshot rows of February to April 2024, each once. */
  private static Set<String> lakeSnapshots(Path lake) throws IOException {
    Set<String> ids = new TreeSet<>();
    List<String> all = new ArrayList<>();
    for (LakeFiles.LakeRecord row : LakeFiles.rows(lake, "entity_operations")) {
      if (isSnapshot(row)
          && row.folder().contains("year=2024")
          && row.folder().matches(".*month=0[234]/day=01")) {
        String activity = Fixtures.JSON.readTree(row.string("detail")).path("activity_id").asText();
        ids.add(row.string("id") + " " + activity);
        all.add(row.string("id"));
      }
    }
    assertThat("each snapshot row once in the lake", all.size(), equalTo(ids.size()));
    return ids;
  }

  private static long lakeSnapshotCount(Path lake, String month) {
    try {
      return LakeFiles.rows(lake, "entity_operations").stream()
          .filter(r -> isSnapshot(r) && r.folder().contains(month))
          .count();
    } catch (IOException e) {
      return -1; // a file being finished while we list: count again
    }
  }

  /**
   * The number N of the newest completed checkpoint (chk-N with its _metadata); Flink keeps one.
   */
  private static long checkpointCount(Path checkpoints) {
    try (var walk = Files.walk(checkpoints)) {
      return walk.filter(p -> p.getFileName().toString().equals("_metadata"))
          .map(p -> p.getParent().getFileName().toString())
          .filter(name -> name.matches("chk-[0-9]+"))
          .mapToLong(name -> Long.parseLong(name.substring(4)))
          .max()
          .orElse(0);
    } catch (IOException | UncheckedIOException e) {
      return -1; // a checkpoint being written or removed while we list: look again
    }
  }
}
