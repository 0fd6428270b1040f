package io.datalake.transforms.pii;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.transforms.Fixtures;
import io.datalake.transforms.kinds.CheckoutOrders;
import io.datalake.transforms.kinds.EntityOperations;
import io.datalake.transforms.kinds.JourneyEvents;
import io.datalake.transforms.kinds.JourneySessions;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.kinds.WorkflowExecutions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.Test;

public class PiiEncryptorTest {
  private final PiiCipher cipher = PiiKeyset.development().cipher();
  private final PiiEncryptor encryptor = new PiiEncryptor(cipher);

  @Test
  public void sameValueGivesSameTokenAndDecrypts() {
    String a = cipher.encrypt("rodrigo.smith@email.com");
    assertThat(a, startsWith(PiiCipher.TOKEN_PREFIX));
    assertThat(cipher.encrypt("rodrigo.smith@email.com"), equalTo(a));
    assertThat(cipher.decrypt(a), equalTo("rodrigo.smith@email.com"));
    assertThat(
        "a value that looks like a token is encrypted too", cipher.encrypt(a), not(equalTo(a)));
    assertThat(cipher.decrypt(cipher.encrypt(a)), equalTo(a));
  }

  @Test
  public void randomizedTokensDifferAndDecrypt() {
    byte[] record = "{\"email\":\"x@y.z\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    String a = cipher.encryptRandomized(record);
    String b = cipher.encryptRandomized(record);
    assertThat(a, not(equalTo(b)));
    assertThat(cipher.decrypt(a), equalTo("{\"email\":\"x@y.z\"}"));
  }

  @Test
  public void encryptsInsideStringifiedJsonAndArrays() throws Exception {
    ObjectNode order = Fixtures.load("vtex_oms_get_order.json");
    ObjectNode raw = Fixtures.rawVtex(order);
    PiiPolicy policy = PiiPolicy.defaults();
    encryptor.encrypt(order, policy.paths(CheckoutOrders.KIND));
    encryptor.encrypt(raw, policy.paths(CheckoutOrders.KIND));
    String typedText = order.toString();
    String rawText = raw.toString();
    for (String pii : Fixtures.PII) {
      assertThat(typedText, not(containsString(pii)));
      assertThat(rawText, not(containsString(pii)));
    }
    String token = order.get("clientProfileData").get("email").asText();
    assertThat(cipher.decrypt(token), equalTo("rodrigo.smith@email.com"));
    assertThat(
        "the raw form's token is the same",
        raw.get("clientProfileData").get("email").asText(),
        equalTo(token));
    assertThat(
        "non-PII stays readable",
        order.get("shippingData").get("address").get("city").asText(),
        equalTo("Rio de Janeiro"));
  }

  /**
   * Keys match in any case (found by a probe: a VTEX order with ClientProfileData, analytics
   * details with Email and IP kept them in plain text); the token is the value's, whatever the
   * key's case.
   */
  @Test
  public void aPathNamesItsKeysInAnyCase() throws Exception {
    ObjectNode order = Fixtures.load("vtex_oms_get_order.json");
    ObjectNode profile = (ObjectNode) order.remove("clientProfileData");
    ObjectNode renamed = order.putObject("ClientProfileData");
    profile.fields().forEachRemaining(e -> renamed.set(e.getKey(), e.getValue()));
    renamed.set("FIRSTNAME", renamed.remove("firstName"));
    ((ObjectNode) order.get("shippingData"))
        .set("Address", ((ObjectNode) order.get("shippingData")).remove("address"));
    encryptor.encrypt(order, PiiPolicy.defaults().paths(CheckoutOrders.KIND));
    String text = order.toString();
    for (String pii : Fixtures.PII) {
      assertThat(text, not(containsString(pii)));
    }
    assertThat(
        cipher.decrypt(order.get("ClientProfileData").get("FIRSTNAME").asText()),
        equalTo(profile.get("firstName").asText()));

    ObjectNode event = Fixtures.JSON.createObjectNode();
    ObjectNode details = event.putObject("details");
    details.put("Email", "case.pii@example.com").put("IP", "198.51.100.77");
    details.put("Step", "3");
    encryptor.encrypt(
        event, List.of(PiiPath.parse("details.**.email"), PiiPath.parse("details.**.ip")));
    assertThat(
        cipher.decrypt(event.get("details").get("Email").asText()),
        equalTo("case.pii@example.com"));
    assertThat(event.get("details").get("IP").asText(), equalTo(cipher.encrypt("198.51.100.77")));
    assertThat("other keys stay", event.get("details").get("Step").asText(), equalTo("3"));
  }

