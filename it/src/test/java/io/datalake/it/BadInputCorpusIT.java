package io.datalake.it;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.datalake.options.DatalakeOptions;
import io.datalake.pipelines.DatalakePipeline;
import io.datalake.testing.LocalServices;
import io.datalake.transforms.BadInputCorpus;
import io.datalake.transforms.model.TenantId;
import io.datalake.transforms.schema.LakeTables;
import io.datalake.transforms.warehouse.WarehouseTable;
import io.datalake.transforms.warehouse.WarehouseTables;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.io.LocalInputFile;
import org.junit.After;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The bad-input corpus of transforms ({@code transforms/src/test/resources/bad-inputs}, see
 * BadInputCorpusTest there) through the batch pipeline into a local lake and the real ClickHouse:
 * every bad line is one dead letter (lake and ClickHouse) at its file:line, every good line is rows
 * in both, nothing is written outside the lake folder, ClickHouse has exactly its tables and the
 * views of the valid tenants (the longest, whose view names ClickHouse escapes most, included), and
 * no PII plaintext is in the Parquet, the ClickHouse rows, the dead letters or the run's log.
 */
public class BadInputCorpusIT {
  private static final Path CORPUS =
      Path.of(
          System.getProperty("datalake.project.dir"),
          "transforms",
          "src",
          "test",
          "resources",
          "bad-inputs");

  /** The tenants of the good lines, as the views must name them (surrounding spaces stripped). */
  private static final Set<String> TENANTS =
      Set.of("corpus-good", "A", "123", "T" + "x".repeat(62) + "9", "a" + ".".repeat(63));

  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  private final String database =
      "it_corpus_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);

  @After
  public void dropDatabase() {
    LocalServices.dropWarehouse(database);
  }

  @Test
  public void theCorpusLeavesLakeWarehouseAndLogClean() throws Exception {
    Map<String, BadInputCorpus.BadLine> bad = BadInputCorpus.badLines(CORPUS);
    Set<String> goodIds = BadInputCorpus.goodIds(CORPUS);
    assertThat(bad.size(), greaterThanOrEqualTo(60));

    Path root = temp.newFolder("run").toPath();
    Path input = root.resolve("input");
    Path lake = root.resolve("lake");
    copyCorpus(input);
    Map<String, String> inputBefore = snapshot(input);

    String log =
        runCapturingLog(
            "--input=" + input,
            "--lake=" + lake,
            "--piiDevelopmentKeyset=true",
            "--maxRecordBytes=65536",
            "--clickhouseUrl=" + LocalServices.clickhouseUrl(),
            "--clickhouseCredentialsFile=" + LocalServices.clickhouseCredentialsFile(),
            "--clickhouseDatabase=" + database);

    // Nothing outside the lake folder: the run folder holds the input (unchanged) and the lake.
    try (Stream<Path> top = Files.list(root)) {
      assertThat(
          top.map(p -> p.getFileName().toString()).sorted().toList(),
          equalTo(List.of("input", "lake")));
    }
    assertThat("the input is unchanged", snapshot(input), equalTo(inputBefore));
    Set<String> tables = new TreeSet<>();
    LakeTables.all().forEach(t -> tables.add(t.name()));
    List<String> strayPaths = new ArrayList<>();
    try (Stream<Path> files = Files.walk(lake)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        List<String> parts = Arrays.asList(lake.relativize(file).toString().split("/"));
        boolean table =
            tables.contains(parts.get(0))
                && parts.size() > 2
                && parts.get(1).startsWith("org_id=")
                && TENANTS.contains(parts.get(1).substring("org_id=".length()));
        if (!table && !parts.get(0).startsWith("_")) {
          strayPaths.add(lake.relativize(file).toString());
        }
      }
    }
    assertThat(
        "every lake file is in a table's valid-tenant partition or a _ folder",
        strayPaths,
        empty());

