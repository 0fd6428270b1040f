package io.datalake.pipelines.cli;

/**
 * The example queries of the product's documentation, as the README shows them; {@code {db}} is the
 * warehouse database. They keep to functions both ClickHouse 18.16 and current servers have ({@code
 * visitParamExtract*} rather than {@code JSONExtract*}).
 */
final class DemoQueries {
  private DemoQueries() {}

  static final String OPPORTUNITIES_PER_MONTH_BY_SOURCE =
      "SELECT toStartOfMonth(timestamp) AS month,\n"
          + "       visitParamExtractString(visitParamExtractRaw(detail, 'source'), 'title') AS journey_source,\n"
          + "       count() AS opportunities\n"
          + "FROM {db}.`739224_entity_operations_final`\n"
          + "WHERE schema = 'opportunity' AND operation = 'createEntity'\n"
          + "GROUP BY month, journey_source\n"
          + "ORDER BY month, journey_source";
}
