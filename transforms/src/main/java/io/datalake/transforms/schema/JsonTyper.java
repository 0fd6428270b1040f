package io.datalake.transforms.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.transforms.model.InputLimits;
import io.datalake.transforms.model.RecordRejectedException;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * Restores types: turns a JSON tree into an Avro record of a declared schema, strictly. Values may
 * arrive as strings ({@code "1160"}, {@code "true"}, stringified objects and arrays): they are
 * converted to the declared type, and a value that does not fit rejects the record. A blank string
 * where anything but a string is declared is no value (null). Strings stay strings even when they
 * look numeric. Keys the schema does not declare go to {@code _extra}. Messages name the field and
 * the problem, never the value.
 */
public final class JsonTyper {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String STEP = "type";

  private JsonTyper() {}

  /**
   * How scalars inside JSON columns are written. Sources whose raw form carries every value as a
   * string (VTEX) use {@link #SCALARS_AS_STRINGS}, so the raw and the typed form of a record give
   * the same JSON text.
   */
  public enum JsonStyle {
    AS_IS,
    SCALARS_AS_STRINGS
  }

  public static GenericRecord toRecord(JsonNode node, LakeTable table)
      throws RecordRejectedException {
    return toRecord(node, table, JsonStyle.AS_IS);
  }

  public static GenericRecord toRecord(JsonNode node, LakeTable table, JsonStyle style)
      throws RecordRejectedException {
    return toRecord(node, table, style, 1);
  }

  /**
   * @param depth the depth of the row's object in its source record (1: the record itself; 3: an
   *     element of one of its arrays), so stringified JSON is bounded by the record's overall depth
   */
  public static GenericRecord toRecord(JsonNode node, LakeTable table, JsonStyle style, int depth)
      throws RecordRejectedException {
    GenericRecord record =
        new Typing(style)
            .record(
                node, table.rowType(), table.avroSchema(), new Path(null, table.name(), -1, depth));
    record.put(AvroSchemas.LATE, false);
    return record;
  }

  /** One typing pass, with its JSON style. */
  private static final class Typing {
    private final JsonStyle style;

    Typing(JsonStyle style) {
      this.style = style;
    }

    private GenericRecord record(JsonNode node, FieldType.RecordType type, Schema schema, Path path)
        throws RecordRejectedException {
      JsonNode object = containerOf(node, true, path);
      GenericRecord record = new GenericData.Record(schema);
      // By position, not by name: AvroSchemas lists a record's declared fields first, in their
      // order, and the two name look-ups per field were about 2% of a stream's profile samples.
      List<Schema.Field> columns = schema.getFields();
      List<Field> fields = type.fields();
      for (int i = 0; i < fields.size(); i++) {
        Field field = fields.get(i);
        Schema.Field column = AvroSchemas.declared(columns, i, field);
        JsonNode value = object.get(field.jsonName());
        record.put(
            i,
            value(
                value,
                field.type(),
                AvroSchemas.nonNull(column.schema()),
                new Path(path, field.jsonName(), -1)));
      }
      ObjectNode extra = null;
      for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> entry = it.next();
        if (!type.declares(entry.getKey())) {
          if (extra == null) {
            extra = JSON.createObjectNode();
          }
          extra.set(entry.getKey(), entry.getValue());
        }
      }
      record.put(AvroSchemas.EXTRA, extra == null ? null : json(extra, path));
      return record;
    }

    private String json(JsonNode node, Path path) {
      if (node.isTextual()) {
        JsonNode parsed = StringifiedJson.parseContainer(node.textValue(), path.depth());
        if (parsed == null) {
          return node.textValue();
        }
        node = parsed;
      }
      return style == JsonStyle.SCALARS_AS_STRINGS
          ? JsonText.scalarsAsStrings(node)
          : JsonText.of(node);
    }