  /**
   * Free-form JSON (analytics details, a tenant's own entity attributes) names PII its own way; a
   * probe of published-shaped payloads found {@code phoneNumber}, {@code userEmail}, {@code ips}
   * and {@code first_name} inside details in plain text. The built-in policy finds them by their
   * folded names, and leaves what analysts count by (browser, a device flag as a boolean or text, a
   * step, a zip).
   */
  @Test
  public void freeFormPiiIsFoundUnderTheNamesClientsGiveIt() throws Exception {
    ObjectNode event =
        (ObjectNode)
            Fixtures.JSON.readTree(
                "{\"details\": {\"phoneNumber\": \"+4915100000001\","
                    + " \"userEmail\": \"free.form@example.org\", \"ips\": [\"198.51.100.31\"],"
                    + " \"First Name\": \"Freeform\", \"client_ip\": \"198.51.100.32\","
                    + " \"visitor\": {\"Last-Name\": \"Formfree\", \"user_agent\": \"Mozilla/5.0 X\","
                    + " \"deliveryAddress\": {\"street\": \"Hauptstr. 1\", \"zip\": \"50667\"}},"
                    + " \"browser\": \"Firefox\", \"is_mobile\": true, \"zip\": \"50667\","
                    + " \"sec-ch-ua-mobile\": \"?0\", \"isMobile\": \"false\", \"hasPhone\": \"TRUE\","
                    + " \"house_number\": 1, \"billingAddress\": {\"country\": \"NO\"},"
                    + " \"mobile\": \"+4915100000011\", \"cell\": \"+4915100000012\","
                    + " \"Straße und Hausnummer\": \"Ringstraße 12\","
                    + " \"journey_name\": \"Solar\", \"step\": 3}}");
    encryptor.encrypt(event, PiiPolicy.defaults().paths(JourneyEvents.KIND));
    JsonNode details = event.get("details");
    assertThat(cipher.decrypt(details.get("phoneNumber").asText()), equalTo("+4915100000001"));
    assertThat(
        cipher.decrypt(details.get("visitor").get("deliveryAddress").get("street").asText()),
        equalTo("Hauptstr. 1"));
    assertHoldsNone(
        event.toString(),
        "+4915100000001",
        "free.form@example.org",
        "198.51.100.31",
        "198.51.100.32",
        "Freeform",
        "Formfree",
        "Mozilla",
        "Hauptstr",
        "+4915100000011",
        "+4915100000012",
        "Ringstraße");
    assertThat(details.get("browser").asText(), equalTo("Firefox"));
    assertThat(details.get("is_mobile").asBoolean(), equalTo(true));
    assertThat(details.get("sec-ch-ua-mobile").asText(), equalTo("?0"));
    assertThat(details.get("isMobile").asText(), equalTo("false"));
    assertThat(details.get("hasPhone").asText(), equalTo("TRUE"));
    assertThat(cipher.decrypt(details.get("house_number").asText()), equalTo("1"));
    assertThat(
        cipher.decrypt(details.get("billingAddress").get("country").asText()), equalTo("NO"));
    assertThat(details.get("zip").asText(), equalTo("50667"));
    assertThat(details.get("journey_name").asText(), equalTo("Solar"));
    assertThat(details.get("step").asInt(), equalTo(3));

    ObjectNode contact = Fixtures.load("epilot_entity_contact_openapi_example.json");
    contact.put("mobile_phone", "+4915100000002").put("contactEmail", "own.schema@example.org");
    contact.putObject("installation_address").put("street", "Nebenweg 7").put("city", "Bonn");
    ObjectNode envelope =
        Fixtures.entityOperation(
            "739224", "e2", "createEntity", "2024-01-01T00:00:00Z", contact, true);
    encryptor.encrypt(envelope, PiiPolicy.defaults().paths(EntityOperations.KIND));
    assertHoldsNone(
        envelope.toString(), "+4915100000002", "own.schema@example.org", "Nebenweg", "Bonn");
    assertThat(envelope.get("detail").get("payload").get("status").asText(), equalTo("Active"));

    // A workflow execution's free-form parts (a task's portal settings, entity sync values).
    ObjectNode execution =
        (ObjectNode)
            Fixtures.JSON.readTree(
                "{\"id\": \"x1\", \"org_id\": \"739224\", \"tasks\": [{\"id\": \"t1\","
                    + " \"installer\": {\"contact_phone\": \"+4915100000003\", \"enabled\": true},"
                    + " \"ecp\": {\"label\": \"Upload\"}}], \"entity_sync\": [{\"value\":"
                    + " {\"Vorname\": \"Wfname\"}}]}");
    encryptor.encrypt(execution, PiiPolicy.defaults().paths(WorkflowExecutions.KIND));
    assertHoldsNone(execution.toString(), "+4915100000003", "Wfname");
    assertThat(execution.at("/tasks/0/ecp/label").asText(), equalTo("Upload"));
    assertThat(execution.at("/tasks/0/installer/enabled").asBoolean(), equalTo(true));
  }

