package io.datalake.transforms.warehouse;

import static io.datalake.transforms.schema.Field.str;
import static io.datalake.transforms.schema.Field.ts;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.fail;

import io.datalake.transforms.kinds.RecordKind;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.model.DeadLetter;
import io.datalake.transforms.parse.FlatRecordMapper;
import io.datalake.transforms.schema.Field;
import io.datalake.transforms.schema.FieldType;
import io.datalake.transforms.schema.LakeTable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.Test;

/**
 * The README's table reference is exactly what the declarations say, and the declarations say what
 * every field holds.
 */
public class TableReferenceTest {

  /**
   * The guard: README.md's table reference is what {@link TableReference} makes from the built-in
   * kinds. With {@code -Dreadme.update=true} it rewrites it instead (the command its failure
   * names).
   */
  @Test
  public void readmeTableReferenceIsThatOfTheDeclaredSchemas() throws IOException {
    Path readme = TableReference.readme();
    if (Boolean.getBoolean("readme.update")) {
      TableReference.update(readme);
      return;
    }
    String current = Files.readString(readme, StandardCharsets.UTF_8);
    String generated =
        TableReference.withReference(current, TableReference.render(RecordKinds.builtIn()));
    if (!generated.equals(current)) {
      fail(
          "README.md's table reference differs from the declared schemas (kinds' fields and"
              + " descriptions, WarehouseTables, DeadLetterTable); regenerate it with\n  "
              + TableReference.UPDATE_COMMAND
              + "\nFirst difference: "
              + firstDifference(current, generated));
    }
  }

  /** Every field of every built-in table, nested ones too, and every table says what it holds. */
  @Test
  public void everyDeclaredFieldAndTableHasADescription() {
    List<String> missing = new ArrayList<>();
    for (LakeTable table : RecordKinds.builtIn().tables()) {
      if (blank(table.description())) {
        missing.add("table " + table.name());
      }
      undescribed(table.name(), table.rowType(), missing);
    }
    for (DeadLetter.StoredField field : DeadLetter.STORED_FIELDS) {
      if (blank(field.description())) {
        missing.add("dead letter field " + field.name());
      }
    }
    for (WarehouseTable table : WarehouseTables.all()) {
      for (WarehouseColumn column : table.columns()) {
        boolean ofALakeField =
            RecordKinds.builtIn().table(table.source()).rowType().field(column.name()) != null;
        boolean ofThePipeline = column.name().startsWith("_") || column.name().equals("late");
        if (!ofALakeField && !ofThePipeline && blank(column.description())) {
          missing.add("warehouse column " + table.name() + "." + column.name());
        }
      }
    }
    assertEquals(
        "Say what each holds (Field.doc, LakeTable.Builder.describedAs, WarehouseColumn.description,"
            + " StoredField.doc), in one line: its source, unit or format, and whether it is"
            + " encrypted",
        List.of(),
        missing);
  }

  private static void undescribed(String path, FieldType type, List<String> missing) {
    if (type instanceof FieldType.ArrayType array) {
      undescribed(path + "[]", array.element(), missing);
    } else if (type instanceof FieldType.RecordType record) {
      for (Field field : record.fields()) {
        String fieldPath = path + "." + field.column();
        if (blank(field.description())) {
          missing.add(fieldPath);
        }
        undescribed(fieldPath, field.type(), missing);
      }
    }
  }

  /**
   * A field the built-in PII policy names by its exact path in a primary table (whose rows are the
   * source records) says it is encrypted: a reader must not take a token for a value.
   */
  @Test
  public void aFieldThePiiPolicyNamesSaysItIsEncrypted() {
    List<String> silent = new ArrayList<>();
    int named = 0;
    for (RecordKind kind : RecordKinds.builtIn().all()) {
      for (String path : kind.piiPaths()) {
        if (path.contains("*")) {
          continue; // a pattern: the kind's section lists it
        }
        Field field = fieldAt(kind.primaryTable().rowType(), path);
        if (field != null) {
          named++;
          if (!field.description().contains("encrypted")) {
            silent.add(kind.name() + ": " + path);
          }
        }
      }
    }
    assertEquals(List.of(), silent);
    // The check has something to check: the VTEX order's PII fields are declared columns.
    assertThat(named, greaterThan(30));
  }

  /** The declared field at a PII path such as {@code a.b[].c}; null when none is declared. */
  private static Field fieldAt(FieldType.RecordType row, String path) {
    FieldType type = row;
    Field field = null;
    for (String key : path.split("\\.")) {
      String name = key.endsWith("[]") ? key.substring(0, key.length() - 2) : key;
      if (type instanceof FieldType.ArrayType array) {
        type = array.element();
      }
      if (!(type instanceof FieldType.RecordType record) || record.field(name) == null) {
        return null;
      }
      field = record.field(name);
      type = field.type();
    }
    return field;
  }

