package io.datalake.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import io.datalake.options.DatalakeOptions;
import io.datalake.transforms.snapshot.SnapshotHistory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.io.LocalInputFile;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * {@code --snapshots=true} on a batch over a full history ({@link SnapshotHistory}, 21 operations
 * from January to May): 25 snapshot rows for February to May, which the summary counts apart from
 * the input's rows, and it still balances; a rerun leaves the same snapshot rows; without the
 * option (the default), a batch writes none.
 */
public class SnapshotBatchTest {
  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  private Path input() throws IOException {
    Path input = temp.newFolder("input").toPath();
    Path folder = Files.createDirectories(input.resolve("entity-operations"));
    List<String> lines = new ArrayList<>();
    SnapshotHistory.HISTORY.forEach(op -> lines.add(SnapshotHistory.envelope(op).toString()));
    Files.write(folder.resolve("history.jsonl"), lines);
    return input;
  }

  private static String run(Path input, Path lake, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of("--input=" + input, "--lake=" + lake, "--piiDevelopmentKeyset=true"));
    args.addAll(List.of(more));
    DatalakeOptions options =
        PipelineOptionsFactory.fromArgs(args.toArray(String[]::new)).as(DatalakeOptions.class);
    PrintStream out = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      DatalakePipeline.run(options);
    } finally {
      System.setOut(out);
    }
    String summary = captured.toString(StandardCharsets.UTF_8);
    out.print(summary);
    return summary;
  }

  /** The snapshot rows of the lake, as their file and record. */
  private static List<String> snapshotRows(Path lake) throws IOException {
    List<String> rows = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> walk = Files.walk(lake.resolve("entity_operations"))) {
      files = walk.filter(p -> p.toString().endsWith(".parquet")).sorted().toList();
    }
    for (Path file : files) {
      try (ParquetReader<GenericRecord> reader =
          AvroParquetReader.<GenericRecord>builder(new LocalInputFile(file)).build()) {
        for (GenericRecord r = reader.read(); r != null; r = reader.read()) {
          if ("SnapshotOperation".equals(String.valueOf(r.get("detail_type")))) {
            rows.add(lake.relativize(file) + " " + r);
          }
        }
      }
    }
    rows.sort(null); // the order of rows within a file is the runner's
    return rows;
  }

  @Test
  public void aBatchOverTheFullHistoryWritesTheSnapshotsAndCountsThemApart() throws IOException {
    Path input = input();
    Path lake = temp.newFolder("lake").toPath();
    String summary = run(input, lake, "--snapshots=true");
    assertThat(summary, containsString("derived snapshot rows (SnapshotOperation, not input"));
    assertThat(summary, containsString("      25 rows in 7 files"));
    assertThat(summary, containsString("      21 rows in 19 files"));
    assertThat(
        summary,
        containsString(
            "input records 21 = records accounted for 21 (primary-table rows + dead letters): OK"));
    List<String> first = snapshotRows(lake);
    assertThat(first.size(), equalTo(25));

    run(input, lake, "--snapshots=true");
    assertThat("a rerun replaces its snapshot files", snapshotRows(lake), equalTo(first));
  }

  @Test
  public void aBatchWritesNoSnapshotsByDefault() throws IOException {
    Path lake = temp.newFolder("lake").toPath();
    String summary = run(input(), lake);
    assertThat(summary, not(containsString("snapshot")));
    assertThat(snapshotRows(lake).isEmpty(), equalTo(true));
  }
}
