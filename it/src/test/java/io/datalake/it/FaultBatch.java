package io.datalake.it;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import io.datalake.pipelines.cli.EventGenerator;
import io.datalake.transforms.kinds.EntityOperations;
import io.datalake.transforms.kinds.RecordKind;
import io.datalake.transforms.kinds.RecordKinds;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The batch side of the fault cases: their input (one file per kind, made by the event generator
 * from the bundled samples, 7 tenants, dated now, every id unique to the run), and how a batch run
 * must end when a service failed under it: completed and balanced, or failed with the reason and
 * the advice to run the same command again; and then the rerun completes.
 */
final class FaultBatch {
  private FaultBatch() {}

  /** Writes {@code perKind} records of every kind under {@code input}; the records per kind. */
  static Map<RecordKind, Long> writeInput(Path input, String run, int perKind) throws IOException {
    EventGenerator generator = generator(run);
    Map<RecordKind, List<String>> lines = new LinkedHashMap<>();
    for (long n = 0; n < (long) perKind * RecordKinds.builtIn().all().size(); n++) {
      EventGenerator.Event event = generator.next(n, 0, 0);
      lines.computeIfAbsent(event.kind(), k -> new ArrayList<>()).add(event.value());
    }
    Map<RecordKind, Long> expected = new LinkedHashMap<>();
    for (Map.Entry<RecordKind, List<String>> e : lines.entrySet()) {
      Path dir = Files.createDirectories(input.resolve(e.getKey().folder()));
      Files.write(dir.resolve("part.jsonl"), e.getValue());
      expected.put(e.getKey(), (long) e.getValue().size());
    }
    return expected;
  }

  /**
   * Adds {@code operations} operations on one entity (a create, then mostly updates) to the entity
   * operations under {@code input}: as many versions of one current_entities key.
   */
  static void writeOperationsOnOneEntity(Path input, String run, int operations)
      throws IOException {
    EventGenerator generator = generator(run + "-e");
    List<String> lines = new ArrayList<>();
    for (long n = 0; n < operations; n++) {
      lines.add(generator.entityOperation(n, 1, Instant.now()).value());
    }
    Path dir = Files.createDirectories(input.resolve(EntityOperations.KIND.folder()));
    Files.write(dir.resolve("one-entity.jsonl"), lines);
  }

  /** The generator of a run's records: every id unique to {@code run}. */
  private static EventGenerator generator(String run) throws IOException {
    return new EventGenerator(
        Path.of(System.getProperty("datalake.project.dir", ".."), "pipelines", "samples", "input"),
        7,
        Instant::now,
        n -> "b" + run + "-" + n,
        true);
  }

  /**
   * Waits for a batch run that a fault hit (up to {@code seconds}): it either waited the fault out
   * and balanced, or failed saying why and to run the same command again. Logs which.
   */
  static void endedClearly(FlinkJob run, Path log, int seconds, String fault) throws Exception {
    assertThat("the batch ended", run.waitFor(seconds), equalTo(true));
    String output = Files.readString(log, StandardCharsets.UTF_8);
    if (run.exitValue() == 0) {
      Faults.log("batch: waited for " + fault + " and completed");
      assertThat(output, containsString("(primary-table rows + dead letters): OK"));
    } else {
      Faults.log(
          "batch: failed during "
              + fault
              + ": "
              + Faults.firstLine(output, "The batch run failed"));
      assertThat(output, containsString("The batch run failed"));
      assertThat(output, containsString("run the same command again"));
    }
  }

  /** Runs the same batch again, once the fault is over: it must complete, balanced. */
  static void rerunCompletes(List<String> jvm, List<String> args, Path log, int seconds)
      throws Exception {
    FlinkJob rerun = FlinkJob.start(jvm, args, log);
    assertThat("the rerun ended", rerun.waitFor(seconds), equalTo(true));
    String output = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(output, rerun.exitValue(), equalTo(0));
    assertThat(output, containsString("(primary-table rows + dead letters): OK"));
    assertThat(output, not(containsString("MISMATCH")));
  }
}
