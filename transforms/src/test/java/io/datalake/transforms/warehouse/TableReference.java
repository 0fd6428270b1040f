package io.datalake.transforms.warehouse;

import io.datalake.transforms.io.WriteDeadLetters;
import io.datalake.transforms.kinds.RecordKind;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.model.DeadLetter;
import io.datalake.transforms.schema.AvroSchemas;
import io.datalake.transforms.schema.Field;
import io.datalake.transforms.schema.FieldType;
import io.datalake.transforms.schema.LakeTable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;

/**
 * Writes the README's table reference from the declarations themselves: per lake table of the
 * built-in kinds ({@link RecordKinds#builtIn()}) and per ClickHouse table made from them ({@link
 * WarehouseTables#of}), each column with its Parquet type (from the table's Avro schema), its
 * ClickHouse type and its meaning (the declared {@link Field#description()}, or the {@link
 * WarehouseColumn#description()} of a column the warehouse adds); the tenant, event-time, key and
 * version columns; the partitioning in the lake and in ClickHouse; each tenant's {@code _final}
 * view with its query; and {@code dead_letters} ({@link DeadLetterTable}). The block sits in
 * README.md between {@link #BEGIN} and {@link #END}; {@code TableReferenceTest} fails when it
 * differs from what this class makes.
 *
 * <p>Kept in the test sources, like the options' README tables: only the build and the developer
 * run it.
 */
final class TableReference {
  /** The command that rewrites the block; named by the test's failure message and the README. */
  static final String UPDATE_COMMAND =
      "mvn -pl transforms test -Dtest=TableReferenceTest -Dreadme.update=true";

  /** How the begin marker line starts; the rest of that line is rewritten with {@link #BEGIN}. */
  static final String BEGIN_PREFIX = "<!-- tables:begin";

  /** Where the generated reference starts in README.md. */
  static final String BEGIN =
      BEGIN_PREFIX
          + ": generated from the declared schemas (transforms/.../kinds/*, WarehouseTables,"
          + " DeadLetterTable), do not edit by hand; regenerate with "
          + UPDATE_COMMAND
          + " -->";

  /** Where it ends. */
  static final String END = "<!-- tables:end -->";

  /** How the views are shown: with this placeholder for the tenant's id. */
  static final String TENANT = "{org_id}";

  private static final String DATABASE = ClickHouseWarehouseIO.DEFAULT_DATABASE;

  private TableReference() {}

  /**
   * README.md of this checkout, found from the transforms module's folder (where Maven runs its
   * tests) or from the checkout's root.
   */
  static Path readme() {
    Path here = Paths.get(System.getProperty("basedir", "")).toAbsolutePath();
    for (Path dir = here; dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("README.md");
      if (Files.isRegularFile(candidate) && Files.isDirectory(dir.resolve("transforms"))) {
        return candidate;
      }
    }
    throw new IllegalStateException(
        "README.md not found in " + here + " or above (next to the transforms/ folder)");
  }

  /** README.md with the block rewritten; whether it changed. */
  static boolean update(Path readme) throws IOException {
    String current = Files.readString(readme, StandardCharsets.UTF_8);
    String updated = withReference(current, render(RecordKinds.builtIn()));
    if (!updated.equals(current)) {
      Files.writeString(readme, updated, StandardCharsets.UTF_8);
    }
    return !updated.equals(current);
  }

  /**
   * {@code readme} with the begin marker line rewritten as {@link #BEGIN} and everything up to the
   * end marker replaced by {@code reference}; each marker must be there once, in order.
   */
  static String withReference(String readme, String reference) {
    int begin = readme.indexOf(BEGIN_PREFIX);
    int end = readme.indexOf(END);
    int afterBegin = begin < 0 ? -1 : readme.indexOf('\n', begin) + 1;
    boolean once =
        begin >= 0
            && readme.lastIndexOf(BEGIN_PREFIX) == begin
            && readme.lastIndexOf(END) == end
            && afterBegin > 0
            && end >= afterBegin;
    if (!once) {
      throw new IllegalStateException(
          "README.md must hold each of these marker lines once, in this order (the table reference"
              + " is generated between them):\n"
              + BEGIN
              + "\n"
              + END);
    }
    return readme.substring(0, begin) + BEGIN + "\n" + reference + readme.substring(end);
  }

