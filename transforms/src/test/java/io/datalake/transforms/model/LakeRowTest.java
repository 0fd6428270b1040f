package io.datalake.transforms.model;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.schema.AvroSchemas;
import io.datalake.transforms.schema.LakeTable;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.util.CoderUtils;
import org.junit.Test;

/** A row read back from its coder answers as the row it was. */
public class LakeRowTest {
  private static LakeRow row(LakeTable table, boolean late) {
    GenericRecord record = new GenericData.Record(table.avroSchema());
    record.put(AvroSchemas.LATE, late);
    return new LakeRow(table.name(), "org-1", 1_700_000_000_000_000L, record);
  }

  @Test
  public void theLateFlagOfAnEncodedRowIsReadWithoutDecodingItAndEqualsTheRecords()
      throws Exception {
    for (LakeTable table : RecordKinds.builtIn().tables()) {
      for (boolean late : new boolean[] {false, true}) {
        LakeRow original = row(table, late);
        LakeRow decoded =
            CoderUtils.decodeFromByteArray(
                LakeRow.Coder.of(), CoderUtils.encodeToByteArray(LakeRow.Coder.of(), original));
        assertThat(table.name() + " as an object", original.late(), equalTo(late));
        assertThat(table.name() + " encoded", original.encoded().late(), equalTo(late));
        assertThat(table.name() + " read back", decoded.late(), equalTo(late));
        assertThat(
            table.name() + " decoded record",
            decoded.record().get(AvroSchemas.LATE),
            equalTo((Object) late));
      }
    }
  }

  @Test
  public void aRowWithItsEncodingHandsOnItsRecordAndCodesAsItsBytes() throws Exception {
    LakeTable table = RecordKinds.builtIn().tables().get(0);
    LakeRow original = row(table, true);
    LakeRow both = original.withEncoding();
    assertThat(both.detachedRecord() == original.record(), equalTo(true));
    assertThat(both.withEncoding() == both, equalTo(true));
    byte[] written = CoderUtils.encodeToByteArray(LakeRow.Coder.of(), both);
    assertThat(
        written, equalTo(CoderUtils.encodeToByteArray(LakeRow.Coder.of(), original.encoded())));
    assertThat(CoderUtils.decodeFromByteArray(LakeRow.Coder.of(), written), equalTo(original));
    // From bytes alone: decoded once, and kept.
    LakeRow fromBytes = original.encoded().withEncoding();
    assertThat(fromBytes.detachedRecord() == fromBytes.detachedRecord(), equalTo(true));
  }

  /** The row's bytes are Beam's coders' bytes, so checkpoints taken before still restore. */
  @Test
  public void aRowIsWrittenAsBeamsStringVarLongAndVarIntCodersWriteItsParts() throws Exception {
    LakeTable table = RecordKinds.builtIn().tables().get(0);
    String[] tenants = {"", "org-1", "ünïcödé-租户-\uD83D\uDE00", "x".repeat(200)};
    long[] times = {
      0L, 1L, 127L, 128L, -1L, Long.MIN_VALUE, Long.MAX_VALUE, 1_700_000_000_000_000L
    };
    for (String tenant : tenants) {
      for (long micros : times) {
        GenericRecord record = new GenericData.Record(table.avroSchema());
        record.put(AvroSchemas.LATE, false);
        LakeRow row = new LakeRow(table.name(), tenant, micros, record);
        java.io.ByteArrayOutputStream avroBytes = new java.io.ByteArrayOutputStream();
        org.apache.avro.io.BinaryEncoder encoder =
            org.apache.avro.io.EncoderFactory.get().binaryEncoder(avroBytes, null);
        new org.apache.avro.generic.GenericDatumWriter<GenericRecord>(table.avroSchema())
            .write(record, encoder);
        encoder.flush();
        byte[] avro = avroBytes.toByteArray();
        java.io.ByteArrayOutputStream expected = new java.io.ByteArrayOutputStream();
        org.apache.beam.sdk.coders.StringUtf8Coder.of().encode(table.name(), expected);
        org.apache.beam.sdk.coders.StringUtf8Coder.of().encode(tenant, expected);
        org.apache.beam.sdk.coders.VarLongCoder.of().encode(micros, expected);
        org.apache.beam.sdk.coders.VarIntCoder.of().encode(avro.length, expected);
        expected.write(avro);
        for (LakeRow form : new LakeRow[] {row, row.encoded(), row.withEncoding()}) {
          byte[] written = CoderUtils.encodeToByteArray(LakeRow.Coder.of(), form);
          assertThat(tenant + " @ " + micros, written, equalTo(expected.toByteArray()));
          LakeRow back = CoderUtils.decodeFromByteArray(LakeRow.Coder.of(), written);
          assertThat(back.tenant(), equalTo(tenant));
          assertThat(back.eventTimeMicros(), equalTo(micros));
        }
      }
    }
  }

  private static final org.apache.avro.Schema SMALL =
      new org.apache.avro.Schema.Parser()
          .parse(
              "{\"type\":\"record\",\"name\":\"small\",\"fields\":["
                  + "{\"name\":\"n\",\"type\":\"long\"},"
                  + "{\"name\":\"s\",\"type\":[\"null\",\"string\"]},"
                  + "{\"name\":\"late\",\"type\":\"boolean\"}]}");

  private static LakeRow small(Object n) {
    GenericRecord record = new GenericData.Record(SMALL);
    record.put("n", n);
    record.put("s", "text");
    record.put("late", false);
    return new LakeRow("small", "org-1", 1L, record);
  }

  @Test
  public void aCheckedRowKeepsItsRecordUnencodedAndTheEncoderDecidesWhatValidateRejects()
      throws Exception {
    LakeRow valid = small(5L);
    assertThat(valid.checked() == valid, equalTo(true));
    // validate wants a Long; the encoder takes any Number: accepted, as before the check.
    LakeRow widened = small(5);
    LakeRow checked = widened.checked();
    assertThat(checked.record() == widened.record(), equalTo(true));
    assertThat(
        CoderUtils.encodeToByteArray(LakeRow.Coder.of(), checked),
        equalTo(CoderUtils.encodeToByteArray(LakeRow.Coder.of(), small(5L))));
    // What the encoder rejects throws its exception, for the dead letter.
    for (Object bad : new Object[] {"five", null}) {
      try {
        small(bad).checked();
        throw new AssertionError("accepted " + bad);
      } catch (ClassCastException | NullPointerException expected) {
        // the encoder's own
      }
    }
  }
}
