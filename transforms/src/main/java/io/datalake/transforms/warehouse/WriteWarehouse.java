package io.datalake.transforms.warehouse;

import io.datalake.transforms.model.DeadLetter;
import io.datalake.transforms.model.EventKind;
import io.datalake.transforms.model.LakeRow;
import io.datalake.transforms.model.RecordRejectedException;
import io.datalake.transforms.monitor.ProgressLog;
import io.datalake.transforms.pii.PiiCipher;
import io.datalake.transforms.pii.PiiKeyset;
import io.datalake.transforms.schema.LakeTables;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.clickhouse.ClickHouseIO;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.schemas.SchemaCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.GroupIntoBatches;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.joda.time.Duration;

/**
 * Writes lake rows to the ClickHouse warehouse through ClickHouseIO, one sink per table with the
 * table schema given explicitly. ClickHouseIO alone inserts once per bundle and cannot say which
 * rows a table would reject, so this transform complements it: rows are converted and checked
 * against the table's columns first (rejects leave as dead letters with the reason), batched across
 * bundles ({@link GroupIntoBatches}, by count or flush interval) into large inserts, and each
 * tenant's {@code _final} views are created when the tenant first appears.
 */
public class WriteWarehouse extends PTransform<PCollection<LakeRow>, PCollection<DeadLetter>> {
  private static final TupleTag<DeadLetter> REJECTED = new TupleTag<>() {};

  /**
   * ClickHouseIO's retries of an insert are bounded by the cumulative backoff (the retry budget),
   * not by a count: its default of 5 retries from 5 s gives up after about a minute. ClickHouseIO
   * 2.69 retries only what the driver reports as an SQLException; the driver reports a refused or
   * timed-out connection otherwise, so those fail the bundle at once and Flink's restart strategy
   * (see README, "Outages") replays from the last checkpoint.
   */
  static final int INSERT_MAX_RETRIES = 1_000;

  private final Config config;

  public WriteWarehouse(Config config) {
    this.config = config;
  }

  /** Where and how to write. */
  public record Config(
      ClickHouseClient client,
      String database,
      String serverVersion,
      String loadId,
      int batchRows,
      long batchBytes,
      int flushSeconds,
      PiiKeyset keyset,
      int retrySeconds)
      implements Serializable {
    /** The default retry budget of statements and inserts (see --clickhouseRetrySeconds). */
    public static final int DEFAULT_RETRY_SECONDS = 120;

    public Duration retryBudget() {
      return Duration.standardSeconds(retrySeconds);
    }

    public String jdbcUrl() {
      return client.jdbcUrl(database, serverVersion);
    }
  }

  /**
   * A ClickHouseIO insert into {@code table} with the warehouse's retry budget, never deduplicated.
   */
  private static ClickHouseIO.Write<Row> insert(Config config, String table) {
    return ClickHouseIO.<Row>write(config.jdbcUrl(), table)
        .withInsertDeduplicate(false)
        .withMaxRetries(INSERT_MAX_RETRIES)
        .withInitialBackoff(RetryingStatements.INITIAL_BACKOFF)
        .withMaxCumulativeBackoff(config.retryBudget());
  }

  @Override
  public PCollection<DeadLetter> expand(PCollection<LakeRow> rows) {
    rows.apply(
        "EnsureTenantViews",
        ParDo.of(
            new EnsureTenantViewsFn(config.client(), config.database(), config.retryBudget())));
    Map<String, TupleTag<Row>> tags = new LinkedHashMap<>();
    for (WarehouseTable table : WarehouseTables.all()) {
      tags.put(table.name(), new TupleTag<Row>(table.name()) {});
    }
    PCollectionTuple converted =
        rows.apply(
            "ToWarehouseRows",
            ParDo.of(new ToWarehouseRowsFn(tags, config.loadId(), config.keyset()))
                .withOutputTags(REJECTED, TupleTagList.of(new ArrayList<>(tags.values()))));
    for (WarehouseTable table : WarehouseTables.all()) {
      String name = table.name();
      SchemaCoder<Row> rowCoder = SchemaCoder.of(table.rowSchema());
      converted
          .get(tags.get(name))
          .setCoder(rowCoder)
          .apply("Key_" + name, WithKeys.of(name))
          .setCoder(KvCoder.of(StringUtf8Coder.of(), rowCoder))
          .apply(
              "Batch_" + name,
              GroupIntoBatches.<String, Row>ofSize(config.batchRows())
                  .withByteSize(config.batchBytes(), WriteWarehouse::estimatedBytes)
                  .withMaxBufferingDuration(Duration.standardSeconds(config.flushSeconds())))
          .apply("Values_" + name, Values.create())
          .apply("Unbatch_" + name, Flatten.iterables())
          .setCoder(rowCoder)
          .apply(
              "Insert_" + name,
              insert(config, name)
                  .withTableSchema(table.ioSchema())
                  .withMaxInsertBlockSize(config.batchRows()));
    }
    return converted.get(REJECTED);
  }

  /**
   * About the heap a row takes, from its values (without encoding it, which would cost as much as
   * the insert): what bounds a batch held in memory.
   */
  static long estimatedBytes(Row row) {
    long bytes = 16;
    for (Object value : row.getValues()) {
      bytes += estimatedBytes(value);
    }
    return bytes;
  }

  private static long estimatedBytes(Object value) {
    if (value == null) {
      return 4;
    }
    if (value instanceof CharSequence text) {
      return 40L + text.length();
    }
    if (value instanceof Iterable<?> values) {
      long bytes = 24;
      for (Object v : values) {
        bytes += 4 + estimatedBytes(v);
      }
      return bytes;
    }
    return 16;
  }