  @Test
  public void theReferenceShowsRolesViewsDerivedTablesAndDeadLetters() {
    String md = TableReference.render(RecordKinds.builtIn());
    assertThat(
        md,
        containsString(
            "| `entity_operations` | `org_id` | `timestamp` | `org_id`, `entity_id`, `activity_id`, `id`"
                + " | `timestamp` | `` toYYYYMM(`timestamp`) `` |"));
    assertThat(md, containsString("| `current_entities` (ClickHouse only) | `org_id` |"));
    assertThat(
        md,
        containsString(
            "- Tenant view `{org_id}_workflow_phases_final`: `` SELECT * FROM `datalake`."
                + "`workflow_phases` FINAL WHERE org_id = '{org_id}' AND (execution_id, _version)"
                + " IN (SELECT id, _version FROM `datalake`.`workflow_executions` FINAL WHERE"
                + " org_id = '{org_id}') ``."));
    assertThat(
        md, containsString("WHERE org_id = '{org_id}' AND deleted = 0 ``.")); // current_entities
    assertThat(
        md,
        containsString(
            "| `orderId` | key | STRING | `String` | The VTEX order id, text such as"
                + " 1172452900788-01 |"));
    assertThat(
        md,
        containsString(
            "| `shippingData.selectedAddresses[].street` |  | STRING | in JSON | The street;"
                + " encrypted |"));
    assertThat(md, containsString("| `_version` | version (ClickHouse) | — | `UInt64` |"));
    assertThat(md, containsString("| `late` |  | BOOLEAN | `UInt8` |"));
    assertThat(
        md,
        containsString(
            "| `encrypted_record` |  | string or null | `Nullable(String)` | The refused record"));
    assertThat(md, containsString("| `assigned_to` |  | LIST\\<STRING\\> | `Array(String)` |"));
  }

  /** A kind of one's own whose field says nothing is refused by the field's path. */
  @Test
  public void anUndescribedFieldIsRefusedByName() {
    LakeTable readings =
        LakeTable.named("gas_readings")
            .describedAs("One row per reading")
            .columns(
                str("id").doc("The reading's id"),
                str("org_id").doc("The tenant"),
                ts("read_at").doc("When it was read, UTC"),
                str("meter_id"))
            .tenant("org_id")
            .eventTime("read_at")
            .key("org_id", "id")
            .primary()
            .build();
    RecordKind kind =
        RecordKind.named("gas-readings")
            .tenantField("org_id")
            .eventTimeField("read_at")
            .recordIdField("id")
            .mapper(FlatRecordMapper::new)
            .tables(readings)
            .build();
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> TableReference.render(RecordKinds.builtIn().with(kind)));
    assertThat(e.getMessage(), containsString("gas_readings.meter_id has no description"));
  }

  @Test
  public void theReferenceReplacesOnlyWhatIsBetweenTheMarkers() {
    String readme = "intro\n<!-- tables:begin old -->\nold\n<!-- tables:end -->\nrest\n";
    assertEquals(
        "intro\n" + TableReference.BEGIN + "\nNEW\n" + TableReference.END + "\nrest\n",
        TableReference.withReference(readme, "NEW\n"));
    for (String broken :
        List.of(
            "no markers\n",
            "<!-- tables:end -->\n<!-- tables:begin -->\n",
            "<!-- tables:begin -->\n<!-- tables:end -->\n<!-- tables:begin -->\n")) {
      IllegalStateException e =
          assertThrows(
              IllegalStateException.class, () -> TableReference.withReference(broken, "x"));
      assertThat(e.getMessage(), containsString(TableReference.END));
    }
  }

  private static boolean blank(String text) {
    return text == null || text.isBlank();
  }

  /** Where README.md and the generated text part: the line number and both lines. */
  private static String firstDifference(String current, String generated) {
    int at = 0;
    while (at < Math.min(current.length(), generated.length())
        && current.charAt(at) == generated.charAt(at)) {
      at++;
    }
    int lineStart = current.lastIndexOf('\n', at - 1) + 1;
    long line = current.substring(0, lineStart).chars().filter(c -> c == '\n').count() + 1;
    return "README.md line "
        + line
        + "\n  is:        "
        + lineAt(current, lineStart)
        + "\n  generated: "
        + lineAt(generated, lineStart);
  }

  private static String lineAt(String text, int start) {
    int end = text.indexOf('\n', start);
    return start >= text.length()
        ? "(end of file)"
        : text.substring(start, end < 0 ? text.length() : end);
  }
}
