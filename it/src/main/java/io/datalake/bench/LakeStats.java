package io.datalake.bench;

import io.datalake.testing.LakeFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.io.LocalInputFile;

/**
 * What a local lake holds, read from the Parquet footers: per table the rows, files, partitions,
 * the Parquet schema and codec of its files; and the dead letter lines.
 */
record LakeStats(Map<String, Table> tables, long deadLetters, long bytes) {
  record Table(
      long rows, int files, TreeSet<String> partitions, String schema, TreeSet<String> codecs) {}

  static LakeStats read(Path lake) throws IOException {
    Map<String, long[]> rows = new TreeMap<>();
    Map<String, Integer> files = new TreeMap<>();
    Map<String, TreeSet<String>> partitions = new TreeMap<>();
    Map<String, String> schemas = new TreeMap<>();
    Map<String, TreeSet<String>> codecs = new TreeMap<>();
    long deadLetters = 0;
    long bytes = 0;
    if (!Files.isDirectory(lake)) {
      return new LakeStats(Map.of(), 0, 0);
    }
    List<Path> all;
    try (Stream<Path> walk = Files.walk(lake)) {
      all = walk.filter(Files::isRegularFile).toList();
    }
    for (Path file : all) {
      String rel = lake.relativize(file).toString();
      if (LakeFiles.hidden(lake.relativize(file))) {
        continue; // temporary files
      }
      bytes += Files.size(file);
      if (rel.startsWith("_dead_letters/")) {
        try (Stream<String> lines = Files.lines(file)) {
          deadLetters += lines.filter(l -> !l.isBlank()).count();
        }
        continue;
      }
      if (!rel.endsWith(".parquet")) {
        continue;
      }
      String table = rel.substring(0, rel.indexOf('/'));
      try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file))) {
        ParquetMetadata footer = reader.getFooter();
        rows.computeIfAbsent(table, t -> new long[1])[0] += reader.getRecordCount();
        files.merge(table, 1, Integer::sum);
        partitions
            .computeIfAbsent(table, t -> new TreeSet<>())
            .add(rel.substring(0, rel.lastIndexOf('/')));
        String schema = footer.getFileMetaData().getSchema().toString();
        String previous = schemas.putIfAbsent(table, schema);
        if (previous != null && !previous.equals(schema)) {
          schemas.put(table, "MIXED SCHEMAS");
        }
        footer
            .getBlocks()
            .forEach(
                b ->
                    b.getColumns()
                        .forEach(
                            c ->
                                codecs
                                    .computeIfAbsent(table, t -> new TreeSet<>())
                                    .add(c.getCodec().name())));
      }
    }
    Map<String, Table> tables = new TreeMap<>();
    for (String table : rows.keySet()) {
      tables.put(
          table,
          new Table(
              rows.get(table)[0],
              files.get(table),
              partitions.get(table),
              schemas.get(table),
              codecs.getOrDefault(table, new TreeSet<>())));
    }
    return new LakeStats(tables, deadLetters, bytes);
  }

  long rows() {
    return tables.values().stream().mapToLong(Table::rows).sum();
  }

  /**
   * The differences from another lake (rows, schemas, partitions, codecs); empty when they match.
   */
  List<String> differences(LakeStats other, String name, String otherName) {
    List<String> out = new ArrayList<>();
    TreeSet<String> names = new TreeSet<>(tables.keySet());
    names.addAll(other.tables.keySet());
    for (String t : names) {
      Table a = tables.get(t);
      Table b = other.tables.get(t);
      if (a == null || b == null) {
        out.add(t + ": only in " + (a == null ? otherName : name));
        continue;
      }
      if (a.rows() != b.rows()) {
        out.add(t + ": " + a.rows() + " rows in " + name + ", " + b.rows() + " in " + otherName);
      }
      if (!Objects.equals(a.schema(), b.schema())) {
        out.add(t + ": Parquet schemas differ");
      }
      if (!a.partitions().equals(b.partitions())) {
        out.add(
            t
                + ": partitions differ ("
                + a.partitions().size()
                + " vs "
                + b.partitions().size()
                + ")");
      }
      if (!a.codecs().equals(b.codecs())) {
        out.add(t + ": codecs differ " + a.codecs() + " vs " + b.codecs());
      }
    }
    if (deadLetters != other.deadLetters) {
      out.add(
          "dead letters: "
              + deadLetters
              + " in "
              + name
              + ", "
              + other.deadLetters
              + " in "
              + otherName);
    }
    return out;
  }
}
