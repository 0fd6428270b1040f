package io.datalake.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * The ClickHouse warehouse branch. Credentials are not options (runner UIs show options): they come
 * from the environment ({@code CLICKHOUSE_USER}, {@code CLICKHOUSE_PASSWORD}) or from the file
 * named by {@code --clickhouseCredentialsFile}.
 */
public interface ClickHouseOptions extends PipelineOptions {
  @Description(
      "ClickHouse HTTP URL, e.g. http://127.0.0.1:8123. Empty (the default) turns the ClickHouse"
          + " branch off; './datalake run' refuses it given empty (an unset variable): leave it"
          + " out.")
  @Default.String("")
  String getClickhouseUrl();

  void setClickhouseUrl(String value);

  @Description("ClickHouse database of the warehouse tables and views; created when missing.")
  @Default.String("datalake")
  String getClickhouseDatabase();

  void setClickhouseDatabase(String value);

  @Description(
      "File with 'user=...' and 'password=...' lines for ClickHouse. Empty: CLICKHOUSE_USER and"
          + " CLICKHOUSE_PASSWORD from the environment, else user 'default' with no password.")
  @Default.String("")
  String getClickhouseCredentialsFile();

  void setClickhouseCredentialsFile(String value);

  @Description(
      "Rows per ClickHouse insert at most (streaming: rows are batched across bundles up to this;"
          + " batch: each bundle's rows are inserted in groups of this many).")
  @Default.Integer(5000)
  Integer getClickhouseBatchRows();

  void setClickhouseBatchRows(Integer value);

  @Description(
      "Memory one insert's rows may take at most, in MiB (estimated from their values): a table's"
          + " rows are inserted at --clickhouseBatchRows or at this size, whichever comes first"
          + " (per worker, in batch and streaming). Large rows (a VTEX order is ~14 KB) would"
          + " otherwise hold hundreds of MB per table.")
  @Default.Integer(32)
  Integer getClickhouseBatchMegabytes();

  void setClickhouseBatchMegabytes(Integer value);

  @Description(
      "Longest a row waits for its batch to fill before it is inserted, in seconds (streaming)."
          + " Longer means fewer, larger parts for ClickHouse to merge, and later rows: at 2,000"
          + " records/s on 2 shared cores, 5 s took a fifth less of ClickHouse's CPU than 2 s.")
  @Default.Integer(2)
  Integer getClickhouseFlushSeconds();

  void setClickhouseFlushSeconds(Integer value);

  @Description(
      "How long a worker keeps retrying a ClickHouse statement that fails because ClickHouse is"
          + " unreachable, frozen or overloaded (tenant views and inserts), in seconds of wall time"
          + " from the first attempt, with exponential backoff from 1 s. Then the bundle fails: a"
          + " streaming job on"
          + " Flink restarts from its last checkpoint (its restart strategy) and tries again, a batch"
          + " run fails with the reason and a rerun completes it.")
  @Default.Integer(120)
  Integer getClickhouseRetrySeconds();

  void setClickhouseRetrySeconds(Integer value);
}