  /**
   * Keys with a qualifier (a form's note, a list's number, a required-field mark), a party before
   * the word ({@code customer_birthdate}) and a device's location: a probe of published-shaped
   * payloads found these in plain text. A named path keeps its own meaning: {@code line1} is not
   * line 2.
   */
  @Test
  public void qualifiedKeysAreFound() throws Exception {
    ObjectNode event =
        (ObjectNode)
            Fixtures.JSON.readTree(
                "{\"details\": {\"Phone (optional)\": \"+4915100000021\","
                    + " \"phone_1\": \"+4915100000022\", \"address_line1\": \"Am Hang 4\","
                    + " \"addressLine2\": \"Hinterhaus\", \"customer_birthdate\": \"1980-02-03\","
                    + " \"geburtsdatum_kunde\": \"04.05.1981\", \"E-Mail*\": \"q1@example.org\","
                    + " \"2. Vorname\": \"Qualname\", \"billing_street\": \"Weg 9\","
                    + " \"location\": {\"lat\": 50.9375, \"lng\": 6.9603},"
                    + " \"Forwarded\": \"for=198.51.100.41;proto=https\","
                    + " \"form\": [{\"label\": \"Telefon (mobil) *\", \"value\": \"+4915100000023\"}],"
                    + " \"contact[email]\": \"bracket@example.org\","
                    + " \"Rückruf (Telefon)\": \"+4915100000024\","
                    + " \"geo\": {\"lat\": 50.1, \"lon\": 6.2},"
                    + " \"Kontakt per E-Mail?\": \"Ja\", \"cell_1\": \"A1\","
                    + " \"Ihre Telefonnummer?\": \"+4915100000025\", \"tel_2\": \"+4922100026\","
                    + " \"contact[phone][]\": [\"+4915100000027\"],"
                    + " \"form2\": [{\"label\": \"Rückruf per Telefon? *\", \"value\": \"Nein\"}],"
                    + " \"step_2\": \"tariff\", \"phone_verified_1\": true}}");
    encryptor.encrypt(event, PiiPolicy.defaults().paths(JourneyEvents.KIND));
    assertHoldsNone(
        event.toString(),
        "+4915100000021",
        "+4915100000022",
        "Am Hang",
        "Hinterhaus",
        "1980-02-03",
        "04.05.1981",
        "q1@example.org",
        "Qualname",
        "Weg 9",
        "50.9375",
        "6.9603",
        "198.51.100.41",
        "+4915100000023",
        "bracket@example.org",
        "+4915100000025",
        "+4922100026",
        "+4915100000027",
        "+4915100000024",
        "6.2");
    JsonNode details = event.get("details");
    assertThat(details.get("step_2").asText(), equalTo("tariff"));
    assertThat(details.get("phone_verified_1").asBoolean(), equalTo(true));
    assertThat(details.get("Kontakt per E-Mail?").asText(), equalTo("Ja"));
    assertThat(details.at("/form2/0/value").asText(), equalTo("Nein"));
    assertThat(details.get("cell_1").asText(), equalTo("A1"));
    assertThat(details.at("/form/0/label").asText(), equalTo("Telefon (mobil) *"));

    // A URL's credential (a portal's magic link) is encrypted whole; a page's URL without one
    // stays.
    ObjectNode page =
        (ObjectNode)
            Fixtures.JSON.readTree(
                "{\"details\": {\"url\": \"https://portal.example.com/login?token=magic-41\","
                    + " \"referrer\": \"https://portal.example.com/home?utm_source=mail\"}}");
    encryptor.encrypt(page, PiiPolicy.defaults().paths(JourneyEvents.KIND));
    assertHoldsNone(page.toString(), "magic-41");
    assertThat(
        page.at("/details/referrer").asText(),
        equalTo("https://portal.example.com/home?utm_source=mail"));

    ObjectNode record = Fixtures.JSON.createObjectNode();
    record.putObject("details").put("line1", "Kept 1").put("line2", "Kept 2");
    encryptor.encrypt(record, List.of(PiiPath.parse("details.**.line1")));
    assertThat(cipher.decrypt(record.at("/details/line1").asText()), equalTo("Kept 1"));
    assertThat(record.at("/details/line2").asText(), equalTo("Kept 2"));
  }

  /**
   * What a search (**) finds beside the PII stays readable: flags (has_email, a show_password
   * toggle) and the ids of an attribute's related entities (epilot's $relation), which must join;
   * the rest of a relation is encrypted as before (a review found a label left plain at first).
   */
  @Test
  public void aSearchLeavesFlagsAndRelationsReadable() throws Exception {
    ObjectNode payload =
        (ObjectNode)
            Fixtures.JSON.readTree(
                "{\"_id\": \"e3\", \"has_email\": true, \"show_password\": false,"
                    + " \"shipping_address\": {\"$relation\": [{\"entity_id\": \"rel-ent-2\","
                    + " \"_tags\": [\"delivery\"]}], \"note\": \"Hinterhof 3\"},"
                    + " \"contactEmail\": \"flags@example.org\"}");
    ObjectNode envelope =
        Fixtures.entityOperation(
            "739224", "e3", "updateEntity", "2024-01-01T00:00:00Z", payload, true);
    encryptor.encrypt(envelope, PiiPolicy.defaults().paths(EntityOperations.KIND));
    JsonNode out = envelope.get("detail").get("payload");
    assertThat(out.get("has_email").asBoolean(), equalTo(true));
    assertThat(out.get("show_password").isBoolean(), equalTo(true));
    JsonNode relation = out.get("shipping_address").get("$relation").get(0);
    assertThat(relation.get("entity_id").asText(), equalTo("rel-ent-2"));
    assertThat(
        "the rest of a relation is what the search found",
        cipher.decrypt(relation.get("_tags").get(0).asText()),
        equalTo("delivery"));
    assertThat(
        cipher.decrypt(out.get("shipping_address").get("note").asText()), equalTo("Hinterhof 3"));
    assertThat(cipher.decrypt(out.get("contactEmail").asText()), equalTo("flags@example.org"));
  }

  /**
   * An order's billing party: whatever its attributes are called (billing_*), they are encrypted,
   * but its billing contact is a relation that still joins (billing_* encrypted it whole before); a
   * reference to another entity's part keeps its ids, under a search too.
   */
  @Test
  public void anOrdersBillingContactStillJoins() {
    ObjectNode order = Fixtures.load("epilot_entity_order_openapi_example.json");
    order
        .put("billing_name", "Billname Person")
        .put("billing_plz", "50668")
        .put("billing_account_number", "BA-778812")
        .put("billing_postal_code", "50667")
        .put("billing_city", "Billcity")
        .put("billing_salutation", "Frau")
        .put("billing_company", "Billco Einzelunternehmen");
    // A name put where a relation's id goes is not an id: encrypted.
    order
        .putObject("billing_note")
        .putArray("$relation")
        .addObject()
        .put("entity_id", "Max Relname");
    order
        .putObject("installation_address")
        .putArray("$relation_ref")
        .addObject()
        .put("entity_id", "ref-ent-9")
        .put("_id", "addr-1")
        .put("path", "address");
    ObjectNode envelope =
        Fixtures.entityOperation(
            "739224", "e4", "updateEntity", "2024-01-01T00:00:00Z", order, true);
    encryptor.encrypt(envelope, PiiPolicy.defaults().paths(EntityOperations.KIND));
    JsonNode out = envelope.get("detail").get("payload");
    assertThat(
        out.at("/billing_contact/$relation/0/entity_id").asText(),
        equalTo("0691f503-5a3c-4e9e-b036-ffb21ea1d284"));
    assertThat(
        cipher.decrypt(out.at("/billing_contact/$relation/0/relationText").asText()),
        equalTo("Daniel Test"));
    assertHoldsNone(
        envelope.toString(),
        "Billname",
        "Paulo",
        "Henriques",
        "x@email.xyz",
        "00351912611099",
        "\"123456789\"",
        "\"Epilot\"",
        "Street 1",
        "BA-778812",
        "50667",
        "Billcity",
        "Frau",
        "Billco",
        "50668",
        "Relname");
    assertThat(
        out.at("/installation_address/$relation_ref/0/entity_id").asText(), equalTo("ref-ent-9"));
    assertThat(out.at("/installation_address/$relation_ref/0/_id").asText(), equalTo("addr-1"));
    assertThat(out.at("/installation_address/$relation_ref/0/path").asText(), equalTo("address"));

    // A billing contact given as text (epilot's relations example) is encrypted.
    ObjectNode textContact =
        Fixtures.JSON.createObjectNode().put("billing_contact", "villy or zilly");
    ObjectNode second =
        Fixtures.entityOperation(
            "739224", "e5", "updateEntity", "2024-01-01T00:00:00Z", textContact, true);
    encryptor.encrypt(second, PiiPolicy.defaults().paths(EntityOperations.KIND));
    assertHoldsNone(second.toString(), "villy");
  }

