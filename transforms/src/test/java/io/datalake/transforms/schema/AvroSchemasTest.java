package io.datalake.transforms.schema;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.Assert.assertThrows;

import io.datalake.transforms.kinds.RecordKinds;
import java.util.List;
import org.apache.avro.Schema;
import org.junit.Test;

/** A record's Avro schema lists its declared fields first, in order: writers go by position. */
public class AvroSchemasTest {
  @Test
  public void everyTablesDeclaredFieldsAreItsFirstColumnsInOrder() {
    for (LakeTable table : RecordKinds.builtIn().tables()) {
      check(table.rowType(), table.avroSchema());
    }
  }

  private static void check(FieldType.RecordType type, Schema schema) {
    List<Schema.Field> columns = schema.getFields();
    for (int i = 0; i < type.fields().size(); i++) {
      Field field = type.fields().get(i);
      Schema.Field column = AvroSchemas.declared(columns, i, field);
      assertThat(column.pos(), equalTo(i));
      if (field.type() instanceof FieldType.RecordType nested) {
        check(nested, AvroSchemas.nonNull(column.schema()));
      }
      if (field.type() instanceof FieldType.ArrayType array
          && array.element() instanceof FieldType.RecordType element) {
        check(element, AvroSchemas.nonNull(AvroSchemas.nonNull(column.schema()).getElementType()));
      }
    }
    assertThat(columns.get(type.fields().size()).name(), equalTo(AvroSchemas.EXTRA));
  }

  @Test
  public void aSchemaNotMadeFromTheTypeIsRefused() {
    LakeTable table = RecordKinds.builtIn().tables().get(0);
    List<Schema.Field> columns = table.avroSchema().getFields();
    Field second = table.rowType().fields().get(1);
    assertThrows(IllegalStateException.class, () -> AvroSchemas.declared(columns, 0, second));
    assertThrows(
        IllegalStateException.class, () -> AvroSchemas.declared(columns, columns.size(), second));
  }
}
