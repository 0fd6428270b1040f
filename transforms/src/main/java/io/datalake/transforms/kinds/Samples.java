package io.datalake.transforms.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Random;

/**
 * What the built-in kinds share beyond their schemas: the PII paths of journey and portal
 * analytics, and the values of sample records (tenants, shops, visitors' PII).
 */
final class Samples {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String[] EPILOT_TENANTS = {"739224", "123", "100042", "200777"};
  private static final String[] SHOPS = {"luxstore", "cozyhome", "bikeshop"};

  /** Journey and portal sessions and events: PII only in their free-form details. */
  static final String[] ANALYTICS_PII = {
    "details.**.ip", "details.**.email", "details.**.phone", "details.**.ip_address"
  };

  private Samples() {}

  /** A journey or portal record: a fresh id, an epilot tenant, a visitor's IP and e-mail. */
  static void visitor(ObjectNode event, long n, String id, Random random) {
    event.put("id", id);
    event.put("org_id", epilotTenant(random));
    event.put(
        "details",
        "{\"ip\":\"198.51.100."
            + random.nextInt(255)
            + "\",\"email\":\"visitor"
            + random.nextInt(5000)
            + "@example.net\"}");
  }

  static String epilotTenant(Random random) {
    return EPILOT_TENANTS[random.nextInt(EPILOT_TENANTS.length)];
  }

  static String shop(Random random) {
    return SHOPS[random.nextInt(SHOPS.length)];
  }

  static JsonNode readObject(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
