package io.datalake.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.io.LocalInputFile;

/**
 * Reads a local lake the way a query engine sees it: finished Parquet files only. Folders whose
 * names start with a dot hold the writers' temporary files, which no reader may count.
 */
public final class LakeFiles {
  private LakeFiles() {}

  /** The finished Parquet files of one table. */
  public static List<Path> parquetFiles(Path lake, String table) throws IOException {
    return files(lake.resolve(table), ".parquet");
  }

  /**
   * Distinct values of a table's id column in the finished files; -1 while a file is being
   * finished.
   */
  public static long distinctIds(Path lake, String table) {
    try {
      return idCounts(lake, table, "id").size();
    } catch (IOException e) {
      return -1; // a file being finished while we list: count again
    }
  }

  /**
   * How often each value of a table's id column is in the finished files (more than once: a
   * duplicate); derived snapshot rows, which stand for no input record, are left out.
   */
  public static Map<String, Integer> idCounts(Path lake, String table, String idColumn)
      throws IOException {
    Map<String, Integer> counts = new HashMap<>();
    forEachRow(
        lake,
        table,
        row -> {
          if (PrimaryTables.isInputRow(row.record())) {
            counts.merge(row.string(idColumn), 1, Integer::sum);
          }
        });
    return counts;
  }

  /** Every row of one table, with the partition folder each came from. */
  public static List<LakeRecord> rows(Path lake, String table) throws IOException {
    List<LakeRecord> rows = new ArrayList<>();
    forEachRow(lake, table, rows::add);
    return rows;
  }

  private static void forEachRow(Path lake, String table, Consumer<LakeRecord> action)
      throws IOException {
    for (Path file : parquetFiles(lake, table)) {
      try (ParquetReader<GenericRecord> reader =
          AvroParquetReader.<GenericRecord>builder(new LocalInputFile(file)).build()) {
        for (GenericRecord record = reader.read(); record != null; record = reader.read()) {
          action.accept(new LakeRecord(lake.relativize(file.getParent()).toString(), record));
        }
      }
    }
  }

  /** The dead-letter lines (one JSON object each). */
  public static List<String> deadLetters(Path lake) throws IOException {
    List<String> lines = new ArrayList<>();
    for (Path file : files(lake.resolve("_dead_letters"), ".jsonl")) {
      Files.readAllLines(file).stream().filter(l -> !l.isBlank()).forEach(lines::add);
    }
    return lines;
  }

  /**
   * The distinct dead letters by these fields of theirs (e.g. {@code source}: the record's
   * topic/partition/offset@time): a letter a replay wrote again counts once.
   */
  public static Set<List<String>> distinctDeadLetters(Path lake, String... fields)
      throws IOException {
    ObjectMapper json = new ObjectMapper();
    Set<List<String>> letters = new HashSet<>();
    for (String line : deadLetters(lake)) {
      JsonNode letter = json.readTree(line);
      List<String> key = new ArrayList<>();
      for (String field : fields) {
        key.add(letter.path(field).asText());
      }
      letters.add(List.copyOf(key));
    }
    return letters;
  }

  private static List<Path> files(Path dir, String suffix) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.filter(p -> p.getFileName().toString().endsWith(suffix))
          .filter(p -> !hidden(dir.relativize(p)))
          .sorted()
          .toList();
    }
  }

  /**
   * Whether a path relative to the lake is a writer's temporary file: under a folder whose name
   * starts with a dot.
   */
  public static boolean hidden(Path relative) {
    for (Path part : relative) {
      if (part.toString().startsWith(".")) {
        return true;
      }
    }
    return false;
  }

  /** A row and the folder (relative to the lake) of its file. */
  public record LakeRecord(String folder, GenericRecord record) {
    public String string(String field) {
      Object value = record.get(field);
      return value == null ? null : value.toString();
    }
  }
}
