package io.datalake.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.datalake.options.DatalakeOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.aws2.options.S3Options;
import org.apache.beam.sdk.io.aws2.s3.SSECustomerKey;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** A run's record: options without secrets, written to the lake at start and at end. */
public class RunRecordTest {
  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  @Test
  public void theRecordHoldsTheOptionsButNoSecretAndIsReplacedAtTheEnd() throws Exception {
    Path lake = temp.newFolder("lake").toPath();
    DatalakeOptions options =
        PipelineOptionsFactory.fromArgs(
                "--lake=" + lake,
                "--input=/in",
                "--clickhouseCredentialsFile=/etc/ch.credentials",
                "--kafkaProperties=security.protocol=SSL")
            .as(DatalakeOptions.class);
    RunRecord record = RunRecord.of(options, lake.toString(), "run-1", false, null);
    assertThat(record.runId(), equalTo("run-1"));
    record.started(false);
    Path file = lake.resolve(RunRecord.FOLDER).resolve("run-1.json");
    JsonNode started = new ObjectMapper().readTree(file.toFile());
    assertThat(started.get("state").asText(), equalTo("running"));
    assertThat(started.get("ended_at").isNull(), equalTo(true));
    assertThat("no JVM waits on it", started.get("alive_at").isNull(), equalTo(true));
    assertThat(started.get("mode").asText(), equalTo("batch"));
    assertThat(started.get("options").get("input").asText(), equalTo("/in"));
    // A file's name is no secret; the secret is in the file, which is never read here.
    assertThat(
        started.get("options").get("clickhouseCredentialsFile").asText(),
        equalTo("/etc/ch.credentials"));

    record.ended(true, new ObjectMapper().createObjectNode().put("input_records", 7));
    JsonNode ended = new ObjectMapper().readTree(file.toFile());
    assertThat(ended.get("state").asText(), equalTo("succeeded"));
    assertThat(ended.get("counts").get("input_records").asLong(), equalTo(7L));
    assertThat(ended.get("started_at").asText(), equalTo(started.get("started_at").asText()));
    assertThat(Files.readString(file), not(containsString("password")));
  }

  /**
   * The JVM that waits on a run writes its alive_at again and again while it runs, and never after
   * its end: a run killed with SIGKILL is told from a running one by its silence.
   */
  @Test
  public void aWatchedRunSaysItIsAliveUntilItsEndAndNeverAfter() throws Exception {
    RunRecord record = batchRecord("run-a");
    Path file = recordFile("run-a");
    record.started(true, java.time.Duration.ofMillis(50));
    JsonNode started = new ObjectMapper().readTree(file.toFile());
    String first = started.get("alive_at").asText();
    assertThat(first, not(equalTo("null")));
    long deadline = System.nanoTime() + 10_000_000_000L;
    String later = first;
    while (later.equals(first) && System.nanoTime() < deadline) {
      Thread.sleep(20);
      JsonNode now = readWhole(file);
      later = now == null ? first : now.get("alive_at").asText();
    }
    assertThat("alive_at written again while it runs", later, not(equalTo(first)));
    assertThat(readWhole(file).get("state").asText(), equalTo("running"));

    record.ended(true, null);
    JsonNode ended = new ObjectMapper().readTree(file.toFile());
    assertThat(ended.get("state").asText(), equalTo("succeeded"));
    assertThat(ended.get("alive_at").asText(), equalTo(ended.get("ended_at").asText()));
    Thread.sleep(300); // six periods: a write after the end would have replaced the file
    assertThat(
        new ObjectMapper().readTree(file.toFile()).get("state").asText(), equalTo("succeeded"));
    assertThat("the alive thread ended with the run", awaitNoAliveThread("run-a"), equalTo(0L));

    // The end is written once: a later one (a shutdown hook after the run ended) changes nothing.
    record.endedWith(PipelineResult.State.CANCELLED);
    assertThat(
        new ObjectMapper().readTree(file.toFile()).get("state").asText(), equalTo("succeeded"));
  }

