package io.datalake.pipelines.cli;

import io.datalake.transforms.model.TenantId;
import io.datalake.transforms.warehouse.Sql;
import java.util.List;

/**
 * The example queries of the customer documentation, as the README shows them: each as documented
 * (it runs verbatim on current ClickHouse servers, the production ones) and its equivalent for
 * ClickHouse 18.16, the server installed here, which returns the same rows (DocumentedQueriesIT
 * compares them). Names are unqualified: they are run in the warehouse database, or in a tenant's
 * own database, as a client connected there does. {@code ./datalake demo} runs the first one.
 *
 * <p>Placeholders: {@code {org_id}} (a tenant; the views of a tenant whose id starts with a digit
 * need the backquotes written here), {@code {journey_id}} and {@code {app_name}} (quoted here as
 * string literals).
 */
public final class DemoQueries {
  private DemoQueries() {}

  /** The demo data's tenant, journey and app, which the README's examples use. */
  public static final String DEMO_ORG = "739224";

  public static final String DEMO_JOURNEY = "ae270da7-02f0-4b90-b143-262fdc5c0eed";
  public static final String DEMO_APP = "customer-portal";

  /**
   * One documented query.
   *
   * @param title what it answers, as the README's heading of it
   * @param current the query as documented (placeholders filled, the stray {@code and} after the
   *     first {@code where} removed)
   * @param clickHouse1816 its equivalent on 18.16: the same rows on rows loaded once (it may read a
   *     deduplicated view where the documented query reads a table)
   */
  public record Query(String title, String current, String clickHouse1816) {
    public String current(String org, String journeyId, String appName) {
      return fill(current, org, journeyId, appName);
    }

    public String clickHouse1816(String org, String journeyId, String appName) {
      return fill(clickHouse1816, org, journeyId, appName);
    }
  }

  /**
   * Opportunities created per journey source title, year and month. {@code entity_operations} is
   * the tenant's own rows where its user is connected (a row policy on current servers, its own
   * database on 18.16); 18.16 lacks {@code JSONExtract*}, and {@code visitParamExtract*} takes the
   * first key of a name at any depth, so its equivalent reads the column derived at ingest from
   * {@code detail.payload.source.title}, with '' where there is none (as {@code JSONExtractString}
   * gives). It reads the tenant's {@code _final} view, which exists in the warehouse database and
   * in the tenant's own: deduplicated, so a second load of the same rows (a second {@code
   * ./datalake demo}) is not counted twice while ClickHouse has not merged them yet.
   */
  public static final Query OPPORTUNITIES_BY_SOURCE =
      new Query(
          "Opportunities created per month, by journey source title",
          "select count(*) as count, JSONExtractString(detail, 'payload', 'source', 'title') as"
              + " journey_source,\n"
              + "  toStartOfYear (timestamp) as year, toStartOfMonth(timestamp) as month\n"
              + "from entity_operations\n"
              + "where schema = 'opportunity' and operation = 'createEntity'\n"
              + "group by journey_source, year, month",
          "select count(*) as count, ifNull(journey_source, '') as journey_source,\n"
              + "  toStartOfYear (timestamp) as year, toStartOfMonth(timestamp) as month\n"
              + "from `{org_id}_entity_operations_final`\n"
              + "where schema = 'opportunity' and operation = 'createEntity'\n"
              + "group by journey_source, year, month\n"
              + "order by year, month, journey_source");

  /** A journey's sessions since a date: plain SQL, the same on 18.16. */
  public static final Query JOURNEY_SESSIONS =
      new Query(
          "Sessions of one journey since 2024-08-01",
          "select journey_id, start_time, details from `{org_id}_journey_sessions_final`\n"
              + "where journey_id = '{journey_id}' and start_time > '2024-08-01 00:00:00'",
          "select journey_id, start_time, details from `{org_id}_journey_sessions_final`\n"
              + "where journey_id = '{journey_id}' and start_time > '2024-08-01 00:00:00'");

  /** An app's portal sessions since a date: plain SQL, the same on 18.16. */
  public static final Query PORTAL_SESSIONS =
      new Query(
          "Portal sessions of one app since 2024-08-01",
          "select app_name, start_time, details from `{org_id}_portal_sessions_final`\n"
              + "where app_name = '{app_name}' and start_time > '2024-08-01 00:00:00'",
          "select app_name, start_time, details from `{org_id}_portal_sessions_final`\n"
              + "where app_name = '{app_name}' and start_time > '2024-08-01 00:00:00'");

  public static final List<Query> DOCUMENTED =
      List.of(OPPORTUNITIES_BY_SOURCE, JOURNEY_SESSIONS, PORTAL_SESSIONS);

  /** The template with its placeholders filled: literals quoted, the tenant held to its rule. */
  static String fill(String template, String org, String journeyId, String appName) {
    if (!TenantId.isValid(org)) {
      throw new IllegalArgumentException("not a tenant id (" + TenantId.RULE + ")");
    }
    // The templates put {journey_id} and {app_name} inside quotes: fill in the quoted literal's
    // inside.
    return template
        .replace("{org_id}", org)
        .replace("'{journey_id}'", Sql.string(journeyId))
        .replace("'{app_name}'", Sql.string(appName));
  }
}
