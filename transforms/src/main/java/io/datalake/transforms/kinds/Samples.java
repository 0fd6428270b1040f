package io.datalake.transforms.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Random;

/** Values the built-in kinds' sample records share: tenants, shops. */
final class Samples {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String[] EPILOT_TENANTS = {"739224", "123", "100042", "200777"};
  private static final String[] SHOPS = {"luxstore", "cozyhome", "bikeshop"};

  private Samples() {}

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