    private Object value(JsonNode node, FieldType type, Schema schema, Path path)
        throws RecordRejectedException {
      // A blank string is a string's value, and no value of any other type (NoValue).
      boolean string = type == FieldType.Scalar.STRING || type == FieldType.Scalar.JSON;
      if (string ? node == null || node.isNull() || node.isMissingNode() : NoValue.in(node)) {
        return null;
      }
      if (type instanceof FieldType.RecordType r) {
        return record(node, r, schema, path);
      }
      if (type instanceof FieldType.ArrayType a) {
        JsonNode array = containerOf(node, false, path);
        if (array.size() > InputLimits.MAX_ARRAY_ELEMENTS) {
          throw reject(path, "more than " + InputLimits.MAX_ARRAY_ELEMENTS + " elements");
        }
        Schema elementSchema = AvroSchemas.nonNull(schema.getElementType());
        List<Object> values = new ArrayList<>(array.size());
        int i = 0;
        for (JsonNode element : array) {
          Path at = new Path(path, null, i++);
          Object value = value(element, a.element(), elementSchema, at);
          if (value == null) {
            // The lake's Parquet lists (parquet-avro's two-level lists) cannot hold a null
            // element: the writer would fail the whole job. Dropping it would shift positional
            // lists (coordinates), so the record is refused with the element named.
            throw reject(at, "a list element without a value (null or blank)");
          }
          values.add(value);
        }
        return values;
      }
      return switch ((FieldType.Scalar) type) {
        case STRING -> string(node, path);
        case JSON -> json(node, path);
        case LONG -> integer(node, path);
        case DOUBLE -> decimal(node, path);
        case BOOLEAN -> bool(node, path);
        case TIMESTAMP -> timestampMicros(node, path);
      };
    }
  }

  /** An object (or array) given as such or as stringified JSON. */
  private static JsonNode containerOf(JsonNode node, boolean object, Path path)
      throws RecordRejectedException {
    JsonNode container = node;
    if (node.isTextual()) {
      container = StringifiedJson.parseContainer(node.textValue(), path.depth());
      if (container == null) {
        throw reject(
            path,
            "expected " + (object ? "an object" : "an array") + ", got a string that is not one");
      }
    }
    if (object ? !container.isObject() : !container.isArray()) {
      throw reject(
          path, "expected " + (object ? "an object" : "an array") + ", got " + kindOf(container));
    }
    return container;
  }

  private static String string(JsonNode node, Path path) throws RecordRejectedException {
    if (node.isTextual()) {
      return node.textValue();
    }
    if (node.isContainerNode()) {
      // JSON text where a string is declared, which the PII walk read to encrypt inside.
      String text = StringifiedJson.declaredText(node);
      if (text != null) {
        return text;
      }
    }
    if (node.isNumber() || node.isBoolean()) {
      // A numeric-looking identifier or postal code may arrive as a number: keep its text.
      return node.asText();
    }
    throw reject(path, "expected a string, got " + kindOf(node));
  }

  private static Long integer(JsonNode node, Path path) throws RecordRejectedException {
    try {
      if (node.isIntegralNumber()) {
        if (!node.canConvertToLong()) {
          throw reject(path, "integer out of range");
        }
        return node.longValue();
      }
      BigDecimal decimal;
      if (node.isNumber()) {
        decimal = node.decimalValue();
      } else if (node.isTextual()) {
        decimal = new BigDecimal(numericText(node, path));
      } else {
        throw reject(path, "expected an integer, got " + kindOf(node));
      }
      return decimal.longValueExact();
    } catch (NumberFormatException | ArithmeticException e) {
      throw reject(path, "expected an integer, got " + kindOf(node) + " that is not one");
    }
  }

  private static Double decimal(JsonNode node, Path path) throws RecordRejectedException {
    if (node.isNumber()) {
      return node.doubleValue();
    }
    if (node.isTextual()) {
      try {
        double value = Double.parseDouble(numericText(node, path));
        if (Double.isFinite(value)) {
          return value;
        }
      } catch (NumberFormatException e) {
        // fall through to the rejection below
      }
    }
    throw reject(path, "expected a number, got " + kindOf(node));
  }

  /** A numeric string's text, refused beyond the length limit before any number parser sees it. */
  private static String numericText(JsonNode node, Path path) throws RecordRejectedException {
    String text = node.textValue().trim();
    if (text.length() > InputLimits.MAX_NUMBER_LENGTH) {
      throw reject(
          path, "a numeric string longer than " + InputLimits.MAX_NUMBER_LENGTH + " characters");
    }
    return text;
  }

  /** A flag: true or false, as such, as text in any case, or as 1 or 0 (number or text). */
  private static Boolean bool(JsonNode node, Path path) throws RecordRejectedException {
    if (node.isBoolean()) {
      return node.booleanValue();
    }
    if (node.isIntegralNumber() && node.canConvertToInt()) {
      int flag = node.intValue();
      if (flag == 0 || flag == 1) {
        return flag == 1;
      }
    }
    if (node.isTextual()) {
      String text = node.textValue().trim();
      if (text.equalsIgnoreCase("true") || text.equals("1")) {
        return true;
      }
      if (text.equalsIgnoreCase("false") || text.equals("0")) {
        return false;
      }
    }
    throw reject(path, "expected a boolean, got " + kindOf(node));
  }

  private static Long timestampMicros(JsonNode node, Path path) throws RecordRejectedException {
    if (!node.isTextual()) {
      throw reject(path, "expected an ISO-8601 timestamp, got " + kindOf(node));
    }
    Instant instant;
    try {
      instant = Timestamps.parse(node.textValue());
    } catch (DateTimeException e) {
      throw reject(path, "expected an ISO-8601 timestamp, got a string that is not one");
    }
    Instant storable = Timestamps.storableOrNearest(instant);
    if (storable == null) {
      throw reject(path, "timestamp outside the years 1-9999");
    }
    return Timestamps.toEpochMicros(storable);
  }

  private static String kindOf(JsonNode node) {
    if (node.isTextual()) {
      return "a string";
    }
    if (node.isNumber()) {
      return "a number";
    }
    if (node.isBoolean()) {
      return "a boolean";
    }
    if (node.isArray()) {
      return "an array";
    }
    if (node.isObject()) {
      return "an object";
    }
    return node.getNodeType().name().toLowerCase();
  }

  /**
   * Where a value is in its record, for rejection messages only: built for every value, so the text
   * is made only when a value is rejected.
   */
  private record Path(Path parent, String field, int index, int depth) {
    /** A child path; its depth is the depth its value takes if it is an object or array. */
    Path(Path parent, String field, int index) {
      this(parent, field, index, parent.depth + 1);
    }

    @Override
    public String toString() {
      if (parent == null) {
        return field;
      }
      return field != null ? parent + "." + field : parent + "[" + index + "]";
    }
  }

  private static RecordRejectedException reject(Path path, String problem) {
    return new RecordRejectedException(STEP, path + ": " + problem);
  }
}