  /** The markdown between the markers. */
  static String render(RecordKinds kinds) {
    List<WarehouseTable> warehouse = WarehouseTables.of(kinds);
    StringBuilder md = new StringBuilder("\n");
    md.append(
        "Every table at a glance. The lake writes each table under"
            + " `<lake>/<table>/org_id=<tenant>/year=YYYY/month=MM/day=DD/` (and `hour=HH/` with"
            + " `--partitionByHour`), from the row's tenant column and its event time in UTC."
            + " ClickHouse tables are `ReplacingMergeTree(_version)` in the database `"
            + DATABASE
            + "`, ordered by the key; `FINAL` (and every view) keeps the row with the highest"
            + " `_version` of each key.\n\n");
    md.append(
        "| table | tenant | event time | key | version | ClickHouse `PARTITION BY` | a tenant"
            + " reads it as |\n|---|---|---|---|---|---|---|\n");
    for (WarehouseTable table : warehouse) {
      LakeTable lake = kinds.table(table.source());
      boolean derived = !table.name().equals(lake.name());
      md.append("| `")
          .append(table.name())
          .append(derived ? "` (ClickHouse only)" : "`")
          .append(" | `")
          .append(table.tenantColumn())
          .append("` | `")
          .append(lake.eventTimeColumn())
          .append("` | ")
          .append(code(table.orderBy()))
          .append(" | `")
          .append(lake.versionColumn())
          .append("` | ")
          .append(sql(table.partitionBy()))
          .append(" | ")
          .append(String.join(", ", tenantReads(table)))
          .append(" |\n");
    }
    md.append("| `")
        .append(DeadLetterTable.NAME)
        .append("` | (none) | (none) | ")
        .append(code(DeadLetterTable.orderBy()))
        .append(" | time written | ")
        .append(sql(deadLetterPartition()))
        .append(
            " | its own rows (those with its `org_id`): 18.16: `` `tenant_{org_id}`.`dead_letters`"
                + " ``, current servers: `` `datalake`.`dead_letters` `` |\n");
    md.append(
        "\nTypes: the lake's are Parquet's (every column nullable but `late`; `STRING (JSON)` is"
            + " JSON text); in ClickHouse, nested structs and lists of them are JSON text, so"
            + " their fields (`a.b`, `a[].b` below) are read with `visitParamExtract*` there,"
            + " and the timestamps inside that JSON are microseconds since 1970-01-01 UTC. Numbers"
            + " in JSON text are as the record wrote them, every digit (one beyond a double's"
            + " range, such as 1e400, becomes the string \"Infinity\"), but for the VTEX"
            + " tables: there every scalar in JSON text (`STRING (JSON)` columns and `_extra`) is"
            + " a string (`\"604800\"`, `\"true\"`), as VTEX's raw form sends it, so that an order"
            + " raw and typed gives the same text; read such a value with"
            + " `visitParamExtractString` and convert it (`toInt64OrNull`). Every nested struct"
            + " also has its own `_extra`.\n");
    for (RecordKind kind : kinds.all()) {
      for (LakeTable lake : kind.tables()) {
        for (WarehouseTable table : warehouse) {
          if (table.source().equals(lake.name())) {
            md.append(section(kind, lake, table));
          }
        }
      }
    }
    md.append(deadLetters());
    return md.append('\n').toString();
  }

  /**
   * Where a tenant's user reads a warehouse table (see {@link TenantAccess}): on ClickHouse 18.16,
   * its database {@code tenant_<org_id>} holds the table under its own name and under its {@code
   * _final} view's name; on current servers it reads the shared database, where a row policy keeps
   * it to its rows.
   */
  static List<String> tenantReads(WarehouseTable table) {
    String tenantDb = Sql.identifier("tenant_" + TENANT);
    String view = Sql.identifier(table.viewName(TENANT));
    return List.of(
        "18.16: " + sql(tenantDb + "." + Sql.identifier(table.name())),
        sql(tenantDb + "." + view),
        "current servers: " + sql(Sql.identifier(DATABASE) + "." + Sql.identifier(table.name())),
        sql(Sql.identifier(DATABASE) + "." + view));
  }

