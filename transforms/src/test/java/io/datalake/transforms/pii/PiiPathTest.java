package io.datalake.transforms.pii;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.Assert.assertThrows;

import org.junit.Test;

public class PiiPathTest {
  /** Named paths' keys: one case, as equalsIgnoreCase compares (ſ and ı included). */
  @Test
  public void keysFoldToOneCase() {
    String[][] forms = {
      {"Email", "email"},
      {"ClientProfileData", "clientprofiledata"},
      {"first_name", "first_name"},
      {"_title", "_title"},
      {"bıllıng_name", "billing_name"},
      {"conſent_sms", "consent_sms"},
      {"Straße", "straße"},
    };
    for (String[] form : forms) {
      assertThat(form[0], PiiPath.foldCase(form[0]), equalTo(form[1]));
      assertThat(form[0], form[0].equalsIgnoreCase(form[1]), equalTo(true));
    }
    String plain = "already_folded".substring(0, 7);
    assertThat("a folded key is handed back", PiiPath.foldCase(plain) == plain, equalTo(true));
  }

  /** Keys a search looks for: also whatever separates their words, in any script's forms. */
  @Test
  public void searchedKeysFoldWithoutWordSeparators() {
    String[][] forms = {
      {"ip_address", "ipaddress"},
      {"ipAddress", "ipaddress"},
      {"IP-Address", "ipaddress"},
      {"First Name", "firstname"},
      {"_first-name_", "firstname"},
      {"first\u00a0name", "firstname"}, // no-break space
      {"E\u2011mail", "email"}, // non-breaking hyphen
      {"e\u200bmail", "email"}, // zero-width space
      {"e\u00admail", "email"}, // soft hyphen
      {"\uff25mail", "email"}, // full-width E
      {"cognito:username", "cognito:username"},
    };
    for (String[] form : forms) {
      assertThat(form[0], PiiPath.foldWords(form[0]), equalTo(form[1]));
    }
  }

  /**
   * A form's or a numbered list's qualifier is set aside, the word in each bracket is a form too; a
   * grid's cell keeps its number; most keys have no other form.
   */
  @Test
  public void qualifiersAreSetAside() {
    String[][] forms = {
      {"Phone (optional)", "optional", "phone"},
      {"E-Mail [work]", "work", "email"},
      {"phone_1", "phone"},
      {"address_line2", "addressline"},
      {"E-Mail*", "email"},
      {"Vorname:", "vorname"},
      {"2. Telefon", "telefon"},
      {"Telefon (mobil) *", "mobil", "telefon"},
      {"contact[email]", "email", "contact"},
      {"contact[phone][]", "phone", "contact"},
      {"user[phone][number]", "phone", "number", "user"},
      {"user[first_name]", "firstname", "user"},
      {"Rückruf (Telefon)", "telefon", "rückruf"},
      {"phone_1*", "phone"},
      {"tel2", "tel"},
      {"iban_1", "iban"},
      {"Ihre Telefonnummer?", "ihretelefonnummer"},
      {"cell_1"},
      {"ipv4", "ipv"},
      {"phone_2fa"},
      {"12345"},
      {"(email)", "email"},
      {"a[]", "a"},
      {"firstName"},
    };
    for (String[] form : forms) {
      assertThat(
          form[0],
          PiiPath.unqualified(PiiPath.foldWords(form[0])),
          equalTo(java.util.Arrays.asList(form).subList(1, form.length)));
    }
  }

  @Test
  public void patternsMatchTheStartTheEndOrBoth() {
    PiiPath.Segment ends = PiiPath.parse("**.*email").segments().get(1);
    PiiPath.Segment both = PiiPath.parse("**.*phone*").segments().get(1);
    PiiPath.Segment searched = PiiPath.parse("**.ip").segments().get(1);
    PiiPath.Segment starts = PiiPath.parse("consent_*").segments().get(0);
    PiiPath.Segment named = PiiPath.parse("first_name").segments().get(0);
    assertThat(matches(ends, "userEmail"), equalTo(true));
    assertThat(matches(ends, "billing_email"), equalTo(true));
    assertThat(matches(ends, "emailVerified"), equalTo(false));
    assertThat(matches(both, "mobile_phone_number"), equalTo(true));
    assertThat(matches(searched, "IP"), equalTo(true));
    assertThat(matches(searched, "_ip"), equalTo(true));
    assertThat(matches(searched, "zip"), equalTo(false));
    // A named path's keys keep their separators: billing_* is not billingContact.
    assertThat(matches(starts, "consent_sms"), equalTo(true));
    assertThat(matches(starts, "Consent_SMS"), equalTo(true));
    assertThat(matches(starts, "consentless"), equalTo(false));
    assertThat(matches(named, "First_Name"), equalTo(true));
    assertThat(matches(named, "firstName"), equalTo(false));
    assertThat(ends.isName() || both.isName() || starts.isName(), equalTo(false));
    assertThat(searched.isName() && named.isName(), equalTo(true));
    assertThat(PiiPath.parse("details.a*b").segments().get(1).isName(), equalTo(true));
  }

  private static boolean matches(PiiPath.Segment segment, String key) {
    return segment.matches(PiiPath.foldCase(key), PiiPath.foldWords(key));
  }

  @Test
  public void aPatternThatNamesNoKeyIsRefused() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> PiiPath.parse("details.**.*_"));
    assertThat(e.getMessage(), containsString("names no key"));
    assertThrows(IllegalArgumentException.class, () -> PiiPath.parse("details.**.*-*"));
    assertThrows(IllegalArgumentException.class, () -> PiiPath.parse("details.**"));
    PiiPath.parse("details.*"); // any key, as meant
  }
}
