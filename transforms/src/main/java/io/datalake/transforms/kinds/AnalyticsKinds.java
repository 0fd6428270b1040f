package io.datalake.transforms.kinds;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.transforms.parse.FlatRecordMapper;
import io.datalake.transforms.schema.LakeTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * What journey and portal sessions and events share: flat records with an {@code id}, the tenant in
 * {@code org_id} and their table's event time, one row each; PII in their free-form details, or in
 * fields a client adds beside them ({@link FreeFormPii}).
 */
final class AnalyticsKinds {
  private AnalyticsKinds() {}

  /** The kind {@code name} whose records are rows of {@code table}. */
  static RecordKind kind(String name, LakeTable table) {
    return RecordKind.named(name)
        .tenantField("org_id")
        .eventTimeField(table.eventTimeColumn())
        .recordIdField("id")
        .mapper(FlatRecordMapper::new)
        .tables(table)
        .piiPaths(piiPaths())
        .sample(AnalyticsKinds::visitor)
        .build();
  }

  /**
   * The free-form search under {@code details}, which names it (text there that is not JSON is
   * encrypted whole, as it may hide the keys), and over the whole record: a field the table does
   * not declare is kept in {@code _extra}, and a client may send the visitor's email or ip beside
   * the details. A value both find is encrypted once.
   */
  private static String[] piiPaths() {
    List<String> paths = new ArrayList<>(FreeFormPii.under("details."));
    paths.addAll(FreeFormPii.under(""));
    return paths.toArray(String[]::new);
  }

  /** A fresh id, an epilot tenant, a visitor's IP and e-mail. */
  private static void visitor(ObjectNode event, long n, String id, Random random) {
    event.put("id", id);
    event.put("org_id", Samples.epilotTenant(random));
    event.put(
        "details",
        "{\"ip\":\"198.51.100."
            + random.nextInt(255)
            + "\",\"email\":\"visitor"
            + random.nextInt(5000)
            + "@example.net\"}");
  }
}