  /** One table: what it is, its roles, partitions, view, and its columns. */
  private static String section(RecordKind kind, LakeTable lake, WarehouseTable table) {
    boolean derived = !table.name().equals(lake.name());
    StringBuilder md = new StringBuilder("\n#### `").append(table.name()).append("`\n\n");
    if (derived) {
      LakeTable.CurrentState state = lake.currentState();
      md.append("ClickHouse only: the latest row of each ")
          .append(code(state.key()))
          .append(" of `")
          .append(lake.name())
          .append("`, by `")
          .append(lake.versionColumn())
          .append("`; `deleted` is 1 when its `")
          .append(state.operationColumn())
          .append("` is ")
          .append(code(new ArrayList<>(new TreeSet<>(state.deleting()))).replace(", ", " or "))
          .append(".\n\n");
    } else {
      md.append(required(lake.description(), lake.name() + " has no description"))
          .append(". From kind `")
          .append(kind.name())
          .append("`")
          .append(lake.primary() ? " (its primary table: one row per accepted record)" : "")
          .append(".\n\n");
    }
    md.append("- Tenant `")
        .append(table.tenantColumn())
        .append("`, event time `")
        .append(lake.eventTimeColumn())
        .append("`, key ")
        .append(code(table.orderBy()))
        .append(", version `")
        .append(lake.versionColumn())
        .append("`")
        .append(lake.immutable() && !derived ? " (rows never change)" : "")
        .append(".\n");
    if (!derived) {
      md.append("- Lake: `<lake>/")
          .append(lake.name())
          .append("/org_id=<")
          .append(lake.tenantColumn())
          .append(">/year=/month=/day=/` of `")
          .append(lake.eventTimeColumn())
          .append("`, Parquet.\n");
    }
    md.append("- ClickHouse: `")
        .append(DATABASE)
        .append('.')
        .append(table.name())
        .append("`, ")
        .append(sql("PARTITION BY " + table.partitionBy()))
        .append(
            table.partitionBy().equals("tuple()")
                ? " (versions of one key can fall in different months)"
                : "")
        .append(", `ORDER BY ")
        .append(String.join(", ", table.orderBy()))
        .append("`.\n");
    if (lake.parent() != null) {
      md.append("- Child of `")
          .append(lake.parent().table().name())
          .append("`: `")
          .append(lake.parent().column())
          .append("` is its `")
          .append(lake.parent().parentColumn())
          .append("`; the view shows only the rows of the parent's newest version.\n");
    }
    if (lake.currentState() != null && !derived) {
      md.append("- Feeds `").append(lake.currentState().table()).append("`.\n");
    }
    md.append("- Tenant view `")
        .append(table.viewName(TENANT))
        .append("`: ")
        .append(sql(viewQuery(table)))
        .append(".\n");
    md.append("- Where a tenant reads it: ").append(String.join(", ", tenantReads(table)));
    md.append(".\n");
    if (lake.primary() && !derived) {
      md.append("- Encrypted (PII) in each record of kind `")
          .append(kind.name())
          .append("`, paths into the source record: ")
          .append(kind.piiPaths().isEmpty() ? "none" : code(kind.piiPaths()))
          .append(".\n");
    }
    md.append(columns(lake, table, derived));
    return md.toString();
  }

  /** The view's query as the pipeline creates it, for the {@link #TENANT} placeholder. */
  static String viewQuery(WarehouseTable table) {
    String statement = table.createViewStatement(DATABASE, TENANT);
    return statement.substring(statement.indexOf(" AS SELECT ") + " AS ".length());
  }

