package io.datalake.it;

import io.datalake.pipelines.cli.EventGenerator;
import io.datalake.transforms.kinds.RecordKind;
import io.datalake.transforms.kinds.RecordKinds;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The input folder of a batch fault case: one file per kind, made by the event generator from the
 * bundled samples (7 tenants, dated now), every id unique to the run.
 */
final class BatchInput {
  private BatchInput() {}

  /** Writes {@code perKind} records of every kind under {@code input}; the records per kind. */
  static Map<RecordKind, Long> write(Path input, String run, int perKind) throws IOException {
    EventGenerator generator =
        new EventGenerator(
            Path.of(
                System.getProperty("datalake.project.dir", ".."), "pipelines", "samples", "input"),
            7,
            Instant::now,
            n -> "b" + run + "-" + n,
            true);
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
}