  /**
   * A stream's job that ends without this JVM ending it (cancelled in Flink's UI) has its end
   * written by the next alive write, which then stops: it does not say a finished job is alive.
   */
  @Test
  public void aWatchedJobThatEndsOnItsOwnHasItsEndWrittenByTheNextAliveWrite() throws Exception {
    Path lake = temp.newFolder("watched-lake").toPath();
    DatalakeOptions options =
        PipelineOptionsFactory.fromArgs("--lake=" + lake, "--source=kafka")
            .as(DatalakeOptions.class);
    RunRecord record = RunRecord.of(options, lake.toString(), "run-w", true, null);
    Path file = lake.resolve(RunRecord.FOLDER).resolve("run-w.json");
    JobOfState job = new JobOfState();
    record.started(true, java.time.Duration.ofMillis(50));
    record.watching(job);
    Thread.sleep(150);
    assertThat(readWhole(file).get("state").asText(), equalTo("running"));
    job.state = PipelineResult.State.CANCELLED;
    assertThat("the alive thread stopped", awaitNoAliveThread("run-w"), equalTo(0L));
    JsonNode ended = new ObjectMapper().readTree(file.toFile());
    assertThat(ended.get("state").asText(), equalTo("stopped"));
    assertThat(ended.get("ended_at").isNull(), equalTo(false));
  }

  /**
   * A local record is replaced whole: a reader while it is written again and again finds the old
   * record or the new one, never an empty or cut file, and no temporary file stays beside it.
   */
  @Test
  public void aReaderOfALocalRecordNeverFindsItHalfWritten() throws Exception {
    RunRecord record = batchRecord("run-r");
    Path file = recordFile("run-r");
    record.started(true, java.time.Duration.ofMillis(1));
    for (int i = 0; i < 2_000; i++) {
      JsonNode read = new ObjectMapper().readTree(file.toFile());
      assertThat("read " + i, read == null ? null : read.get("state").asText(), equalTo("running"));
    }
    record.ended(true, null);
    assertThat(awaitNoAliveThread("run-r"), equalTo(0L));
    try (java.util.stream.Stream<Path> files = Files.list(file.getParent())) {
      assertThat(
          files.map(f -> f.getFileName().toString()).toList(), equalTo(List.of("run-r.json")));
    }
  }

  /** A batch whose JVM is stopped (SIGTERM, Ctrl-C) before its end ends as stopped, once. */
  @Test
  public void aBatchStoppedWithItsJvmEndsAsStoppedOnce() throws Exception {
    RunRecord record = batchRecord("run-t");
    Path file = recordFile("run-t");
    record.started(true, java.time.Duration.ofSeconds(60));
    record.stoppedWithItsJvm();
    // What the batch's failure path would write as the JVM goes down: nothing more.
    record.ended(false, null);
    JsonNode ended = new ObjectMapper().readTree(file.toFile());
    assertThat(ended.get("state").asText(), equalTo("stopped"));
    assertThat(ended.get("ended_at").isNull(), equalTo(false));
    assertThat(awaitNoAliveThread("run-t"), equalTo(0L));
  }

  /** Each row's version is larger than the last, also when the clock goes back. */
  @Test
  public void aLaterRowHasALargerVersionWhateverTheClock() {
    assertThat(RunRecord.nextVersion(1_000, 5_000), equalTo(5_000L));
    assertThat(RunRecord.nextVersion(5_000, 4_000), equalTo(5_001L));
    assertThat(RunRecord.nextVersion(5_000, 5_000), equalTo(5_001L));
  }

  /** The alive threads of {@code runId} left after up to 10 s (they end soon after the end). */
  private static long awaitNoAliveThread(String runId) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (aliveThreads(runId) > 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    return aliveThreads(runId);
  }

