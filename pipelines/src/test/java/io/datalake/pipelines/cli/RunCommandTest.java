package io.datalake.pipelines.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import picocli.CommandLine;

/** The runner {@code ./datalake run} picks, and its warning about the DirectRunner. */
public class RunCommandTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();
  private RunCommand command;

  @Before
  public void command() throws IOException {
    System.setProperty("datalake.home", tmp.newFolder("home").toString());
    command = new RunCommand();
    CommandLine line = new CommandLine(command);
    line.setOut(new PrintWriter(out, true));
    line.setErr(new PrintWriter(err, true));
  }

  private List<String> prepare(String... args) throws IOException {
    return command.prepare(new ArrayList<>(List.of(args))).args();
  }

  /** An input folder whose one file has this length (sparse: no bytes are written). */
  private String input(long bytes) throws IOException {
    Path dir = tmp.newFolder("input").toPath();
    Path kind = Files.createDirectories(dir.resolve("checkout-orders"));
    try (RandomAccessFile file =
        new RandomAccessFile(kind.resolve("part-0.jsonl").toFile(), "rw")) {
      file.setLength(bytes);
    }
    return dir.toString();
  }

  @Test
  public void batchWithoutRunnerRunsOnTheEmbeddedFlinkRunner() throws IOException {
    List<String> args = prepare("--input=" + input(10), "--lake=" + tmp.getRoot());
    assertThat(args, hasItem("--runner=FlinkRunner"));
    assertThat(RunCommand.parse(args).getRunner().getSimpleName(), equalTo("FlinkRunner"));
    assertThat(err.toString(), equalTo(""));
  }

  @Test
  public void streamingWithoutRunnerRunsOnTheEmbeddedFlinkRunnerWithCheckpoints()
      throws IOException {
    List<String> args = prepare("--source=kafka", "--lake=" + tmp.getRoot());
    assertThat(args, hasItem("--runner=FlinkRunner"));
    assertThat(out.toString(), containsString("checkpoints are kept under"));
  }

  @Test
  public void aGivenRunnerIsKept() throws IOException {
    List<String> args =
        prepare("--runner=DirectRunner", "--input=" + input(10), "--lake=" + tmp.getRoot());
    assertThat(args, not(hasItem("--runner=FlinkRunner")));
    assertThat(RunCommand.parse(args).getRunner().getSimpleName(), equalTo("DirectRunner"));
    // A small input: a trial, nothing to warn about.
    assertThat(err.toString(), equalTo(""));
  }

  @Test
  public void theDirectRunnerOnALargeInputIsWarnedAbout() throws IOException {
    prepare(
        "--runner=DirectRunner",
        "--input=" + input(RunCommand.DIRECT_RUNNER_WARN_BYTES + 1_000_000),
        "--lake=" + tmp.getRoot());
    String warning = err.toString();
    assertThat(warning, containsString("--runner=DirectRunner on 51 MB of input (above 50 MB)"));
    assertThat(warning, containsString("may run out of memory"));
    assertThat(warning, containsString("Leave out --runner, or give --runner=FlinkRunner"));
  }

  @Test
  public void theDirectRunnerInStreamingIsWarnedAbout() throws IOException {
    prepare("--runner=DirectRunner", "--source=kafka", "--lake=" + tmp.getRoot());
    assertThat(err.toString(), containsString("keeps every open window in memory"));
  }

  @Test
  public void theLocalKafkaIsUsedOnlyWhenNoBootstrapServersAreGiven() {
    List<String> none = List.of("--source=kafka");
    assertThat(
        RunCommand.withLocalKafka(none, "127.0.0.1:19092"),
        equalTo(List.of("--source=kafka", "--bootstrapServers=127.0.0.1:19092")));
    List<String> given = List.of("--source=kafka", "--bootstrapServers=kafka.example:9092");
    assertThat(RunCommand.withLocalKafka(given, "127.0.0.1:19092"), equalTo(given));
    // No local broker started by the launcher: the option's own default stands.
    assertThat(RunCommand.withLocalKafka(none, null), equalTo(none));
  }
}