    // The lake: rows of the good lines only, no PII, org_id = the partition's tenant.
    Set<String> lakeIds = new TreeSet<>();
    List<String> lakeMainRowList = new ArrayList<>();
    int lakeMainRows = 0;
    List<String> lakeLetters = new ArrayList<>();
    try (Stream<Path> files = Files.walk(lake)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        String relative = lake.relativize(file).toString();
        if (relative.startsWith("_dead_letters/")) {
          for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
              lakeLetters.add(line);
            }
          }
          continue;
        }
        if (!relative.endsWith(".parquet")) {
          continue;
        }
        String table = relative.substring(0, relative.indexOf('/'));
        String tenant = relative.split("/")[1].substring("org_id=".length());
        try (ParquetReader<GenericRecord> reader =
            AvroParquetReader.<GenericRecord>builder(new LocalInputFile(file)).build()) {
          GenericRecord record;
          while ((record = reader.read()) != null) {
            assertNoPii("lake row of " + table, record.toString());
            assertThat(
                "org_id column = partition of " + relative,
                record.get("org_id").toString(),
                equalTo(tenant));
            String column = BadInputCorpus.ID_COLUMN.get(table);
            if (column != null) {
              lakeIds.add(goodId(record.get(column).toString()));
              lakeMainRowList.add(relative + " " + record.get(column));
              lakeMainRows++;
            }
          }
        }
      }
    }
    assertThat(
        "lake: one main row per good line: " + String.join("\n", lakeMainRowList),
        lakeMainRows,
        equalTo(goodIds.size()));
    assertThat(lakeIds, equalTo(goodIds));

    // Lake dead letters: one per bad line, at its file:line, with its step and reason.
    ObjectMapper json = new ObjectMapper();
    List<String[]> letters = new ArrayList<>();
    for (String line : lakeLetters) {
      assertNoPii("lake dead letter", line);
      JsonNode letter = json.readTree(line);
      letters.add(
          new String[] {
            letter.get("source").asText(), letter.get("step").asText(), letter.get("error").asText()
          });
    }
    assertThat("lake dead letters", BadInputCorpus.checkDeadLetters(bad, letters), empty());

    // ClickHouse: exactly the warehouse tables, dead_letters and datalake_runs, the freshness
    // views, and each valid tenant's views (one per table and its freshness view).
    String db = "`" + database + "`";
    assertThat(
        LocalServices.clickhouseCount(
            "SELECT count() FROM system.tables WHERE database = '"
                + database
                + "' AND engine != 'View'"),
        equalTo((long) WarehouseTables.all().size() + 2));
    assertThat(
        LocalServices.clickhouseCount(
            "SELECT count() FROM system.tables WHERE database = '"
                + database
                + "' AND engine = 'View'"),
        equalTo((long) TENANTS.size() * (WarehouseTables.all().size() + 1) + 3));
    Map<String, Long> viewRows = new TreeMap<>();
    for (String tenant : TENANTS) {
      assertThat(tenant, TenantId.isValid(tenant), equalTo(true));
      for (WarehouseTable table : WarehouseTables.all()) {
        long rows =
            LocalServices.clickhouseCount(
                "SELECT count() FROM " + db + ".`" + table.viewName(tenant) + "`");
        viewRows.merge(tenant, rows, Long::sum);
      }
    }
    for (String tenant : TENANTS) {
      assertThat("rows in the views of " + tenant, viewRows.get(tenant) > 0, equalTo(true));
    }

    // ClickHouse rows: the good lines, each in its tenant's views, no PII anywhere.
    Set<String> warehouseIds = new TreeSet<>();
    long warehouseMainRows = 0;
    for (Map.Entry<String, String> main : BadInputCorpus.ID_COLUMN.entrySet()) {
      String ids =
          LocalServices.clickhouse(
              "SELECT `"
                  + main.getValue()
                  + "` FROM "
                  + db
                  + ".`"
                  + main.getKey()
                  + "` FINAL FORMAT TabSeparated");
      for (String id : ids.split("\n")) {
        if (!id.isBlank()) {
          warehouseIds.add(goodId(id));
          warehouseMainRows++;
        }
      }
    }
    assertThat(
        "ClickHouse: one main row per good line",
        warehouseMainRows,
        equalTo((long) goodIds.size()));
    assertThat(warehouseIds, equalTo(goodIds));
    for (WarehouseTable table : WarehouseTables.all()) {
      assertNoPii(
          "ClickHouse " + table.name(),
          LocalServices.clickhouse(
              "SELECT * FROM " + db + ".`" + table.name() + "` FORMAT TabSeparated"));
    }
    String deadLetters =
        LocalServices.clickhouse(
            "SELECT source, step, error, encrypted_record FROM "
                + db
                + ".dead_letters FINAL FORMAT TabSeparated");
    assertNoPii("ClickHouse dead_letters", deadLetters);
    List<String[]> warehouseLetters = new ArrayList<>();
    for (String row : deadLetters.split("\n")) {
      if (!row.isBlank()) {
        String[] f = row.split("\t", -1);
        warehouseLetters.add(new String[] {f[0], f[1], f[2]});
      }
    }
    assertThat(
        "ClickHouse dead letters", BadInputCorpus.checkDeadLetters(bad, warehouseLetters), empty());

    assertThat("the log was captured", log.contains("input records"), equalTo(true));
    assertNoPii("the run's log", log);
  }

  private static void assertNoPii(String where, String text) {
    for (String pii : BadInputCorpus.PII) {
      assertThat("PII plaintext in " + where, text.contains(pii), equalTo(false));
    }
  }

  /** Runs the batch with its stdout and stderr (slf4j-simple logs there) also kept. */
  private static String runCapturingLog(String... args) {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    PrintStream out = System.out;
    PrintStream err = System.err;
    System.setOut(new PrintStream(new Tee(out, log), true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(new Tee(err, log), true, StandardCharsets.UTF_8));
    try {
      DatalakePipeline.run(
          PipelineOptionsFactory.fromArgs(args)
              .as(DatalakeOptions.class)); // throws unless balanced
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
    return log.toString(StandardCharsets.UTF_8);
  }

  private static final class Tee extends OutputStream {
    private final OutputStream a;
    private final OutputStream b;

    Tee(OutputStream a, OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public synchronized void write(int c) throws java.io.IOException {
      a.write(c);
      b.write(c);
    }

    @Override
    public synchronized void write(byte[] bytes, int off, int len) throws java.io.IOException {
      a.write(bytes, off, len);
      b.write(bytes, off, len);
    }

    @Override
    public void flush() throws java.io.IOException {
      a.flush();
    }
  }

  private static void copyCorpus(Path input) throws Exception {
    try (Stream<Path> files = Files.walk(CORPUS)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".jsonl")).toList()) {
        Path target = input.resolve(CORPUS.relativize(file).toString());
        Files.createDirectories(target.getParent());
        Files.copy(file, target);
      }
    }
  }

  private static Map<String, String> snapshot(Path dir) throws Exception {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path file : all.filter(Files::isRegularFile).toList()) {
        files.put(
            dir.relativize(file).toString(),
            Arrays.hashCode(Files.readAllBytes(file)) + ":" + Files.size(file));
      }
    }
    return files;
  }

  /** The good id in a value, or a note of the line that has none (for the assertion's message). */
  private static String goodId(String text) {
    String id = BadInputCorpus.goodId(text);
    return id != null ? id : "not a good line: " + text.substring(0, Math.min(40, text.length()));
  }
}