  private static long aliveThreads(String runId) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals(RunRecord.aliveThreadName(runId)) && t.isAlive())
        .count();
  }

  /** A job whose state the test sets. */
  private static final class JobOfState implements PipelineResult {
    volatile State state = State.RUNNING;

    @Override
    public State getState() {
      return state;
    }

    @Override
    public State cancel() {
      state = State.CANCELLED;
      return state;
    }

    @Override
    public State waitUntilFinish(org.joda.time.Duration duration) {
      return state;
    }

    @Override
    public State waitUntilFinish() {
      return state;
    }

    @Override
    public org.apache.beam.sdk.metrics.MetricResults metrics() {
      throw new UnsupportedOperationException("no metrics in this test");
    }
  }

  /** The record of batch run {@code id} into a lake of its own (named after it). */
  private RunRecord batchRecord(String id) throws java.io.IOException {
    Path lake = temp.newFolder(id).toPath();
    DatalakeOptions options =
        PipelineOptionsFactory.fromArgs("--lake=" + lake, "--input=/in").as(DatalakeOptions.class);
    return RunRecord.of(options, lake.toString(), id, false, null);
  }

  /** Where {@link #batchRecord} writes the record of {@code id}. */
  private Path recordFile(String id) {
    return temp.getRoot().toPath().resolve(id).resolve(RunRecord.FOLDER).resolve(id + ".json");
  }

  /** The file as JSON, or null while it is being replaced (empty or cut). */
  private static JsonNode readWhole(Path file) {
    try {
      JsonNode node = new ObjectMapper().readTree(file.toFile());
      return node != null && node.has("state") ? node : null;
    } catch (java.io.IOException e) {
      return null;
    }
  }

  /** A stream's end says how its job stood when it ended or when its JVM stopped. */
  @Test
  public void aStreamsEndSaysHowItsJobStood() throws Exception {
    Path lake = temp.newFolder("stream-lake").toPath();
    DatalakeOptions options =
        PipelineOptionsFactory.fromArgs("--lake=" + lake, "--source=kafka")
            .as(DatalakeOptions.class);
    Object[][] cases = {
      {PipelineResult.State.DONE, "succeeded"},
      {PipelineResult.State.FAILED, "failed"},
      {PipelineResult.State.RUNNING, "stopped"},
      {PipelineResult.State.CANCELLED, "stopped"},
      {null, "stopped"}
    };
    for (Object[] c : cases) {
      String id = "run-s-" + c[1] + "-" + c[0];
      RunRecord record = RunRecord.of(options, lake.toString(), id, true, null);
      Path file = lake.resolve(RunRecord.FOLDER).resolve(id + ".json");
      record.endedWith((PipelineResult.State) c[0]);
      JsonNode ended = new ObjectMapper().readTree(file.toFile());
      assertThat(String.valueOf(c[0]), ended.get("state").asText(), equalTo(c[1]));
      assertThat(ended.get("ended_at").isNull(), equalTo(false));
      assertThat(ended.get("mode").asText(), equalTo("streaming"));
    }
  }

  /** S3's customer key (SSE-C) is an option Beam has: never recorded, whatever it holds. */
  @Test
  public void anOptionNamedAsASecretIsLeftOut() {
    DatalakeOptions options =
        PipelineOptionsFactory.fromArgs("--lake=/l", "--input=/in").as(DatalakeOptions.class);
    options
        .as(S3Options.class)
        .setSSECustomerKey(
            SSECustomerKey.builder()
                .key("86glyTlCNZgccSxW8JxMa6ZdjdK3N141glAysPUZ3AA=")
                .algorithm("AES256")
                .build());
    JsonNode kept = RunRecord.optionsWithoutSecrets(options);
    assertThat(kept.get("lake").asText(), equalTo("/l"));
    assertThat(kept.has("SSECustomerKey"), equalTo(false));
    assertThat(kept.toString(), not(containsString("86glyTlCNZ")));
  }

  @Test
  public void aLocalLakeIsRecordedAsAnAbsolutePathAndAUrlAsGiven() {
    assertThat(
        RunRecord.absolute(".datalake/demo-lake"),
        equalTo(Path.of("").toAbsolutePath().resolve(".datalake/demo-lake").toString()));
    assertThat(RunRecord.absolute("/data/lake/"), equalTo("/data/lake/"));
    assertThat(RunRecord.absolute("s3://datalake/lake"), equalTo("s3://datalake/lake"));
  }
}