  @Test
  public void anyDepthEncryptsScalarsOnly() {
    ObjectNode record = Fixtures.JSON.createObjectNode();
    record.putArray("email").addObject().put("email", "a@b.c");
    record.putObject("deep").putObject("deeper").put("email", "d@e.f");
    encryptor.encrypt(record, List.of(PiiPath.parse("**.email")));
    assertThat(record.get("email").isArray(), equalTo(true));
    assertThat(cipher.decrypt(record.get("email").get(0).get("email").asText()), equalTo("a@b.c"));
    assertThat(
        cipher.decrypt(record.get("deep").get("deeper").get("email").asText()), equalTo("d@e.f"));
  }

  @Test
  public void entityPayloadPiiInStringifiedDetail() {
    ObjectNode contact = Fixtures.load("epilot_entity_contact_openapi_example.json");
    ObjectNode envelope =
        Fixtures.entityOperation(
            "739224", "e1", "createEntity", "2024-01-01T00:00:00Z", contact, true);
    encryptor.encrypt(envelope, PiiPolicy.defaults().paths(EntityOperations.KIND));
    String text = envelope.toString();
    assertHoldsNone(
        text,
        "user@example.com",
        "+49123456789",
        "Melatengürtel",
        "1.1.1.1",
        "\"First\"",
        "2019-08-24");
    assertThat(envelope.get("detail").get("payload").get("status").asText(), equalTo("Active"));
  }

