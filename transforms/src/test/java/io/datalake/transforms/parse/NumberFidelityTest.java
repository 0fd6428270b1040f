package io.datalake.transforms.parse;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.transforms.Fixtures;
import io.datalake.transforms.kinds.RecordKinds;
import java.nio.charset.StandardCharsets;
import org.junit.Test;

/**
 * Numbers inside the values kept as JSON text (an entity operation's {@code detail}, given as an
 * object and as stringified JSON) come out as they were written: every digit of a long fraction,
 * trailing zeros, an exponent below a double's range. Read as doubles they lost digits (and 1E-400
 * became 0.0).
 */
public class NumberFidelityTest {
  private static final RecordKinds KINDS = RecordKinds.builtIn();
  private static final ObjectMapper JSON = new ObjectMapper();

  private static String parsed(boolean stringified) throws Exception {
    RecordParser parser = Fixtures.recordParser(KINDS);
    ObjectNode payload =
        (ObjectNode)
            JSON.readTree("{\"_id\":\"e-1\",\"_schema\":\"opportunity\",\"probability\":0.5}");
    ObjectNode envelope =
        Fixtures.entityOperation(
            "739224", "e-1", "createEntity", "2024-01-05T10:00:00.000Z", payload, false);
    // Written by hand: Jackson's own writer would render the numbers it read.
    String line =
        envelope
            .toString()
            .replace(
                "\"probability\":0.5",
                "\"probability\":0.12345678901234567890123,\"amount\":1.50,"
                    + "\"huge\":1e400,\"tiny\":-1E-400,\"whole\":12345678901234567.89");
    if (stringified) {
      ObjectNode tree = (ObjectNode) JSON.readTree(line);
      String detail = line.substring(line.indexOf("\"detail\":") + 9, line.lastIndexOf('}'));
      tree.put("detail", detail);
      line = tree.toString();
    }
    return parser
        .parse(KINDS.byName("entity-operations"), line.getBytes(StandardCharsets.UTF_8))
        .rows()
        .toString();
  }

  @Test
  public void numbersInJsonTextKeepTheirDigits() throws Exception {
    for (boolean stringified : new boolean[] {false, true}) {
      String rows = parsed(stringified);
      assertThat(rows, containsString("0.12345678901234567890123"));
      assertThat(rows, containsString("1.50"));
      assertThat(rows, containsString("-1E-400"));
      assertThat(rows, containsString("12345678901234567.89"));
      // Beyond a double's range Jackson still gives infinity (its isNaN check comes first): kept
      // as the string it was before, valid JSON.
      assertThat(rows, containsString("huge\\\":\\\"Infinity"));
      assertThat(rows, not(containsString("E16")));
    }
  }
}
