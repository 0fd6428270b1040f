package io.datalake.transforms.model;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.Assert;
import org.junit.Test;

/** Text the records' mapper accepts: whole characters only. */
public class InputLimitsTest {
  private static final ObjectMapper JSON = InputLimits.jsonMapper(InputLimits.MAX_DEPTH);

  @Test
  public void halfASurrogatePairIsNotText() {
    // Escapes as the JSON text has them (a backslash, u, four hex digits).
    for (String json :
        java.util.List.of(
            "{\"id\": \"x\\udc00y\"}",
            "{\"id\": \"\\ud83d\"}",
            "{\"id\": \"\\ud83d x\"}",
            "{\"a\": [\"ok\", \"\\udfff\"]}")) {
      InputLimits.Exceeded e =
          Assert.assertThrows(json, InputLimits.Exceeded.class, () -> JSON.readTree(json));
      assertThat(e.getMessage(), containsString("half a UTF-16 surrogate pair"));
    }
  }

  @Test
  public void aPairIsOneCharacter() throws Exception {
    assertThat(
        JSON.readTree("{\"id\": \"j-\\ud83d\\ude00\"}").get("id").textValue(),
        equalTo("j-\uD83D\uDE00"));
    assertThat(JSON.readTree("{\"id\": \"Grüße 😀\"}").get("id").textValue(), equalTo("Grüße 😀"));
  }

  @Test
  public void findsAnUnpairedSurrogateAnywhere() {
    assertThat(InputLimits.hasUnpairedSurrogate("plain"), equalTo(false));
    assertThat(InputLimits.hasUnpairedSurrogate("\uD83D\uDE00"), equalTo(false));
    assertThat(InputLimits.hasUnpairedSurrogate("a\uD83D"), equalTo(true));
    assertThat(InputLimits.hasUnpairedSurrogate("\uDE00a"), equalTo(true));
    assertThat(InputLimits.hasUnpairedSurrogate("\uD83D\uD83D\uDE00"), equalTo(true));
  }
}
