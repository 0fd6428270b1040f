package io.datalake.transforms.schema;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.Assert.assertThrows;

import io.datalake.transforms.kinds.RecordKinds;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import org.apache.avro.Conversions;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.Test;

/**
 * The lake's Avro model resolves nullable unions as Avro's own does: the same branch, the same
 * bytes, the same verdict of {@code validate} for values of the right and of the wrong type.
 */
public class LakeAvroDataTest {
  private static final Schema NESTED = nested();

  /** A record schema of the same name and fields, another instance: Avro resolves it by name. */
  private static final Schema OTHER_NESTED = nested();

  private static final Schema TIMESTAMP =
      LogicalTypes.timestampMicros().addToSchema(Schema.create(Schema.Type.LONG));

  private static final List<Schema> UNIONS =
      List.of(
          nullable(Schema.create(Schema.Type.STRING)),
          nullable(Schema.create(Schema.Type.LONG)),
          nullable(TIMESTAMP),
          nullable(Schema.create(Schema.Type.DOUBLE)),
          nullable(Schema.create(Schema.Type.BOOLEAN)),
          nullable(Schema.createArray(nullable(Schema.create(Schema.Type.STRING)))),
          nullable(NESTED),
          Schema.createUnion(Schema.create(Schema.Type.STRING), Schema.create(Schema.Type.NULL)));

  private static final List<Object> VALUES =
      List.of(
          "text",
          new org.apache.avro.util.Utf8("utf8"),
          42L,
          42,
          1.5d,
          1.5f,
          true,
          List.of("a"),
          new GenericData.Record(NESTED),
          new GenericData.Record(OTHER_NESTED),
          new Object());

  private static Schema nested() {
    return Schema.createRecord(
        "nested",
        null,
        "t",
        false,
        List.of(new Schema.Field("n", nullable(Schema.create(Schema.Type.LONG)))));
  }

  private static Schema nullable(Schema schema) {
    return Schema.createUnion(Schema.create(Schema.Type.NULL), schema);
  }

  @Test
  public void everyUnionAndValueResolvesAsAvroResolvesIt() {
    for (Schema union : UNIONS) {
      assertThat(
          union + " null",
          LakeAvroData.get().resolveUnion(union, null),
          equalTo(GenericData.get().resolveUnion(union, null)));
      for (Object value : VALUES) {
        String what = union + " holding " + value.getClass().getSimpleName();
        assertThat(
            what,
            outcome(() -> LakeAvroData.get().resolveUnion(union, value)),
            equalTo(outcome(() -> GenericData.get().resolveUnion(union, value))));
        assertThat(
            what + " validates",
            outcome(() -> LakeAvroData.get().validate(union, value)),
            equalTo(outcome(() -> GenericData.get().validate(union, value))));
      }
    }
  }

  /** What the call returns, or the class of what it throws. */
  private static Object outcome(java.util.concurrent.Callable<Object> call) {
    try {
      return call.call();
    } catch (Exception e) {
      return e.getClass();
    }
  }

  @Test
  public void everyTablesEmptyRecordEncodesToAvrosBytes() throws IOException {
    for (LakeTable table : RecordKinds.builtIn().tables()) {
      GenericRecord record = new GenericData.Record(table.avroSchema());
      record.put(AvroSchemas.LATE, true);
      assertThat(
          table.name(),
          encode(LakeAvroData.get(), record),
          equalTo(encode(GenericData.get(), record)));
    }
  }

  private static byte[] encode(GenericData model, GenericRecord record) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(bytes, null);
    new GenericDatumWriter<GenericRecord>(record.getSchema(), model).write(record, encoder);
    encoder.flush();
    return bytes.toByteArray();
  }

  @Test
  public void theModelTakesNoConversions() {
    assertThrows(
        UnsupportedOperationException.class,
        () -> LakeAvroData.get().addLogicalTypeConversion(new Conversions.UUIDConversion()));
  }
}
