package io.datalake.transforms.warehouse;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.util.Utf8;
import org.junit.Test;

/** {@link AvroText} gives what {@code toString()} gives, character for character. */
public class AvroTextTest {
  private static final Schema ITEM =
      SchemaBuilder.record("Item")
          .fields()
          .optionalString("name")
          .optionalDouble("price")
          .optionalLong("quantity")
          .optionalInt("position")
          .endRecord();

  private static final Schema ORDER =
      SchemaBuilder.record("Order")
          .fields()
          .optionalString("id")
          .name("items")
          .type()
          .nullable()
          .array()
          .items(ITEM)
          .noDefault()
          .name("tags")
          .type()
          .nullable()
          .array()
          .items()
          .stringType()
          .noDefault()
          .name("attributes")
          .type()
          .nullable()
          .map()
          .values()
          .stringType()
          .noDefault()
          .optionalBoolean("gift")
          .optionalFloat("rate")
          .optionalBytes("blob")
          .name("client")
          .type()
          .optional()
          .type(ITEM)
          .endRecord();

  @Test
  public void everyCharacterAvroEscapesIsEscapedAlike() {
    StringBuilder all = new StringBuilder();
    for (int c = 0; c <= 0xFFFF; c++) {
      if (!Character.isSurrogate((char) c)) {
        all.append((char) c);
      }
    }
    all.append("\uD83D\uDE00 é ü 中文 \"quoted\" back\\slash");
    GenericData.Record order = order(all.toString());
    assertSame(order);
  }

  @Test
  public void nestedRecordsListsMapsAndScalarsRenderAsAvroRendersThem() {
    GenericData.Record order = order("order-1");
    assertSame(order);
    order.put("rate", Float.NaN);
    order.put("items", null);
    assertSame(order);
    GenericData.Record infinite = item("x", Double.POSITIVE_INFINITY);
    assertSame(infinite);
    assertSame(new GenericData.Record(ORDER)); // every field null
    order.put("gift", false);
    assertSame(order);
  }

  @Test
  public void recordsOfAnotherSchemaNameTheirOwnFields() {
    // The members' names are kept per schema: a record of a schema equal in shape but with other
    // names, and one of the same schema built again, each renders with its own.
    Schema renamed =
        SchemaBuilder.record("Item")
            .fields()
            .optionalString("title")
            .optionalDouble("price")
            .optionalLong("quantity")
            .optionalInt("position")
            .endRecord();
    GenericData.Record item = new GenericData.Record(renamed);
    item.put("title", "t");
    item.put("quantity", 1L);
    assertSame(item(item.toString(), 1.0));
    assertSame(item);
    Schema again = new Schema.Parser().parse(ITEM.toString());
    GenericData.Record copy = new GenericData.Record(again);
    copy.put("name", "n");
    copy.put("position", 0);
    assertSame(copy);
  }

  @Test
  public void listsOfRecordsRenderAsTheirToString() {
    List<Object> items = new ArrayList<>(List.of(item("a", 1.5), item("b\n", 2.0)));
    assertThat(AvroText.of(items), equalTo(items.toString()));
    GenericData.Array<Object> array =
        new GenericData.Array<>(Schema.createArray(ITEM), List.of(item("c", 3.25)));
    assertThat(AvroText.of(array), equalTo(array.toString()));
    List<Object> strings = new ArrayList<>(List.of("plain", "with \"quotes\""));
    assertThat(AvroText.of(strings), equalTo(strings.toString()));
    List<Object> nullFirst = new ArrayList<>();
    nullFirst.add(null);
    nullFirst.add(item("d", 4.0));
    assertThat(AvroText.of(nullFirst), equalTo(nullFirst.toString()));
    assertThat(AvroText.of(new ArrayList<>()), equalTo("[]"));
  }

  @Test
  public void aTextLongerThanTheLargestHintIsWhole() {
    // The next builder's size comes from the last text of the schema, at most 1 MiB: a longer
    // text grows its builder, and the small one after it is rendered from the capped hint.
    GenericData.Record large = item("x".repeat(3 << 20), 1.0);
    assertSame(large);
    assertSame(item("small", 2.0));
  }

  @Test
  public void recordsWithoutFieldsAndEnumsFixedAndLogicalValues() {
    Schema empty = SchemaBuilder.record("Empty").fields().endRecord();
    assertSame(new GenericData.Record(empty));
    Schema color = SchemaBuilder.enumeration("Color").symbols("RED", "GREEN");
    Schema hash = SchemaBuilder.fixed("Hash").size(2);
    Schema values =
        SchemaBuilder.record("Values")
            .fields()
            .name("color")
            .type(color)
            .noDefault()
            .name("hash")
            .type(hash)
            .noDefault()
            .name("empty")
            .type(empty)
            .noDefault()
            .name("id")
            .type()
            .stringType()
            .noDefault()
            .name("at")
            .type()
            .stringType()
            .noDefault()
            .name("amount")
            .type()
            .stringType()
            .noDefault()
            .endRecord();
    GenericData.Record record = new GenericData.Record(values);
    record.put("color", new GenericData.EnumSymbol(color, "GREEN"));
    record.put("hash", new GenericData.Fixed(hash, new byte[] {1, 2}));
    record.put("empty", new GenericData.Record(empty));
    record.put("id", java.util.UUID.fromString("0f8fad5b-d9cb-469f-a165-70867728950e"));
    record.put("at", java.time.Instant.parse("2026-12-07T07:00:00.123456Z"));
    record.put("amount", new java.math.BigDecimal("12.50"));
    assertSame(record);
  }

  @Test
  public void otherValuesAreTheirOwnText() {
    assertThat(AvroText.of(null), nullValue());
    assertThat(AvroText.of("{\"raw\": \"json\"}"), equalTo("{\"raw\": \"json\"}"));
    assertThat(AvroText.of(new Utf8("utf8")), equalTo("utf8"));
    assertThat(AvroText.of(42L), equalTo("42"));
  }

  private static void assertSame(GenericData.Record record) {
    assertThat(AvroText.of(record), equalTo(record.toString()));
  }

  private static GenericData.Record order(String text) {
    GenericData.Record order = new GenericData.Record(ORDER);
    order.put("id", text);
    order.put("items", new ArrayList<>(List.of(item(text, 12.5), item("b", 1e21))));
    order.put(
        "tags",
        new GenericData.Array<>(
            Schema.createArray(Schema.create(Schema.Type.STRING)),
            List.of(text, new Utf8("utf8 tag"))));
    Map<String, Object> attributes = new LinkedHashMap<>();
    attributes.put("key " + text, text);
    attributes.put("empty", "");
    order.put("attributes", attributes);
    order.put("gift", true);
    order.put("rate", 0.1f);
    order.put("blob", ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
    order.put("client", item(text, -0.0));
    return order;
  }

  private static GenericData.Record item(String name, double price) {
    GenericData.Record item = new GenericData.Record(ITEM);
    item.put("name", name);
    item.put("price", price);
    item.put("quantity", name.length() % 2 == 0 ? Long.MIN_VALUE : 3L);
    item.put("position", name.length() % 2 == 0 ? Integer.MAX_VALUE : -7);
    return item;
  }
}
