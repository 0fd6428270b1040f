package io.datalake.transforms.schema;

import static org.junit.Assert.assertEquals;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.transforms.model.InputLimits;
import java.io.IOException;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.Test;

/**
 * {@link JsonText} writes what Jackson writes: compared with {@code node.toString()} and with
 * Jackson's generator (scalars as strings) on every fixture, every line of the bad-input corpus
 * that parses, every character up to U+00A0 and beyond in names and values, numbers of every node
 * type, and random trees.
 */
public class JsonTextTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper BIG =
      new ObjectMapper()
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS);
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  @Test
  public void fixturesAndTheBadInputCorpusAreWrittenAsJacksonWritesThem() throws IOException {
    int checked = 0;
    for (Path root :
        List.of(
            Paths.get("src/test/resources/fixtures"), Paths.get("src/test/resources/bad-inputs"))) {
      List<Path> files;
      try (Stream<Path> walk = Files.walk(root)) {
        files = walk.filter(Files::isRegularFile).sorted().toList();
      }
      for (Path file : files) {
        // Some corpus files are not UTF-8 on purpose: decoded with replacement characters.
        String text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        List<String> documents = new ArrayList<>(List.of(text));
        documents.addAll(List.of(text.split("\n")));
        for (String document : documents) {
          for (ObjectMapper mapper :
              List.of(
                  JSON, BIG, new ObjectMapper(InputLimits.jsonFactory(InputLimits.MAX_DEPTH)))) {
            JsonNode node;
            try {
              node = mapper.readTree(document);
            } catch (IOException | RuntimeException e) {
              continue; // not JSON: the corpus has such lines
            }
            if (node == null) {
              continue;
            }
            assertSame(file + ": " + abbreviate(document), node);
            checked++;
          }
        }
      }
    }
    if (checked < 100) {
      throw new AssertionError("only " + checked + " documents compared: fixtures not found?");
    }
  }

  @Test
  public void everyCharacterIsEscapedAsJacksonEscapesIt() {
    StringBuilder all = new StringBuilder();
    for (char c = 0; c <= 0xA0; c++) {
      all.append(c);
    }
    all.append("\u2028\u2029\uD83D\uDE00\uD800 unpaired \uDC00 é ü 中文 \uFFFF");
    ObjectNode node = NODES.objectNode();
    node.put(all.toString(), all.toString());
    node.put("", "");
    node.putArray("list").add(all.toString()).add("\"quoted\" \\ back/slash");
    for (char c = 0; c < 0x80; c++) {
      node.put("k" + c, String.valueOf(c));
    }
    assertSame("characters", node);
  }

  @Test
  public void numbersOfEveryNodeTypeAreWrittenAsJacksonWritesThem() {
    ArrayNode numbers = NODES.arrayNode();
    numbers.add(0).add(-1).add(Integer.MAX_VALUE).add(Integer.MIN_VALUE);
    numbers.add(Long.MAX_VALUE).add(Long.MIN_VALUE).add(12345678901L);
    numbers.add((short) 7).add((short) -32768);
    numbers.add(new BigInteger("123456789012345678901234567890")).add(BigInteger.ZERO);
    numbers
        .add(new BigDecimal("1.10"))
        .add(new BigDecimal("1E+3"))
        .add(new BigDecimal("-0.000001"));
    numbers.add(new BigDecimal("123456789012345678901234567890.123456789"));
    numbers.add(0.0).add(-0.0).add(1.0).add(0.1).add(1e-7).add(1.5e300).add(Double.MIN_VALUE);
    numbers.add(Double.NaN).add(Double.POSITIVE_INFINITY).add(Double.NEGATIVE_INFINITY);
    numbers.add(1.25f).add(3.4e38f).add(Float.NaN).add(Float.NEGATIVE_INFINITY);
    numbers.add(true).add(false).addNull().add("text");
    ObjectNode object = NODES.objectNode();
    object.set("numbers", numbers);
    object.set("empty", NODES.objectNode());
    object.set("none", NODES.arrayNode());
    object.set("nested", NODES.arrayNode().add(NODES.arrayNode().add(NODES.objectNode())));
    assertSame("numbers", object);
    assertSame("a scalar", NODES.numberNode(1.5));
    assertSame("a string", NODES.textNode("a\nb"));
    assertSame("null", NODES.nullNode());
  }

  @Test
  public void randomTreesAreWrittenAsJacksonWritesThem() {
    Random random = new Random(20261203);
    for (int i = 0; i < 2_000; i++) {
      assertSame("random tree " + i, randomNode(random, 0));
    }
  }

  private static JsonNode randomNode(Random random, int depth) {
    int kind = random.nextInt(depth > 5 ? 6 : 8);
    switch (kind) {
      case 0:
        return NODES.textNode(randomText(random));
      case 1:
        return NODES.numberNode(random.nextLong());
      case 2:
        return NODES.numberNode(random.nextDouble() * Math.pow(10, random.nextInt(40) - 20));
      case 3:
        return NODES.numberNode(random.nextInt());
      case 4:
        return NODES.booleanNode(random.nextBoolean());
      case 5:
        return NODES.nullNode();
      case 6:
        {
          ArrayNode array = NODES.arrayNode();
          for (int j = random.nextInt(5); j > 0; j--) {
            array.add(randomNode(random, depth + 1));
          }
          return array;
        }
      default:
        {
          ObjectNode object = NODES.objectNode();
          for (int j = random.nextInt(5); j > 0; j--) {
            object.set(randomText(random), randomNode(random, depth + 1));
          }
          return object;
        }
    }
  }

  private static String randomText(Random random) {
    StringBuilder text = new StringBuilder();
    for (int j = random.nextInt(12); j > 0; j--) {
      int range = random.nextInt(4);
      text.append(
          (char)
              (range == 0
                  ? random.nextInt(0x20)
                  : range == 1 ? 0x20 + random.nextInt(0x60) : random.nextInt(0x10000)));
    }
    return text.toString();
  }

  private static void assertSame(String what, JsonNode node) {
    assertEquals(what, node.toString(), JsonText.of(node));
    assertEquals(
        what + " (scalars as strings)",
        jacksonScalarsAsStrings(node),
        JsonText.scalarsAsStrings(node));
  }

  /** The lake's scalars-as-strings text as Jackson's generator wrote it before JsonText. */
  private static String jacksonScalarsAsStrings(JsonNode node) {
    StringWriter text = new StringWriter();
    try (JsonGenerator out = JSON.getFactory().createGenerator(text)) {
      writeScalarsAsStrings(out, node);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    return text.toString();
  }

  private static void writeScalarsAsStrings(JsonGenerator out, JsonNode node) throws IOException {
    if (node.isObject()) {
      out.writeStartObject();
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        out.writeFieldName(e.getKey());
        writeScalarsAsStrings(out, e.getValue());
      }
      out.writeEndObject();
    } else if (node.isArray()) {
      out.writeStartArray();
      for (JsonNode element : node) {
        writeScalarsAsStrings(out, element);
      }
      out.writeEndArray();
    } else if (node.isNumber() || node.isBoolean()) {
      out.writeString(node.asText());
    } else {
      out.writeTree(node);
    }
  }

  private static String abbreviate(String text) {
    return text.length() > 80 ? text.substring(0, 80) + "..." : text;
  }
}