  /** The columns table, folded: some tables have a hundred rows of nested fields. */
  private static String columns(LakeTable lake, WarehouseTable table, boolean derived) {
    List<String[]> rows = new ArrayList<>();
    Schema avro = lake.avroSchema();
    Map<String, WarehouseColumn> warehouse = new LinkedHashMap<>();
    for (WarehouseColumn column : table.columns()) {
      warehouse.put(column.name(), column);
    }
    if (!derived) {
      for (Schema.Field field : avro.getFields()) {
        WarehouseColumn column = warehouse.remove(field.name());
        Field declared = lake.rowType().field(field.name());
        String meaning =
            column != null && column.description() != null
                ? column.description()
                : meaning(lake, declared, field);
        rows.add(
            new String[] {
              field.name(),
              roles(lake, table, field.name()),
              parquetType(field.schema()),
              column == null ? "—" : column.ddlType(),
              meaning
            });
        if (declared != null) {
          nested(lake, declared.column(), declared.type(), field.schema(), rows);
        }
      }
    }
    for (WarehouseColumn column : warehouse.values()) {
      String meaning = column.description();
      if (meaning == null) {
        meaning = meaning(lake, lake.rowType().field(column.name()), avro.getField(column.name()));
      }
      rows.add(
          new String[] {
            column.name(), roles(lake, table, column.name()), "—", column.ddlType(), meaning
          });
    }
    // Not a column the pipeline writes (not in columns()), but in every table: the server fills it.
    rows.add(
        new String[] {
          WarehouseTables.INSERTED_AT,
          "",
          "—",
          WarehouseTables.INSERTED_AT_DDL,
          "When ClickHouse wrote the row (the server's clock, whole seconds), filled in by the"
              + " server; not in `SELECT *` nor the views; the freshness views read it"
        });
    StringBuilder md = new StringBuilder("\n<details><summary>");
    md.append(table.columns().size() + 1).append(" ClickHouse columns");
    if (!derived) {
      md.append(", ").append(avro.getFields().size()).append(" lake columns");
    }
    md.append("</summary>\n\n| column | role | Parquet | ClickHouse | meaning |\n");
    md.append("|---|---|---|---|---|\n");
    for (String[] row : rows) {
      md.append("| `")
          .append(row[0])
          .append("` | ")
          .append(row[1])
          .append(" | ")
          .append(row[2])
          .append(" | ")
          .append(row[3].equals("—") || row[3].equals("in JSON") ? row[3] : "`" + row[3] + "`")
          .append(" | ")
          .append(cell(row[4]))
          .append(" |\n");
    }
    return md.append("\n</details>\n").toString();
  }

  /** The rows of the fields inside a struct or a list of structs, with their dotted paths. */
  private static void nested(
      LakeTable lake, String path, FieldType type, Schema avro, List<String[]> rows) {
    Schema schema = AvroSchemas.nonNull(avro);
    if (type instanceof FieldType.ArrayType array) {
      nested(lake, path + "[]", array.element(), schema.getElementType(), rows);
      return;
    }
    if (!(type instanceof FieldType.RecordType record)) {
      return;
    }
    for (Field field : record.fields()) {
      Schema.Field avroField = schema.getField(field.column());
      String fieldPath = path + "." + field.column();
      rows.add(
          new String[] {
            fieldPath,
            "",
            parquetType(avroField.schema()),
            "in JSON",
            required(field.description(), lake.name() + "." + fieldPath + " has no description")
          });
      nested(lake, fieldPath, field.type(), avroField.schema(), rows);
    }
  }

  /** A lake column's meaning: its declaration's, or the schema's own for a pipeline column. */
  private static String meaning(LakeTable lake, Field declared, Schema.Field avro) {
    String meaning = declared != null ? declared.description() : avro == null ? null : avro.doc();
    String name = declared != null ? declared.column() : avro == null ? "?" : avro.name();
    return required(meaning, lake.name() + "." + name + " has no description");
  }

  private static String required(String meaning, String problem) {
    if (meaning == null || meaning.isBlank()) {
      throw new IllegalStateException(
          problem + ": every declared field and table says what it holds (Field.doc, describedAs)");
    }
    return meaning;
  }

  /** Tenant, event time, key, version: what the column is to the table. */
  private static String roles(LakeTable lake, WarehouseTable table, String column) {
    List<String> roles = new ArrayList<>();
    if (column.equals(table.tenantColumn())) {
      roles.add("tenant");
    }
    if (column.equals(lake.eventTimeColumn())) {
      roles.add("event time");
    }
    if (table.orderBy().contains(column)) {
      roles.add("key");
    }
    if (column.equals(lake.versionColumn())) {
      roles.add("version");
    }
    if (column.equals(WarehouseTables.VERSION)) {
      roles.add("version (ClickHouse)");
    }
    return String.join(", ", roles);
  }

