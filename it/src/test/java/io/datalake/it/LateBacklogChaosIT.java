package io.datalake.it;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import io.datalake.testing.LakeFiles;
import io.datalake.testing.LocalServices;
import io.datalake.transforms.kinds.JourneyEvents;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.RuleChain;
import org.junit.rules.TemporaryFolder;

/**
 * Fault suite, event time: a history backlog (a new consumer group, a restart after days) whose
 * records are all older than the allowed lateness, read by a job with a 512 MB heap. Such rows used
 * to wait in the current window until the whole backlog was read, so the heap had to hold the
 * backlog; now each leaves within the late delay, or after {@code 5,000} rows of a partition. The
 * job must read everything without running out of memory (it runs with
 * -XX:+ExitOnOutOfMemoryError), every row flagged late in the partition of its own day, in panes of
 * at most 5,000 rows written while the backlog is read. The heap after GC is reported.
 */
public class LateBacklogChaosIT {
  /**
   * Records in the backlog and bytes of filler per record: about 600 MB in all by default, more
   * than the job's heap. The code that kept such rows in state until the backlog was read died of
   * OutOfMemoryError after 77,000 of these (and survived 60,000 with its heap full after GC).
   */
  private static final int RECORDS = Integer.getInteger("datalake.it.backlogRecords", 120_000);

  private static final int FILLER = Integer.getInteger("datalake.it.backlogFillerBytes", 5_000);
  private static final DateTimeFormatter DAY =
      DateTimeFormatter.ofPattern("'year='yyyy/'month='MM/'day='dd").withZone(ZoneOffset.UTC);

  private final TemporaryFolder temp = new TemporaryFolder();
  private final JobRun jobs = new JobRun("backlog_");
  @Rule public final RuleChain rules = RuleChain.outerRule(temp).around(jobs);
  private final String run = jobs.run;
  private final String database = jobs.database;

  /**
   * A journey event with a large details text (PII inside), {@code days} to {@code days + 1} old.
   */
  private static String oldEvent(int n, Instant now, String filler) {
    Instant time = now.minus(2, ChronoUnit.DAYS).minusSeconds((n * 7919L) % (2 * 86_400));
    return "{\"id\":\"old-"
        + n
        + "\",\"org_id\":\"739224\",\"session_id\":\"s\",\"journey_id\":\"j\",\"type\":\"journey_submit\","
        + "\"details\":\"{\\\"ip\\\":\\\"198.51.100.7\\\",\\\"note\\\":\\\""
        + filler
        + "\\\"}\",\"created_at\":\""
        + time
        + "\"}";
  }

