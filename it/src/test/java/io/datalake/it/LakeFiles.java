package io.datalake.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.io.LocalInputFile;

/**
 * Reads a local lake the way a query engine sees it: finished Parquet files only. Folders whose
 * names start with a dot hold the writers' temporary files, which no reader may count.
 */
final class LakeFiles {
  private LakeFiles() {}

  /** The finished Parquet files of one table. */
  static List<Path> parquetFiles(Path lake, String table) throws IOException {
    return files(lake.resolve(table), ".parquet");
  }

  /** Every row of one table, with the partition folder each came from. */
  /** Distinct values of a table's id column in the finished files; -1 while a file is being finished. */
  static long distinctIds(Path lake, String table) {
    try {
      java.util.Set<String> ids = new java.util.HashSet<>();
      rows(lake, table).forEach(r -> ids.add(r.string("id")));
      return ids.size();
    } catch (IOException e) {
      return -1; // a file being finished while we list: count again
    }
  }

  static List<LakeRecord> rows(Path lake, String table) throws IOException {
    List<LakeRecord> rows = new ArrayList<>();
    for (Path file : parquetFiles(lake, table)) {
      try (ParquetReader<GenericRecord> reader =
          AvroParquetReader.<GenericRecord>builder(new LocalInputFile(file)).build()) {
        for (GenericRecord record = reader.read(); record != null; record = reader.read()) {
          rows.add(new LakeRecord(lake.relativize(file.getParent()).toString(), record));
        }
      }
    }
    return rows;
  }

  /** The dead-letter lines (one JSON object each). */
  static List<String> deadLetters(Path lake) throws IOException {
    List<String> lines = new ArrayList<>();
    for (Path file : files(lake.resolve("_dead_letters"), ".jsonl")) {
      Files.readAllLines(file).stream().filter(l -> !l.isBlank()).forEach(lines::add);
    }
    return lines;
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

  private static boolean hidden(Path relative) {
    for (Path part : relative) {
      if (part.toString().startsWith(".")) {
        return true;
      }
    }
    return false;
  }

  /** A row and the folder (relative to the lake) of its file. */
  record LakeRecord(String folder, GenericRecord record) {
    String string(String field) {
      Object value = record.get(field);
      return value == null ? null : value.toString();
    }
  }
}