  /** The Parquet type a column of this Avro schema is written as. */
  static String parquetType(Schema avro) {
    Schema schema = AvroSchemas.nonNull(avro);
    return switch (schema.getType()) {
      case STRING -> "JSON".equals(schema.getProp("sqlType")) ? "STRING (JSON)" : "STRING";
      case LONG ->
          schema.getLogicalType() instanceof LogicalTypes.TimestampMicros
              ? "TIMESTAMP(MICROS, UTC)"
              : "INT64";
      case DOUBLE -> "DOUBLE";
      case BOOLEAN -> "BOOLEAN";
      case RECORD -> "STRUCT";
      case ARRAY -> "LIST\\<" + parquetType(schema.getElementType()) + "\\>";
      default -> throw new IllegalStateException("no Parquet name for Avro " + schema.getType());
    };
  }

  private static String deadLetterPartition() {
    String statement = DeadLetterTable.createStatement(DATABASE);
    int at = statement.indexOf("PARTITION BY ") + "PARTITION BY ".length();
    return statement.substring(at, statement.indexOf('\n', at));
  }

  /** {@code dead_letters}, in the lake and in ClickHouse. */
  private static String deadLetters() {
    StringBuilder md = new StringBuilder("\n#### `").append(DeadLetterTable.NAME).append("`\n\n");
    md.append("One row per record a step refused, in both sinks: JSON lines under `<lake>/")
        .append(WriteDeadLetters.FOLDER)
        .append("/<kind>/` and the ClickHouse table `")
        .append(DATABASE)
        .append('.')
        .append(DeadLetterTable.NAME)
        .append("`, `PARTITION BY ")
        .append(deadLetterPartition())
        .append("`, `ORDER BY ")
        .append(String.join(", ", DeadLetterTable.orderBy()))
        .append("`. Its `")
        .append(DeadLetterTable.TENANT_COLUMN)
        .append("` is the record's tenant when it was known at the refusal (null otherwise): a")
        .append(" tenant reads its own dead letters' figures in its freshness view, and its own")
        .append(" rows of this table (on 18.16 `dead_letters` in its own database, a copy); those")
        .append(" without a tenant are the admin's only.\n");
    md.append("\n| column | role | lake (JSON lines) | ClickHouse | meaning |\n");
    md.append("|---|---|---|---|---|\n");
    Map<String, Boolean> inLake = new LinkedHashMap<>();
    for (DeadLetter.StoredField field : DeadLetter.STORED_FIELDS) {
      inLake.put(field.name(), field.nullable());
    }
    Map<String, String> meanings = DeadLetterTable.meanings();
    DeadLetterTable.columns()
        .forEach(
            (name, type) -> {
              Boolean nullable = inLake.get(name);
              md.append("| `")
                  .append(name)
                  .append("` | ")
                  .append(
                      DeadLetterTable.orderBy().contains(name)
                          ? "key"
                          : name.equals(WarehouseTables.VERSION) ? "version (ClickHouse)" : "")
                  .append(" | ")
                  .append(nullable == null ? "—" : nullable ? "string or null" : "string")
                  .append(" | `")
                  .append(type)
                  .append("` | ")
                  .append(
                      cell(
                          required(
                              meanings.get(name),
                              DeadLetterTable.NAME + "." + name + " has no description")))
                  .append(" |\n");
            });
    md.append("| `")
        .append(WarehouseTables.INSERTED_AT)
        .append("` |  | — | `")
        .append(WarehouseTables.INSERTED_AT_DDL)
        .append("` | When ClickHouse wrote the row, filled in by the server; the dead-letter")
        .append(" freshness view counts by it |\n");
    return md.toString();
  }

  /** SQL as inline code: its own backquotes need a longer fence. */
  private static String sql(String text) {
    return "`` " + text + " ``";
  }

  private static String code(List<String> names) {
    return "`" + String.join("`, `", names) + "`";
  }

  /** Text safe in a table cell: no pipe ends it, no {@code <x>} vanishes as a tag, no emphasis. */
  static String cell(String text) {
    return text.replaceAll("([\\\\|<>*_`])", "\\\\$1");
  }
}