  @Test
  public void aBacklogBeyondTheAllowedLatenessIsWrittenWithABoundedHeap() throws Exception {
    String topics = LocalServices.freshTopics(run);
    String journeyTopic = JourneyEvents.KIND.defaultTopic() + "-" + run;
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    String filler = "x".repeat(FILLER);
    long backlogBytes = 0;
    for (int from = 0; from < RECORDS; from += 5_000) {
      List<String> batch = new ArrayList<>();
      for (int n = from; n < Math.min(RECORDS, from + 5_000); n++) {
        batch.add(oldEvent(n, now, filler));
        backlogBytes += batch.get(batch.size() - 1).length();
      }
      LocalServices.produce(journeyTopic, batch);
    }

    Path lake = temp.newFolder("lake").toPath();
    Path logs = Path.of("target", "late-backlog-" + run);
    Path gcLog = logs.toAbsolutePath().resolve("gc.log");
    List<String> args =
        new ArrayList<>(
            FlinkJob.flinkArgs("it-backlog-" + run, temp.newFolder("checkpoints").toPath()));
    args.addAll(LocalServices.streamingArgs(run, topics, lake, database));
    args.add("--allowedLatenessSeconds=600");
    long started = System.currentTimeMillis();
    Files.createDirectories(logs);
    FlinkJob job =
        jobs.start(
            List.of("-Xmx512m", "-XX:+ExitOnOutOfMemoryError", "-Xlog:gc:file=" + gcLog),
            args,
            logs.resolve("job.log"));
    job.await(
        "every backlog row in ClickHouse and the lake",
        Integer.getInteger("datalake.it.backlogSeconds", 360),
        () ->
            LocalServices.finalRows(database, "journey_events") == RECORDS
                && LakeFiles.distinctIds(lake, "journey_events") == RECORDS);
    long seconds = (System.currentTimeMillis() - started) / 1000;
    assertThat("the job is still running", job.isAlive(), equalTo(true));
    job.close();

    Map<String, Integer> ids = LakeFiles.idCounts(lake, "journey_events", "id");
    long lakeRows = ids.values().stream().mapToLong(Integer::longValue).sum();
    assertThat((long) ids.size(), equalTo((long) RECORDS));
    assertThat(lakeRows, greaterThanOrEqualTo((long) RECORDS));
    assertThat(
        "rows in ClickHouse after FINAL",
        LocalServices.finalRows(database, "journey_events"),
        equalTo((long) RECORDS));
    assertThat(
        "all flagged late in ClickHouse",
        LocalServices.clickhouseCount(
            "SELECT countIf(late = 1) FROM `" + database + "`.journey_events FINAL"),
        equalTo((long) RECORDS));
    Map<String, Long> rowsPerFile = new java.util.HashMap<>();
    for (LakeFiles.LakeRecord row : LakeFiles.rows(lake, "journey_events")) {
      assertThat("late", row.record().get("late"), equalTo(true));
      Instant time = Instant.ofEpochMilli((Long) row.record().get("created_at") / 1000);
      assertThat(
          "in the partition of its own day",
          row.folder(),
          equalTo("journey_events/org_id=739224/" + DAY.format(time)));
    }
    for (Path file : LakeFiles.parquetFiles(lake, "journey_events")) {
      assertThat(
          "written by the late branch: " + file,
          file.getFileName().toString().startsWith("part-"),
          equalTo(true));
      assertThat(file.getFileName().toString().contains("-late-"), equalTo(true));
      rowsPerFile.put(file.toString(), rowsIn(file));
    }
    long largestFile = rowsPerFile.values().stream().mapToLong(Long::longValue).max().orElse(0);
    assertThat(
        "a late pane holds at most 5,000 rows of a partition",
        largestFile,
        lessThanOrEqualTo(5_000L));
    // Rows that waited for the backlog's end would come out in one pane per partition (3 files).
    assertThat(
        "panes were written while the backlog was read",
        (long) rowsPerFile.size(),
        greaterThanOrEqualTo((long) RECORDS / 5_000));
    System.out.printf(
        "LateBacklogChaosIT: %d records (%d MB) read in %d s with -Xmx512m; %d lake files, largest %d rows;"
            + " %d lake duplicates; heap after GC: at most %d MB, at the end %d MB%n",
        RECORDS,
        backlogBytes >> 20,
        seconds,
        rowsPerFile.size(),
        largestFile,
        lakeRows - RECORDS,
        heapAfterGcMegabytes(gcLog, true),
        heapAfterGcMegabytes(gcLog, false));
  }

  private static long rowsIn(Path file) throws IOException {
    try (org.apache.parquet.hadoop.ParquetFileReader reader =
        org.apache.parquet.hadoop.ParquetFileReader.open(
            new org.apache.parquet.io.LocalInputFile(file))) {
      return reader.getRecordCount();
    }
  }

  /**
   * The largest (or the last) heap occupancy after a collection in a unified GC log ("...
   * 120M->80M(512M) ...").
   */
  private static long heapAfterGcMegabytes(Path gcLog, boolean largest) throws IOException {
    Pattern after = Pattern.compile("\\d+M->(\\d+)M\\(\\d+M\\)");
    long result = 0;
    for (String line : Files.readAllLines(gcLog)) {
      Matcher m = after.matcher(line);
      if (m.find()) {
        long value = Long.parseLong(m.group(1));
        result = largest ? Math.max(result, value) : value;
      }
    }
    return result;
  }
}
