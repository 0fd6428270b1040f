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
    for (char c = 0; c < 0x2200; c++) {
      all.append(c);
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