  /**
   * The one walk for all paths gives the tokens the former walk (one per path) gave for the
   * published samples, so encrypted values still join with data written before. The file holds, per
   * line, kind, input record and the former walk's output (made with the development keyset). Moved
   * on purpose twice, each time only values that were plain text becoming tokens, no token
   * changing: for new paths (VTEX's operator login and gift-list description), and for the scalars
   * inside a container that a {@code **} path ends on (epilot's {@code email[]._tags}, {@code
   * phone[]._tags}). The last two lines (added with the free-form search) pin what a review found
   * it changed at first: keys with {@code ı} and {@code ſ} that {@code equalsIgnoreCase} matched,
   * and containers such as {@code billingContact} that the separator folding made a named path's
   * ({@code billing_*}) and encrypted whole; their one change is a {@code street} now found under
   * {@code BillingAddress}. Moved on purpose a third time: an order's {@code billing_contact}, a
   * relation under {@code billing_*}, keeps its related entity's id readable (the rest of the
   * relation tokens, an empty list a list); an address's {@code _tags} is a list (of tokens), the
   * addresses being the search's alone; and a consent event's {@code source}, a double opt-in link
   * with its {@code ?token=}, became a token (a URL's credential).
   */
  @Test
  public void tokensAreThoseOfTheFormerWalk() throws Exception {
    int lines = 0;
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(
                getClass().getResourceAsStream("/pii/former-walk-tokens.tsv"),
                StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        String[] parts = line.split("\t");
        ObjectNode record = (ObjectNode) Fixtures.JSON.readTree(parts[1]);
        encryptor.encrypt(
            record, PiiPolicy.defaults().paths(RecordKinds.builtIn().byName(parts[0])));
        assertThat(parts[0] + " record " + (lines + 1), record.toString(), equalTo(parts[2]));
        lines++;
      }
    }
    assertThat(lines, equalTo(14));
  }

  /**
   * A second probe's finds: PII a client sends beside an analytics record's details (kept in {@code
   * _extra}), and keys that name what they hold (an API gateway's source ip, card data,
   * credentials, German names).
   */
  @Test
  public void analyticsRecordsAreSearchedWholeForNamedPii() throws Exception {
    ObjectNode session =
        (ObjectNode)
            Fixtures.JSON.readTree(
                "{\"id\": \"js-04\", \"org_id\": \"739224\", \"journey_id\": \"j1\","
                    + " \"email\": \"toplevel@example.org\", \"user\": {\"phone\": \"+4915199\"},"
                    + " \"details\": {\"sourceIp\": \"198.51.100.41\", \"x-real-ip\":"
                    + " \"198.51.100.42\", \"card_number\": \"4111111111111111\", \"cvv\": \"123\","
                    + " \"api_key\": \"k-secret-1\", \"refresh_token\": \"r-secret-2\","
                    + " \"geburtstag\": \"1980-02-03\", \"Anschrift\": \"Ringweg 5\","
                    + " \"tel\": \"+4922100\", \"secretAccessKey\": \"s-secret-3\","
                    + " \"client_secret_value\": \"s-secret-4\", \"privateKey\": \"p-secret-5\","
                    + " \"step\": \"payment\"}}");
    encryptor.encrypt(session, PiiPolicy.defaults().paths(JourneySessions.KIND));
    assertHoldsNone(
        session.toString(),
        "toplevel@example.org",
        "+4915199",
        "198.51.100.41",
        "198.51.100.42",
        "4111111111111111",
        "\"123\"",
        "k-secret-1",
        "r-secret-2",
        "s-secret-3",
        "s-secret-4",
        "p-secret-5",
        "1980-02-03",
        "Ringweg",
        "+4922100");
    assertThat(cipher.decrypt(session.get("email").asText()), equalTo("toplevel@example.org"));
    assertThat(session.get("journey_id").asText(), equalTo("j1"));
    assertThat(session.get("details").get("step").asText(), equalTo("payment"));
  }

  /**
   * A VTEX item's customizations (attachments) hold what the shopper typed, under fields each store
   * names itself: every value is a token, the field names and the attachment's name stay.
   */
  @Test
  public void itemCustomizationsAreEncryptedTheirFieldNamesStay() throws Exception {
    ObjectNode order = Fixtures.load("vtex_oms_get_order.json");
    ObjectNode item = (ObjectNode) order.get("items").get(0);
    ArrayNode attachments = item.putArray("attachments");
    ObjectNode custom = attachments.addObject().put("name", "Personalização");
    custom
        .putObject("content")
        .put("Nome", "Beatriz Attach")
        .put("CPF do presenteado", "123.456.789-09")
        .put("Número", 10)
        .put("Embrulho", true);
    attachments
        .addObject()
        .put("name", "Mensagem")
        .put("content", "Feliz aniversário, Maria Attach");
    item.putObject("itemAttachment")
        .put("name", "Gravação")
        .put("content", "{\"texto\": \"Para Maria Attach\"}");
    ((ObjectNode) item.putArray("bundleItems").addObject())
        .putArray("attachments")
        .addObject()
        .put("name", "Cartão")
        .putObject("content")
        .put("De", "Beatriz Attach");
    encryptor.encrypt(order, PiiPolicy.defaults().paths(CheckoutOrders.KIND));

    for (String typed : List.of("Beatriz", "Maria", "123.456")) {
      assertThat(item.toString(), not(containsString(typed)));
    }
    JsonNode content = item.get("attachments").get(0).get("content");
    assertThat(cipher.decrypt(content.get("Nome").asText()), equalTo("Beatriz Attach"));
    assertThat(cipher.decrypt(content.get("Número").asText()), equalTo("10"));
    assertThat("a flag stays", content.get("Embrulho").asBoolean(), equalTo(true));
    assertThat(item.get("attachments").get(0).get("name").asText(), equalTo("Personalização"));
    assertThat(
        "plain text there is one token",
        cipher.decrypt(item.get("attachments").get(1).get("content").asText()),
        equalTo("Feliz aniversário, Maria Attach"));
    assertThat(item.get("itemAttachment").get("name").asText(), equalTo("Gravação"));
  }

  /**
   * A fourth probe's finds (published epilot and VTEX shapes): identity documents and tax numbers
   * under German and Brazilian names, a house number written short, a place of birth, a contact
   * person named in a label; the words around them stay readable.
   */
  @Test
  public void identityNumbersAndTheirGermanAndBrazilianNamesAreFound() throws Exception {
    ObjectNode payload = Fixtures.JSON.createObjectNode();
    payload
        .put("Steuer-ID", "86095742719")
        .put("steuernummer", "21/815/08150")
        .put("Personalausweisnummer", "L01X00T47")
        .put("personalausweis", "T22000129")
        .put("reisepass_nummer", "C01X00T47")
        .put("cpf", "123.456.789-09")
        .put("Hausnr.", "17a")
        .put("Geburtsort", "Castrop-Rauxel")
        .put("Ansprechpartner vor Ort", "Herr Probe")
        .put("sozialversicherungsnummer", "65170839J003")
        .put("Name des Kunden", "Anna Probe")
        .put("tariff", "Ökostrom");
    payload.putObject("customer").put("name", "Max Probe").put("number", "K-4711");
    payload.putObject("product").put("name", "Wallbox 11 kW");
    ObjectNode operation =
        Fixtures.entityOperation(
            "739224", "e-probe-4", "updateEntity", "2024-05-01T10:00:00Z", payload, false);
    encryptor.encrypt(operation, PiiPolicy.defaults().paths(EntityOperations.KIND));
    assertHoldsNone(
        operation.toString(),
        "86095742719",
        "21/815/08150",
        "L01X00T47",
        "T22000129",
        "C01X00T47",
        "123.456.789-09",
        "17a",
        "Castrop-Rauxel",
        "Herr Probe",
        "65170839J003",
        "Anna Probe",
        "Max Probe");
    JsonNode encrypted = operation.get("detail").get("payload");
    assertThat(encrypted.get("customer").get("number").asText(), equalTo("K-4711"));
    assertThat(encrypted.get("product").get("name").asText(), equalTo("Wallbox 11 kW"));
    assertThat(cipher.decrypt(encrypted.get("Hausnr.").asText()), equalTo("17a"));
    assertThat(encrypted.get("tariff").asText(), equalTo("Ökostrom"));
  }

  /** A VTEX gift card's redemption code spends its balance: encrypted where it appears. */
  @Test
  public void giftCardRedemptionCodesAreEncrypted() throws Exception {
    ObjectNode order = Fixtures.load("vtex_oms_get_order.json");
    ObjectNode paymentData = (ObjectNode) order.get("paymentData");
    paymentData
        .putArray("giftCards")
        .addObject()
        .put("id", "gc1")
        .put("redemptionCode", "GIFT-CODE-7777")
        .put("value", 1000);
    ((ObjectNode) paymentData.get("transactions").get(0).get("payments").get(0))
        .put("redemptionCode", "GIFT-CODE-8888");
    encryptor.encrypt(order, PiiPolicy.defaults().paths(CheckoutOrders.KIND));
    assertThat(order.toString(), not(containsString("GIFT-CODE")));
    assertThat(
        cipher.decrypt(paymentData.get("giftCards").get(0).get("redemptionCode").asText()),
        equalTo("GIFT-CODE-7777"));
    assertThat(paymentData.get("giftCards").get(0).get("id").asText(), equalTo("gc1"));
  }

  /**
   * A key that a {@code **} path names is PII whatever its value's shape: an array or object there
   * keeps its shape, and every scalar in it is encrypted (they used to stay in plain text).
   */
  @Test
  public void aKeyNamedByAnAnyDepthPathIsPiiWhateverItsShape() throws Exception {
    ObjectNode event =
        (ObjectNode)
            Fixtures.JSON.readTree(
                "{\"details\": {\"ip\": [\"203.0.113.201\", \"10.20.30.40\"],"
                    + " \"email\": {\"work\": \"arr.email@example.org\", \"verified\": true},"
                    + " \"device\": {\"ip\": {\"v4\": \"198.51.100.9\", \"v6\": \"2001:db8::9\"}},"
                    + " \"step\": 3}}");
    encryptor.encrypt(event, PiiPolicy.defaults().paths(JourneyEvents.KIND));
    JsonNode details = event.get("details");
    assertThat(details.get("ip").size(), equalTo(2));
    assertThat(cipher.decrypt(details.get("ip").get(1).asText()), equalTo("10.20.30.40"));
    assertThat(
        cipher.decrypt(details.get("email").get("work").asText()),
        equalTo("arr.email@example.org"));
    assertThat(
        "a flag beside the PII is no PII",
        details.get("email").get("verified").asBoolean(),
        equalTo(true));
    assertThat(
        cipher.decrypt(details.get("device").get("ip").get("v6").asText()), equalTo("2001:db8::9"));
    assertThat(details.get("step").asInt(), equalTo(3));
    assertHoldsNone(
        event.toString(),
        "203.0.113.201",
        "10.20.30.40",
        "arr.email",
        "198.51.100.9",
        "2001:db8::9");
  }

  @Test
  public void textAPathCannotFollowIsEncryptedWhole() {
    String broken = "{\"ip\": \"203.0.113.99\", broken";
    ObjectNode event = Fixtures.JSON.createObjectNode().put("details", broken);
    encryptor.encrypt(event, PiiPolicy.defaults().paths(JourneyEvents.KIND));
    assertThat(event.get("details").asText(), startsWith(PiiCipher.TOKEN_PREFIX));
    assertThat(cipher.decrypt(event.get("details").asText()), equalTo(broken));

    ObjectNode plain = Fixtures.JSON.createObjectNode().put("details", "ip=203.0.113.99");
    encryptor.encrypt(plain, PiiPolicy.defaults().paths(JourneyEvents.KIND));
    assertThat(
        "a named step needs JSON",
        cipher.decrypt(plain.get("details").asText()),
        equalTo("ip=203.0.113.99"));

    ObjectNode order =
        Fixtures.JSON
            .createObjectNode()
            .put("city", "Rio de Janeiro")
            .put("note", "[\"a@b.c\", broken")
            .put("product", "[2] Camiseta Azul M");
    order.putObject("contact").put("phones", "[1, 2").put("people", "[{\"email\": \"d@e.f");
    encryptor.encrypt(order, List.of(PiiPath.parse("**.email")));
    assertThat("** leaves plain text alone", order.get("city").asText(), equalTo("Rio de Janeiro"));
    assertThat(
        "** encrypts text that starts like JSON and is not",
        cipher.decrypt(order.get("note").asText()),
        equalTo("[\"a@b.c\", broken"));
    assertThat(
        cipher.decrypt(order.get("contact").get("people").asText()),
        equalTo("[{\"email\": \"d@e.f"));
    assertThat(
        "text that starts with a bracket but not like JSON stays",
        order.get("product").asText(),
        equalTo("[2] Camiseta Azul M"));
    assertThat(
        "numbers cut short hold no key to look for",
        order.get("contact").get("phones").asText(),
        equalTo("[1, 2"));

    // Notations of keys and values that are not JSON, JSON cut short after a scalar, JSON escaped
    // twice, JSON followed by text (a review's cases, which a first version left plain): encrypted.
    List<String> hiding =
        List.of(
            "[1, {\"email\": \"a@b.c\"",
            "[null,{\"email\":\"a@b.c\"}",
            "{email: \"a@b.c\"}",
            "{ email: 'a@b.c' }",
            "{email=a@b.c, phone=+49151}",
            "{\\\"email\\\":\\\"a@b.c\\\"}",
            "{ \u201Cemail\u201D: \u201Ca@b.c\u201D }",
            "{:email=>\"a@b.c\"}",
            "{`email`: `a@b.c`}",
            "[1] {\"email\":\"a@b.c\"}",
            "{} {\"email\":\"a@b.c\"}",
            "{2nd_email=a@b.c}",
            "[1] {2fa_phone: 1}",
            "{email\uFF1Aa@b.c}",
            "\"{\\\"email\\\":\\\"a@b.c\\\"}\"");
    List<String> text =
        List.of(
            "[2] Camiseta Azul M",
            "[Outlet] Camiseta",
            "{{entity.owner}}",
            "[Outlet] Smart TV 55\"",
            "[2] Levi's 501",
            "[12:00] Entrega",
            "[Outlet] Smart TV: 55\"",
            "[Promo] Frete gr\u00E1tis: SP",
            "[INFO] user=x",
            "{{entity.owner}}'s task",
            "[a@b.c]");
    ObjectNode notes = Fixtures.JSON.createObjectNode();
    for (int i = 0; i < hiding.size(); i++) {
      notes.put("hiding" + i, hiding.get(i));
    }
    for (int i = 0; i < text.size(); i++) {
      notes.put("text" + i, text.get(i));
    }
    // A byte order mark before JSON is space around the document: read, and its email encrypted.
    notes.put("bom", "\uFEFF{\"email\":\"a@b.c\"}");
    notes.put("zwsp", "\u200B\u200E[{\"email\":\"a@b.c\"}]");
    encryptor.encrypt(notes, List.of(PiiPath.parse("**.email")));
    assertThat(cipher.decrypt(notes.get("bom").get("email").asText()), equalTo("a@b.c"));
    assertThat(cipher.decrypt(notes.get("zwsp").get(0).get("email").asText()), equalTo("a@b.c"));
    for (int i = 0; i < hiding.size(); i++) {
      assertThat(
          hiding.get(i), cipher.decrypt(notes.get("hiding" + i).asText()), equalTo(hiding.get(i)));
    }
    for (int i = 0; i < text.size(); i++) {
      assertThat(notes.get("text" + i).asText(), equalTo(text.get(i)));
    }

    ObjectNode entity = Fixtures.JSON.createObjectNode();
    entity
        .putObject("detail")
        .putObject("payload")
        .put("email", "solo@example.com")
        .put("blank", " ");
    encryptor.encrypt(entity, List.of(PiiPath.parse("detail.payload.email[].email")));
    assertThat(
        "name[] on a plain string",
        cipher.decrypt(entity.get("detail").get("payload").get("email").asText()),
        equalTo("solo@example.com"));
  }

  @Test
  public void eachValueIsEncryptedOnceWhereverPathsOverlap() {
    ObjectNode order = Fixtures.JSON.createObjectNode();
    order.putObject("clientProfileData").put("email", "a@b.c");
    order.put("followUpEmail", "pii:not-a-token");
    order.putArray("email").addObject().put("email", "d@e.f");
    encryptor.encrypt(
        order,
        List.of(
            PiiPath.parse("**.email"),
            PiiPath.parse("clientProfileData.email"),
            PiiPath.parse("clientProfileData.*"),
            PiiPath.parse("email[].email"),
            PiiPath.parse("followUpEmail")));
    assertThat(
        cipher.decrypt(order.get("clientProfileData").get("email").asText()), equalTo("a@b.c"));
    assertThat(cipher.decrypt(order.get("email").get(0).get("email").asText()), equalTo("d@e.f"));
    assertThat(
        "a source value that starts with pii: is encrypted like any other",
        cipher.decrypt(order.get("followUpEmail").asText()),
        equalTo("pii:not-a-token"));
  }

  @Test
  public void severalAnyDepthPathsThatOverlapEncryptEachValueOnceInOneWalk() {
    ObjectNode record = Fixtures.JSON.createObjectNode();
    ObjectNode a = record.putObject("a");
    a.put("email", "1@x.y");
    ObjectNode contact = a.putObject("contact");
    contact.put("email", "2@x.y");
    contact.putObject("address").put("street", "Main 1").put("city", "Köln");
    // Stringified JSON under **: parsed, walked by every ** path at once, left parsed.
    a.put("nested", "{\"contact\":{\"email\":\"3@x.y\",\"address\":{\"street\":\"Side 2\"}}}");
    record.putArray("list").addObject().putObject("contact").put("email", "4@x.y");
    record.put("email", "5@x.y");
    record.put("kept", "not pii");
    encryptor.encrypt(
        record,
        List.of(
            PiiPath.parse("**.email"),
            PiiPath.parse("**.contact.email"),
            PiiPath.parse("a.**.email"),
            PiiPath.parse("**.contact.**.email"),
            PiiPath.parse("**.address.street"),
            PiiPath.parse("a.**.address.**.street")));
    // Once: encrypting an already encrypted value would give a token of a token.
    assertThat(record.get("email").asText(), equalTo(cipher.encrypt("5@x.y")));
    assertThat(record.at("/a/email").asText(), equalTo(cipher.encrypt("1@x.y")));
    assertThat(record.at("/a/contact/email").asText(), equalTo(cipher.encrypt("2@x.y")));
    assertThat(record.at("/a/contact/address/street").asText(), equalTo(cipher.encrypt("Main 1")));
    assertThat(record.at("/a/contact/address/city").asText(), equalTo("Köln"));
    assertThat(record.at("/a/nested/contact/email").asText(), equalTo(cipher.encrypt("3@x.y")));
    assertThat(
        record.at("/a/nested/contact/address/street").asText(), equalTo(cipher.encrypt("Side 2")));
    assertThat(record.at("/list/0/contact/email").asText(), equalTo(cipher.encrypt("4@x.y")));
    assertThat(record.get("kept").asText(), equalTo("not pii"));
  }

  /**
   * A third probe's finds: PII that no key names (a form's label/value pairs, an e-mail address in
   * free text or under an unlisted key) and names clients give keys that the list missed.
   */
  @Test
  public void formAnswersAndEmailAddressesAreEncryptedWhateverTheirKey() throws Exception {
    ObjectNode event =
        (ObjectNode)
            Fixtures.JSON.readTree(
                "{\"id\": \"je-9\", \"org_id\": \"739224\", \"details\": {\"form\": ["
                    + "{\"label\": \"E-Mail\", \"value\": \"ignatius.plumtree@probe.example\"},"
                    + " {\"label\": \"Telefonnummer (mobil)\", \"value\": \"+4917611\"},"
                    + " {\"name\": \"Vor- und Nachname\", \"value\": \"Ignatius Plumtree\"},"
                    + " {\"label\": \"Dachfläche\", \"value\": \"42\"},"
                    + " {\"label\": \"E-Mail-Werbung\", \"value\": true}],"
                    + " \"consent\": {\"identifier\": \"consent.person@probe.example\"},"
                    + " \"note\": \"call back, or write to notes.person@probe.example\","
                    + " \"mobileNo\": \"+4917622\", \"display_name\": \"Solar Journey\","
                    + " \"iban_holder\": \"Ida Plumtree\", \"contact_person\": \"Otto Plumtree\","
                    + " \"handle\": \"@plumtree\", \"host\": \"admin@localhost\"}}");
    encryptor.encrypt(event, PiiPolicy.defaults().paths(JourneyEvents.KIND));
    String text = event.toString();
    assertHoldsNone(
        text,
        "ignatius.plumtree",
        "+4917611",
        "Ignatius Plumtree",
        "consent.person",
        "notes.person",
        "+4917622",
        "Ida Plumtree",
        "Otto Plumtree");
    JsonNode form = event.get("details").get("form");
    assertThat(form.get(0).get("label").asText(), equalTo("E-Mail"));
    assertThat(
        cipher.decrypt(form.get(0).get("value").asText()),
        equalTo("ignatius.plumtree@probe.example"));
    assertThat(
        "an answer no PII key labels stays", form.get(3).get("value").asText(), equalTo("42"));
    assertThat("a flag stays", form.get(4).get("value").asBoolean(), equalTo(true));
    assertThat(
        "no address in it", event.get("details").get("handle").asText(), equalTo("@plumtree"));
    assertThat(event.get("details").get("host").asText(), equalTo("admin@localhost"));
    assertThat(
        "a display name is a journey's or a step's as often as a person's",
        event.get("details").get("display_name").asText(),
        equalTo("Solar Journey"));

    ObjectNode order = Fixtures.load("vtex_oms_get_order.json");
    order.putObject("openTextField").put("value", "Ring twice, Rua Sem Nome 7");
    order
        .putObject("cancellationData")
        .put("Reason", "asked by shopper.person@probe.example")
        .put("CancellationDate", "2024-01-01");
    order
        .putObject("packageAttachment")
        .putArray("packages")
        .addObject()
        .put("invoiceNumber", "NF-1")
        .putObject("address")
        .put("receiverName", "Pia Plumtree")
        .put("street", "Rua Sem Nome")
        .put("city", "Niterói");
    encryptor.encrypt(order, PiiPolicy.defaults().paths(CheckoutOrders.KIND));
    String orderText = order.toString();
    assertHoldsNone(orderText, "Ring twice", "shopper.person", "Pia Plumtree", "Rua Sem Nome");
    JsonNode pack = order.get("packageAttachment").get("packages").get(0);
    assertThat(pack.get("invoiceNumber").asText(), equalTo("NF-1"));
    assertThat(pack.get("address").get("city").asText(), equalTo("Niterói"));
    assertThat(
        order.get("cancellationData").get("CancellationDate").asText(), equalTo("2024-01-01"));
  }

  /**
   * A review's finds: a labelled answer under a key that is PII itself was encrypted twice, and the
   * e-mail rule must not touch the fields that route a record; a choice's code is not an answer.
   */
  @Test
  public void aLabelledAnswerIsEncryptedOnceAndRoutingFieldsKeepTheirAddresses() throws Exception {
    ObjectNode event =
        (ObjectNode)
            Fixtures.JSON.readTree(
                "{\"id\": \"msg-1@mail.example.org\", \"org_id\": \"shop@example.org\","
                    + " \"details\": {\"phone\": [{\"label\": \"mobile\", \"value\": \"+4917611\"}],"
                    + " \"answer\": {\"label\": \"E-Mail\", \"value\": {\"email\": \"a@b.de\"}},"
                    + " \"same\": {\"phone\": \"+4917611\"},"
                    + " \"options\": [{\"label\": \"E-Mail\", \"value\": \"email\"}],"
                    + " \"telefonie_option\": \"Festnetz-Flat\", \"secretary\": \"Desk 4\","
                    + " \"quiz\": [{\"question\": \"Telefonnummer\", \"answer\": \"+4917633\"},"
                    + " {\"id\": \"f7\", \"name\": \"lastName\", \"label\": \"Nachname\", \"type\":"
                    + " \"text\", \"required\": true, \"placeholder\": \"x\", \"value\": \"Plumtree\"}]}}");
    encryptor.encrypt(event, PiiPolicy.defaults().paths(JourneyEvents.KIND), List.of("org_id"));
    assertThat(event.get("org_id").asText(), equalTo("shop@example.org"));
    // An id holding an address is encrypted: the same token wherever it appears, so it still joins.
    assertThat(cipher.decrypt(event.get("id").asText()), equalTo("msg-1@mail.example.org"));
    JsonNode details = event.get("details");
    String labelled = details.get("phone").get(0).get("value").asText();
    assertThat(cipher.decrypt(labelled), equalTo("+4917611"));
    assertThat(
        "the token of the same value under a key",
        labelled,
        equalTo(details.get("same").get("phone").asText()));
    assertThat(
        cipher.decrypt(details.get("answer").get("value").get("email").asText()),
        equalTo("a@b.de"));
    assertThat(details.get("options").get(0).get("value").asText(), equalTo("email"));
    assertThat(details.get("telefonie_option").asText(), equalTo("Festnetz-Flat"));
    assertThat(details.get("secretary").asText(), equalTo("Desk 4"));
    assertThat(event.toString(), not(containsString("+4917633")));
    assertThat(event.toString(), not(containsString("Plumtree")));
  }

  /** {@code text} holds none of {@code values} (each was encrypted). */
  private static void assertHoldsNone(String text, String... values) {
    for (String value : values) {
      assertThat(text, not(containsString(value)));
    }
  }
}
