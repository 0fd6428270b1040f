package io.datalake.transforms.pii;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.Assert.assertThrows;

import org.junit.Test;

public class PiiPathTest {
  /** Case and the separators between words do not matter; a key's leading ones do. */
  @Test
  public void keysFoldToOneForm() {
    String[][] forms = {
      {"ip_address", "ipaddress"},
      {"ipAddress", "ipaddress"},
      {"IP-Address", "ipaddress"},
      {"First Name", "firstname"},
      {"first_name", "firstname"},
      {"email", "email"},
      {"_title", "_title"},
      {"__typename", "__typename"},
      {"_tags", "_tags"},
      {"cognito:username", "cognito:username"},
      {"consent_*", "consent*"},
      {"*_email", "*email"},
      {"Straße", "straße"},
    };
    for (String[] form : forms) {
      assertThat(form[0], PiiPath.fold(form[0]), equalTo(form[1]));
    }
    String plain = "already_folded".substring(0, 7);
    assertThat("a folded key is handed back as it is", PiiPath.fold(plain) == plain, equalTo(true));
  }

  @Test
  public void patternsMatchTheStartTheEndOrBoth() {
    PiiPath.Segment ends = PiiPath.parse("*email").segments().get(0);
    PiiPath.Segment starts = PiiPath.parse("consent_*").segments().get(0);
    PiiPath.Segment both = PiiPath.parse("*phone*").segments().get(0);
    PiiPath.Segment name = PiiPath.parse("ip").segments().get(0);
    assertThat(ends.matches(PiiPath.fold("userEmail")), equalTo(true));
    assertThat(ends.matches(PiiPath.fold("billing_email")), equalTo(true));
    assertThat(ends.matches(PiiPath.fold("emailVerified")), equalTo(false));
    assertThat(starts.matches(PiiPath.fold("consentEmailMarketing")), equalTo(true));
    assertThat(starts.matches(PiiPath.fold("consent")), equalTo(true));
    assertThat(starts.matches(PiiPath.fold("con")), equalTo(false));
    assertThat(both.matches(PiiPath.fold("mobile_phone_number")), equalTo(true));
    assertThat(name.matches(PiiPath.fold("IP")), equalTo(true));
    assertThat(name.matches(PiiPath.fold("zip")), equalTo(false));
    assertThat(ends.isName() || starts.isName() || both.isName(), equalTo(false));
    assertThat(name.isName(), equalTo(true));
  }

  @Test
  public void aStarInsideAKeyIsRefused() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> PiiPath.parse("details.e*mail"));
    assertThat(e.getMessage(), containsString("a * may only start or end a key"));
    assertThrows(IllegalArgumentException.class, () -> PiiPath.parse("details.**.**x"));
    assertThrows(IllegalArgumentException.class, () -> PiiPath.parse("details.**"));
  }
}