  /** Writes dead letters to the warehouse's {@code dead_letters} table. */
  public static PTransform<PCollection<DeadLetter>, ?> deadLetters(Config config) {
    return new PTransform<PCollection<DeadLetter>, PCollection<Row>>() {
      @Override
      public PCollection<Row> expand(PCollection<DeadLetter> letters) {
        org.apache.beam.sdk.schemas.Schema schema =
            org.apache.beam.sdk.io.clickhouse.TableSchema.getEquivalentSchema(
                WarehouseTables.deadLettersSchema());
        String loadId = config.loadId();
        PCollection<Row> rows =
            letters
                .apply(
                    "DeadLetterRows",
                    MapElements.into(TypeDescriptor.of(Row.class))
                        .via(
                            (DeadLetter l) ->
                                Row.withSchema(schema)
                                    .addValues(
                                        l.kind,
                                        l.step,
                                        l.error,
                                        l.source,
                                        l.encryptedRecord,
                                        System.currentTimeMillis() * 1000,
                                        loadId)
                                    .build()))
                .setRowSchema(schema);
        rows.apply(
            "InsertDeadLetters",
            insert(config, "dead_letters").withTableSchema(WarehouseTables.deadLettersSchema()));
        return rows;
      }
    };
  }

  /**
   * Converts each lake row into the rows of the warehouse tables it feeds (one output per table),
   * checking each value against its column; a row that does not fit leaves as a dead letter.
   */
  static class ToWarehouseRowsFn extends DoFn<LakeRow, DeadLetter> {
    private final Map<String, TupleTag<Row>> tags;
    private final String loadId;
    private final PiiKeyset keyset;
    private final Map<String, Counter> rejectedRows = new HashMap<>();
    private transient PiiCipher cipher;

    /** Lake table to the warehouse tables it feeds, with their row schemas derived once. */
    private transient Map<String, List<Target>> targets;

    ToWarehouseRowsFn(Map<String, TupleTag<Row>> tags, String loadId, PiiKeyset keyset) {
      this.tags = tags;
      this.loadId = loadId;
      this.keyset = keyset;
      for (String table : tags.keySet()) {
        rejectedRows.put(table, Metrics.counter("datalake", "clickhouse_rejected_" + table));
      }
    }

    private record Target(
        WarehouseTable table, TupleTag<Row> tag, org.apache.beam.sdk.schemas.Schema schema) {}

    @Setup
    public void setup() {
      cipher = keyset.cipher();
      targets = new HashMap<>();
      for (WarehouseTable table : WarehouseTables.all()) {
        targets
            .computeIfAbsent(table.source(), k -> new ArrayList<>())
            .add(new Target(table, tags.get(table.name()), table.rowSchema()));
      }
    }

    @ProcessElement
    public void process(@Element LakeRow row, MultiOutputReceiver out) {
      for (Target target : targets.getOrDefault(row.table(), List.of())) {
        WarehouseTable table = target.table();
        try {
          Row.Builder builder = Row.withSchema(target.schema());
          for (WarehouseColumn column : table.columns()) {
            builder.addValue(
                column.name().equals(WarehouseTables.LOAD_ID) ? loadId : column.value().of(row));
          }
          out.get(target.tag()).output(builder.build());
        } catch (RecordRejectedException | RuntimeException e) {
          EventKind kind = LakeTables.kindOf(row.table());
          rejectedRows.get(table.name()).inc();
          ProgressLog.deadLettered(kind);
          String reason =
              e instanceof RecordRejectedException
                  ? e.getMessage()
                  : "value does not fit its column (" + e.getClass().getSimpleName() + ")";
          out.get(REJECTED)
              .output(
                  new DeadLetter(
                      kind.folder(),
                      "clickhouse",
                      table.name() + ": " + reason,
                      "clickhouse:" + table.name() + ":" + keyOf(table, row),
                      cipher.encryptRandomized(
                          row.record().toString().getBytes(StandardCharsets.UTF_8))));
        }
      }
    }

    private static String keyOf(WarehouseTable table, LakeRow row) {
      List<String> parts = new ArrayList<>();
      for (String column : table.orderBy()) {
        parts.add(String.valueOf(row.record().get(column)));
      }
      return String.join("/", parts);
    }
  }

  /**
   * Creates a tenant's {@code _final} views the first time this JVM sees the tenant. The statements
   * are retried with backoff like inserts: a tenant first seen while ClickHouse is down or frozen
   * waits for it (up to the retry budget) instead of failing its bundle at once.
   */
  static class EnsureTenantViewsFn extends DoFn<LakeRow, Void> {
    private static final Set<String> CREATED = ConcurrentHashMap.newKeySet();
    private final ClickHouseClient client;
    private final String database;
    private final Duration retryBudget;
    private transient RetryingStatements statements;

    EnsureTenantViewsFn(ClickHouseClient client, String database, Duration retryBudget) {
      this.client = client;
      this.database = database;
      this.retryBudget = retryBudget;
    }

    @Setup
    public void setup() {
      statements = new RetryingStatements(client, retryBudget);
    }

    @ProcessElement
    public void process(@Element LakeRow row) {
      String tenant = row.tenant();
      if (CREATED.contains(database + "\u0000" + tenant)) {
        return;
      }
      for (WarehouseTable table : WarehouseTables.all()) {
        // Names the table only: the tenant is data, and the log is no place for it.
        statements.execute(
            "the tenant view of " + table.name(), table.createViewStatement(database, tenant));
      }
      CREATED.add(database + "\u0000" + tenant);
    }

    @Teardown
    public void teardown() {
      statements = null;
    }
  }
}
