package io.datalake.transforms.warehouse;

import io.datalake.transforms.freshness.FreshnessViews;
import io.datalake.transforms.kinds.RecordKind;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.model.DeadLetter;
import io.datalake.transforms.model.LakeRow;
import io.datalake.transforms.model.RecordRejectedException;
import io.datalake.transforms.monitor.PipelineMetrics;
import io.datalake.transforms.pii.PiiCipher;
import io.datalake.transforms.pii.PiiKeyset;
import io.datalake.transforms.schema.LakeTable;
import io.datalake.transforms.snapshot.SnapshotRows;
import java.io.Serializable;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.clickhouse.ClickHouseIO;
import org.apache.beam.sdk.io.clickhouse.TimedClickHouseWrite;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.SchemaCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.GroupIntoBatches;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ClickHouse warehouse as a Beam IO, shaped like {@link ClickHouseIO} (which it inserts
 * through):
 *
 * <pre>{@code
 * ClickHouseWarehouseIO.Write warehouse =
 *     ClickHouseWarehouseIO.prepareSchema(                 // launcher: DDL, server version
 *         ClickHouseWarehouseIO.write().withUrl("http://127.0.0.1:8123").withKeyset(keyset));
 * PCollection<DeadLetter> rejected = lakeRows.apply("WriteWarehouse", warehouse);
 * deadLetters.apply("WarehouseDeadLetters", warehouse.deadLetters());
 * }</pre>
 *
 * <p>{@link #prepareSchema} is the one step that changes the database before a run: it creates the
 * database and tables or adds missing columns (idempotent; see {@link WarehouseSchema}) and reads
 * the server's version, which the JDBC URL needs. A write that was not prepared refuses to expand.
 *
 * <p>ClickHouseIO alone inserts once per bundle and cannot say which rows a table would reject, so
 * the write complements it: rows are converted and checked against the table's columns first
 * (rejects leave as dead letters naming the table), in a stream batched across bundles ({@link
 * GroupIntoBatches} with a sharded key, so one table's batches are spread over the workers instead
 * of all landing on the worker of one key; by count, estimated bytes or flush interval) into large
 * inserts (a batch's bundles are large enough), and each tenant's {@code _final} views are created
 * when a worker first sees the tenant.
 */
public final class ClickHouseWarehouseIO {
  private static final Logger LOG = LoggerFactory.getLogger(ClickHouseWarehouseIO.class);

  /** See --clickhouseDatabase. */
  public static final String DEFAULT_DATABASE = "datalake";

  /** The step of the dead letters this IO makes: rows a warehouse table rejected. */
  public static final String STEP = "clickhouse";

  /** Rows per insert at most (see --clickhouseBatchRows). */
  public static final int DEFAULT_BATCH_ROWS = 5000;

  /** Estimated bytes per insert at most (see --clickhouseBatchMegabytes). */
  public static final long DEFAULT_BATCH_BYTES = 32L * 1024 * 1024;

  /** Seconds a batch waits for more rows at most (see --clickhouseFlushSeconds). */
  public static final int DEFAULT_FLUSH_SECONDS = 2;

  /** The retry budget of statements and inserts (see --clickhouseRetrySeconds). */
  public static final int DEFAULT_RETRY_SECONDS = 120;

  /**
   * ClickHouseIO's retries of an insert are bounded by the cumulative backoff (the retry budget),
   * not by a count: its default of 5 retries from 5 s gives up after about a minute. ClickHouseIO
   * 2.69 retries only what the driver reports as an SQLException; the driver reports every failure
   * of the insert itself otherwise, and those that pass by themselves (refused, timed out,
   * overloaded) are retried by {@code TimedClickHouseWrite} within the same budget, counted as wall
   * time ({@code InsertRetries}). What is left fails the bundle, and Flink's restart strategy (see
   * README, "Outages") replays from the last checkpoint.
   */
  static final int INSERT_MAX_RETRIES = 1_000;

  static final TupleTag<DeadLetter> REJECTED = new TupleTag<>() {};

  private ClickHouseWarehouseIO() {}

  /**
   * A write with the defaults; it needs at least {@link Write#withUrl} and {@link
   * Write#withKeyset}.
   */
  public static Write write() {
    return new Write();
  }

  /**
   * Prepares the warehouse for {@code write}, before the pipeline runs: creates the database and
   * the tables when missing, adds the columns they lack, refuses a change that cannot be made
   * safely, and reads the server's version. Returns the write with that version (and a fresh load
   * id unless one was set), ready to expand. Safe to call again: every statement is idempotent.
   */
  public static Write prepareSchema(Write write) {
    if (write.url == null) {
      throw new IllegalStateException("ClickHouseWarehouseIO.write() needs withUrl(...)");
    }
    ClickHouseClient client = write.client();
    String version = client.serverVersion();
    warnUnlessUtc(client.execute("SELECT timezone()").trim());
    WarehouseSchema.prepare(client, write.database, write.tables());
    // Before the tenants' objects: each tenant's freshness view reads the admin's.
    FreshnessViews.prepare(client, write.database, write.tables(), write.kinds);
    if (!TenantAccess.hasSqlAccessManagement(version)) {
      // Tables and columns added since reach the tenants' copies before any row is written.
      TenantDatabase.completeAll(client, write.database, write.tables(), write.kinds);
    }
    Write prepared = write.withServerVersion(version);
    if (prepared.loadId == null) {
      prepared = prepared.withLoadId(java.util.UUID.randomUUID().toString());
    }
    LOG.info(
        "datalake: ClickHouse on at {} (server {}), database {}, load id {}",
        prepared.displayUrl(),
        version,
        prepared.database,
        prepared.loadId);
    return prepared;
  }

  /**
   * The time columns are {@code DateTime} without a zone (18.16's DDL, kept on current servers):
   * they hold UTC instants, which the server shows, parses ({@code WHERE start_time >
   * '2024-08-01'}) and truncates ({@code toStartOfMonth}) in its own time zone. This project's
   * server runs in UTC; a server elsewhere shows analysts other times than the lake's, so the run
   * says so.
   */
  static void warnUnlessUtc(String serverTimeZone) {
    if (!isUtc(serverTimeZone)) {
      LOG.warn(
          "datalake: ClickHouse's server time zone is {}, not UTC: the warehouse's time columns"
              + " hold UTC instants but are shown, compared with text and truncated to days and"
              + " months in {}, unlike the lake's; set <timezone>UTC</timezone> in the server's"
              + " config, or read them with toTimeZone(column, 'UTC')",
          serverTimeZone,
          serverTimeZone);
    }
  }

  /** Whether a zone name is UTC under any of its names (UTC, Etc/UCT, GMT, Zulu...). */
  static boolean isUtc(String zone) {
    try {
      java.time.zone.ZoneRules rules = java.time.ZoneId.of(zone).getRules();
      return rules.isFixedOffset()
          && rules.getOffset(java.time.Instant.EPOCH).getTotalSeconds() == 0;
    } catch (java.time.DateTimeException e) {
      return false;
    }
  }

  /**
   * Writes lake rows to the warehouse tables they feed; outputs the rows a table rejected, as dead
   * letters naming that table. Immutable: each {@code withX} returns a new write.
   */
  public static final class Write extends PTransform<PCollection<LakeRow>, PCollection<DeadLetter>>
      implements Serializable {
    private @Nullable String url;
    private String credentialsFile = "";
    private String database = DEFAULT_DATABASE;
    private @Nullable String serverVersion;
    private @Nullable String loadId;
    private @Nullable String runId;
    private int batchRows = DEFAULT_BATCH_ROWS;
    private long batchBytes = DEFAULT_BATCH_BYTES;
    private int flushSeconds = DEFAULT_FLUSH_SECONDS;
    private int retrySeconds = DEFAULT_RETRY_SECONDS;
    private @Nullable PiiKeyset keyset;
    private RecordKinds kinds = RecordKinds.builtIn();
    private @Nullable Long version;

    private Write() {}

    /**
     * A copy to change before it is returned: the fields are written only here, on a copy no one
     * else holds yet, so a write never changes once a caller has it.
     */
    private Write copy() {
      Write copy = new Write();
      copy.url = url;
      copy.credentialsFile = credentialsFile;
      copy.database = database;
      copy.serverVersion = serverVersion;
      copy.loadId = loadId;
      copy.runId = runId;
      copy.batchRows = batchRows;
      copy.batchBytes = batchBytes;
      copy.flushSeconds = flushSeconds;
      copy.retrySeconds = retrySeconds;
      copy.keyset = keyset;
      copy.kinds = kinds;
      copy.version = version;
      return copy;
    }

    /** A copy with {@code change} applied. */
    private Write with(java.util.function.Consumer<Write> change) {
      Write copy = copy();
      change.accept(copy);
      return copy;
    }

    private static void check(boolean valid, String message) {
      if (!valid) {
        throw new IllegalArgumentException(message);
      }
    }

    /** The kinds whose tables this write feeds ({@link RecordKinds#builtIn()} unless set). */
    public Write withKinds(RecordKinds value) {
      check(value != null, "ClickHouseWarehouseIO: the kinds must not be null");
      return with(copy -> copy.kinds = value);
    }

    /**
     * Every row gets this {@code _version} (epoch microseconds) instead of its version column's
     * time: rows recomputed later (a corrected month's snapshot rows, whose event time is the same
     * month start as the rows they correct) must win over those already there under {@code FINAL}.
     * Unset (the default): the version column's time.
     */
    public Write withVersion(long micros) {
      check(micros >= 0, "ClickHouseWarehouseIO: a version must be 0 or more, got " + micros);
      return with(copy -> copy.version = micros);
    }

    /** The warehouse tables of this write's kinds. */
    public List<WarehouseTable> tables() {
      return WarehouseTables.of(kinds);
    }

    /** ClickHouse's HTTP address, e.g. {@code http://127.0.0.1:8123}, without credentials. */
    public Write withUrl(String value) {
      check(value != null && !value.isBlank(), "ClickHouseWarehouseIO: the URL must not be blank");
      return with(copy -> copy.url = value);
    }

    /** The file holding {@code user} and {@code password}; empty: see {@link ClickHouseClient}. */
    public Write withCredentialsFile(String value) {
      return with(copy -> copy.credentialsFile = value == null ? "" : value);
    }

    public Write withDatabase(String value) {
      check(
          value != null && !value.isBlank(),
          "ClickHouseWarehouseIO: the database must not be blank");
      return with(copy -> copy.database = value);
    }

    /** The server's version, as {@link ClickHouseWarehouseIO#prepareSchema} reads it. */
    public Write withServerVersion(String value) {
      return with(copy -> copy.serverVersion = value);
    }

    /** The {@code _load_id} of every row written; prepareSchema makes one up unless set. */
    public Write withLoadId(String value) {
      return with(copy -> copy.loadId = value);
    }

    /** The pipeline run's id, shown in the display data beside the load id. */
    public Write withRunId(String value) {
      return with(copy -> copy.runId = value);
    }

    public Write withBatchRows(int value) {
      check(value >= 1, "ClickHouseWarehouseIO: batch rows must be at least 1, got " + value);
      return with(copy -> copy.batchRows = value);
    }

    public Write withBatchBytes(long value) {
      check(value >= 1, "ClickHouseWarehouseIO: batch bytes must be at least 1, got " + value);
      return with(copy -> copy.batchBytes = value);
    }

    public Write withFlushSeconds(int value) {
      check(value >= 0, "ClickHouseWarehouseIO: flush seconds must be 0 or more, got " + value);
      return with(copy -> copy.flushSeconds = value);
    }

    public Write withRetrySeconds(int value) {
      check(value >= 0, "ClickHouseWarehouseIO: retry seconds must be 0 or more, got " + value);
      return with(copy -> copy.retrySeconds = value);
    }

    /** The keyset that encrypts the record kept in a dead letter. */
    public Write withKeyset(PiiKeyset value) {
      return with(copy -> copy.keyset = Objects.requireNonNull(value, "keyset"));
    }

    public @Nullable String url() {
      return url;
    }

    public String database() {
      return database;
    }

    public @Nullable String loadId() {
      return loadId;
    }

    public int batchRows() {
      return batchRows;
    }

    public long batchBytes() {
      return batchBytes;
    }

    public int flushSeconds() {
      return flushSeconds;
    }

    public int retrySeconds() {
      return retrySeconds;
    }

    public Duration retryBudget() {
      return Duration.standardSeconds(retrySeconds);
    }

    /** A new client of the HTTP interface, for the launcher (workers make theirs in @Setup). */
    public ClickHouseClient client() {
      return new ClickHouseClient(Objects.requireNonNull(url, "url"), credentialsFile);
    }

    /** The URL without user info, query or fragment: what may be shown and logged. */
    String displayUrl() {
      if (url == null) {
        return "";
      }
      try {
        URI uri = new URI(url);
        return new URI(
                uri.getScheme(), null, uri.getHost(), uri.getPort(), uri.getPath(), null, null)
            .toString();
      } catch (URISyntaxException | IllegalArgumentException e) {
        return "(not a URL)";
      }
    }

    @Override
    public void populateDisplayData(DisplayData.Builder builder) {
      super.populateDisplayData(builder);
      builder
          .add(DisplayData.item("url", displayUrl()).withLabel("ClickHouse HTTP URL"))
          .add(DisplayData.item("database", database).withLabel("ClickHouse database"))
          .add(DisplayData.item("batchRows", batchRows).withLabel("Rows per insert at most"))
          .add(
              DisplayData.item("batchBytes", batchBytes)
                  .withLabel("Estimated bytes per insert at most"))
          .add(
              DisplayData.item("flushSeconds", flushSeconds)
                  .withLabel("Seconds a batch waits for more rows"))
          .add(
              DisplayData.item("retrySeconds", retrySeconds)
                  .withLabel("Retry budget of inserts and statements (s)"))
          .addIfNotNull(
              DisplayData.item("serverVersion", serverVersion).withLabel("Server version"))
          .addIfNotNull(DisplayData.item("loadId", loadId).withLabel("Load id (_load_id)"))
          .addIfNotNull(DisplayData.item("runId", runId).withLabel("Run id"))
          .addIfNotNull(DisplayData.item("version", version).withLabel("Fixed _version"));
    }

    /** A ClickHouseIO insert into {@code table} with the retry budget, never deduplicated. */
    ClickHouseIO.Write<Row> insert(String jdbcUrl, String table) {
      return ClickHouseIO.<Row>write(jdbcUrl, table)
          .withInsertDeduplicate(false)
          .withMaxRetries(INSERT_MAX_RETRIES)
          .withInitialBackoff(ClickHouseRetries.INITIAL_BACKOFF)
          .withMaxCumulativeBackoff(retryBudget());
    }

    /**
     * {@code insert} with the wall time of each insert into {@code table} observed in {@code
     * datalake_clickhouse_insert_seconds{table}} (see {@link TimedClickHouseWrite}), and the rows
     * of each insert ClickHouse acknowledged counted in {@code clickhouse_inserted_<table>}.
     */
    static TimedClickHouseWrite timed(ClickHouseIO.Write<Row> insert, String table) {
      PipelineMetrics.InsertLatency latency = PipelineMetrics.clickhouseInsertLatency(table);
      PipelineMetrics.Counters inserted = PipelineMetrics.Family.CLICKHOUSE_INSERTED.counters();
      return TimedClickHouseWrite.of(
          insert,
          (rows, nanos, acknowledged) -> {
            latency.observe(nanos);
            if (acknowledged) {
              inserted.inc(table, rows);
            }
          });
    }

    /**
     * The JDBC URL ClickHouseIO writes with, credentials included (read here, on the launcher): it
     * is part of the serialized inserts, never of the display data or a log line.
     */
    private String jdbcUrl() {
      if (serverVersion == null || loadId == null) {
        throw new IllegalStateException(
            "ClickHouseWarehouseIO: prepare the schema before the write runs:"
                + " ClickHouseWarehouseIO.prepareSchema(write)");
      }
      return client().jdbcUrl(database, serverVersion);
    }

    @Override
    public PCollection<DeadLetter> expand(PCollection<LakeRow> rows) {
      if (keyset == null) {
        throw new IllegalStateException("ClickHouseWarehouseIO.write() needs withKeyset(...)");
      }
      String jdbcUrl = jdbcUrl();
      TenantObjects tenantObjects =
          new TenantObjects(url, credentialsFile, database, retryBudget(), kinds);
      Map<String, TupleTag<Row>> tags = new LinkedHashMap<>();
      for (WarehouseTable table : tables()) {
        tags.put(table.name(), new TupleTag<Row>(table.name()) {});
      }
      if (rows.isBounded() == PCollection.IsBounded.BOUNDED) {
        // A batch converts, inserts and makes each new tenant's views in one step: a batch's
        // bundles are large (on Flink a whole partition of the input), so ClickHouseIO's inserts
        // of --clickhouseBatchRows rows are full without any grouping, and no row is encoded for
        // another step (Flink's batch translation encodes and decodes a step's output once per
        // consumer, and every output of a step with several outputs).
        Map<String, TimedClickHouseWrite.Inserter> inserters = new LinkedHashMap<>();
        for (WarehouseTable table : tables()) {
          inserters.put(table.name(), insertInto(jdbcUrl, table).inserter(batchBytes));
        }
        return rows.apply(
                "ToWarehouseRowsAndInsert",
                ParDo.of(
                        new InsertWarehouseRowsFn(
                            tags, loadId, keyset, kinds, version, inserters, tenantObjects))
                    .withOutputTags(REJECTED, TupleTagList.empty()))
            .get(REJECTED);
      }
      rows.apply("EnsureTenantViews", ParDo.of(new EnsureTenantViewsFn(tenantObjects)));
      PCollectionTuple converted =
          rows.apply(
              "ToWarehouseRows",
              ParDo.of(new ToWarehouseRowsFn(tags, loadId, keyset, kinds, version))
                  .withOutputTags(REJECTED, TupleTagList.of(new ArrayList<>(tags.values()))));
      for (WarehouseTable table : tables()) {
        String name = table.name();
        SchemaCoder<Row> rowCoder = SchemaCoder.of(table.rowSchema());
        // A stream's bundles are small (on Flink 1,000 elements or 1 s): it batches rows across
        // bundles, per table.
        converted
            .get(tags.get(name))
            .setCoder(rowCoder)
            .apply("Key_" + name, WithKeys.of(name))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), rowCoder))
            .apply(
                "Batch_" + name,
                GroupIntoBatches.<String, Row>ofSize(batchRows)
                    .withByteSize(batchBytes, ClickHouseWarehouseIO::estimatedBytes)
                    .withMaxBufferingDuration(Duration.standardSeconds(flushSeconds))
                    // One key per table would put all of a table's rows on one worker;
                    // sharded, each worker thread batches its own share (the bounds hold
                    // per shard).
                    .withShardedKey())
            .apply("Values_" + name, Values.create())
            .apply("Unbatch_" + name, Flatten.iterables())
            .setCoder(rowCoder)
            .apply("Insert_" + name, insertInto(jdbcUrl, table));
      }
      return converted.get(REJECTED);
    }

    /** The timed ClickHouseIO insert of rows into {@code table}. */
    private TimedClickHouseWrite insertInto(String jdbcUrl, WarehouseTable table) {
      return timed(
          insert(jdbcUrl, table.name())
              .withTableSchema(table.ioSchema())
              .withMaxInsertBlockSize(batchRows),
          table.name());
    }

    /** Writes dead letters to the warehouse's {@code dead_letters} table. */
    public PTransform<PCollection<DeadLetter>, PCollection<Row>> deadLetters() {
      Write write = this;
      return new PTransform<PCollection<DeadLetter>, PCollection<Row>>() {
        @Override
        public PCollection<Row> expand(PCollection<DeadLetter> letters) {
          Schema schema = DeadLetterTable.rowSchema();
          String jdbcUrl = write.jdbcUrl();
          String loadId = write.loadId;
          PCollection<Row> rows =
              letters
                  .apply(
                      "DeadLetterRows",
                      MapElements.into(TypeDescriptor.of(Row.class))
                          .via(
                              (DeadLetter l) ->
                                  DeadLetterTable.toRow(
                                      schema, l, System.currentTimeMillis() * 1000, loadId)))
                  .setRowSchema(schema);
          rows.apply(
              "InsertDeadLetters",
              timed(
                  write
                      .insert(jdbcUrl, DeadLetterTable.NAME)
                      .withTableSchema(DeadLetterTable.ioSchema()),
                  DeadLetterTable.NAME));
          return rows;
        }

        @Override
        public void populateDisplayData(DisplayData.Builder builder) {
          super.populateDisplayData(builder);
          builder.include("warehouse", write);
        }
      };
    }
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

  /**
   * The row of warehouse table {@code table} (with row schema {@code schema}) made from a lake row;
   * throws when a value does not fit its column.
   */
  static Row toWarehouseRow(WarehouseTable table, Schema schema, LakeRow row, String loadId)
      throws RecordRejectedException {
    return toWarehouseRow(table, schema, row, loadId, null);
  }

  /** As above, with {@code version} (when not null) as every row's {@code _version}. */
  static Row toWarehouseRow(
      WarehouseTable table, Schema schema, LakeRow row, String loadId, @Nullable Long version)
      throws RecordRejectedException {
    return toWarehouseRow(table, new WarehouseRows(schema), row, loadId, version);
  }

  private static Row toWarehouseRow(
      WarehouseTable table, WarehouseRows rows, LakeRow row, String loadId, @Nullable Long version)
      throws RecordRejectedException {
    List<Object> values = rows.newValues();
    for (WarehouseColumn column : table.columns()) {
      if (column.name().equals(WarehouseTables.LOAD_ID)) {
        values.add(loadId);
      } else if (version != null && column.name().equals(WarehouseTables.VERSION)) {
        values.add(version);
      } else {
        values.add(column.value().of(row));
      }
    }
    return rows.row(values);
  }

  /**
   * Converts each lake row into the rows of the warehouse tables it feeds (one output per table),
   * checking each value against its column; a row that does not fit leaves as a dead letter.
   */
  static class ToWarehouseRowsFn extends DoFn<LakeRow, DeadLetter> {
    private final Map<String, TupleTag<Row>> tags;
    private final String loadId;
    private final PiiKeyset keyset;
    private final RecordKinds kinds;
    private final @Nullable Long version;
    private final PipelineMetrics.Counters rejectedRows =
        PipelineMetrics.Family.CLICKHOUSE_REJECTED.counters();
    private final PipelineMetrics.Counters unchangingRows =
        PipelineMetrics.Family.CLICKHOUSE_UNCHANGING.counters();
    private final PipelineMetrics.Counters deadLettersByStep =
        PipelineMetrics.Family.DEAD_LETTERS.counters();
    private transient PiiCipher cipher;

    /** Lake table to the warehouse tables it feeds, with their row schemas derived once. */
    private transient Map<String, List<Target>> targets;

    /** Derived current-state table to its rule (which operations change nothing). */
    private transient Map<String, LakeTable.CurrentState> currentStates;

    ToWarehouseRowsFn(
        Map<String, TupleTag<Row>> tags, String loadId, PiiKeyset keyset, RecordKinds kinds) {
      this(tags, loadId, keyset, kinds, null);
    }

    ToWarehouseRowsFn(
        Map<String, TupleTag<Row>> tags,
        String loadId,
        PiiKeyset keyset,
        RecordKinds kinds,
        @Nullable Long version) {
      this.tags = tags;
      this.loadId = loadId;
      this.keyset = keyset;
      this.kinds = kinds;
      this.version = version;
    }

    record Target(WarehouseTable table, TupleTag<Row> tag, WarehouseRows rows) {}

    @Setup
    public void setup() {
      cipher = keyset.cipher();
      targets = new HashMap<>();
      currentStates = new HashMap<>();
      for (LakeTable lake : kinds.tables()) {
        if (lake.currentState() != null) {
          currentStates.put(lake.currentState().table(), lake.currentState());
        }
      }
      for (WarehouseTable table : WarehouseTables.of(kinds)) {
        targets
            .computeIfAbsent(table.source(), k -> new ArrayList<>())
            .add(new Target(table, tags.get(table.name()), new WarehouseRows(table.rowSchema())));
      }
    }

    @ProcessElement
    public void process(@Element LakeRow row, MultiOutputReceiver out) throws Exception {
      boolean derived = SnapshotRows.isSnapshot(row);
      for (Target target : targets.getOrDefault(row.table(), List.of())) {
        WarehouseTable table = target.table();
        if (derived && !table.name().equals(row.table())) {
          // A snapshot row is derived from operations already applied: it feeds its own table
          // only, not current_entities (nor any other table derived from operations).
          continue;
        }
        LakeTable.CurrentState state = currentStates.get(table.name());
        if (state != null && !state.changedBy(row.record().get(state.operationColumn()))) {
          // A relation operation changes no entity's state: it must not replace the latest one.
          unchangingRows.inc(table.name());
          continue;
        }
        Row warehouseRow;
        try {
          warehouseRow = toWarehouseRow(table, target.rows(), row, loadId, version);
        } catch (RecordRejectedException | RuntimeException e) {
          RecordKind kind = kinds.kindOf(row.table());
          rejectedRows.inc(table.name());
          deadLettersByStep.inc(STEP);
          String reason =
              e instanceof RecordRejectedException
                  ? e.getMessage()
                  : "value does not fit its column (" + e.getClass().getSimpleName() + ")";
          // The checks name the lake row's column ("journey_events.created_at is outside ..."):
          // the table is said again only when the row was headed elsewhere (current_entities).
          if (!reason.startsWith(table.name() + ".")) {
            reason = table.name() + ": " + reason;
          }
          out.get(REJECTED)
              .output(
                  new DeadLetter(
                          kind.name(),
                          STEP,
                          reason,
                          DeadLetter.sinkSource(
                              "clickhouse:" + table.name() + ":" + keyOf(table, row), row.record()),
                          cipher.encryptRandomized(
                              row.record().toString().getBytes(StandardCharsets.UTF_8)),
                          table.name())
                      .withTenant(row.tenant()));
          continue;
        }
        emit(target, warehouseRow, out);
      }
    }

    /**
     * Hands on a row that fits its table: here to the table's output. Outside the conversion's
     * catch, so that only a row's own values make a dead letter, never a failed insert.
     */
    void emit(Target target, Row warehouseRow, MultiOutputReceiver out) throws Exception {
      out.get(target.tag()).output(warehouseRow);
    }

    @Teardown
    public void teardown() {
      cipher = null;
      targets = null;
      currentStates = null;
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
   * {@link ToWarehouseRowsFn} that inserts the rows itself, through each table's ClickHouseIO
   * insert ({@link TimedClickHouseWrite.Inserter}), instead of handing them to a step per table:
   * the batch's warehouse write. Outputs only the rejected rows, as dead letters. A failed insert
   * (its retries spent) fails the bundle, as it does in ClickHouseIO's own step.
   */
  static final class InsertWarehouseRowsFn extends ToWarehouseRowsFn {
    private final Map<String, TimedClickHouseWrite.Inserter> inserters;
    private final TenantObjects tenantObjects;

    InsertWarehouseRowsFn(
        Map<String, TupleTag<Row>> tags,
        String loadId,
        PiiKeyset keyset,
        RecordKinds kinds,
        @Nullable Long version,
        Map<String, TimedClickHouseWrite.Inserter> inserters,
        TenantObjects tenantObjects) {
      super(tags, loadId, keyset, kinds, version);
      this.inserters = inserters;
      this.tenantObjects = tenantObjects;
    }

    @Setup
    @Override
    public void setup() {
      super.setup();
      tenantObjects.setup();
      try {
        for (TimedClickHouseWrite.Inserter inserter : inserters.values()) {
          inserter.setup();
        }
      } catch (SQLException e) {
        throw new IllegalStateException("ClickHouse: cannot connect to insert: " + e, e);
      }
    }

    @StartBundle
    public void startBundle() {
      for (TimedClickHouseWrite.Inserter inserter : inserters.values()) {
        inserter.startBundle();
      }
    }

    @ProcessElement
    @Override
    public void process(@Element LakeRow row, MultiOutputReceiver out) throws Exception {
      tenantObjects.ensure(row.tenant());
      super.process(row, out);
    }

    /**
     * Buffers the row in its table's inserter, which inserts at --clickhouseBatchRows or sooner
     * when the rows reach --clickhouseBatchMegabytes (a VTEX order is ~14 KB: 5,000 of them would
     * hold ~70 MB per worker), as a stream's batches do.
     */
    @Override
    void emit(Target target, Row warehouseRow, MultiOutputReceiver out) throws Exception {
      inserters.get(target.table().name()).insert(warehouseRow, estimatedBytes(warehouseRow));
    }

    @FinishBundle
    public void finishBundle() throws Exception {
      for (TimedClickHouseWrite.Inserter inserter : inserters.values()) {
        inserter.finishBundle();
      }
    }

    @Teardown
    @Override
    public void teardown() {
      super.teardown();
      tenantObjects.teardown();
      for (TimedClickHouseWrite.Inserter inserter : inserters.values()) {
        try {
          inserter.teardown();
        } catch (Exception e) {
          LOG.warn("datalake: closing a ClickHouse connection failed: {}", e.toString());
        }
      }
    }
  }

  /**
   * Creates a tenant's objects in the warehouse ({@link TenantAccess#tenantObjects}: its {@code
   * _final} views and its freshness view) the first time this instance sees the tenant; a tenant
   * database on 18.16 is made by {@code credentials create} ({@link TenantDatabase}). What it
   * remembers is its own (no state shared across the JVM): another instance, or this one after a
   * restart, sends the statements again, which changes nothing ({@code IF NOT EXISTS}). The
   * statements are retried with backoff like inserts: a tenant first seen while ClickHouse is down
   * or frozen waits for it (up to the retry budget) instead of failing its bundle at once.
   */
  static final class TenantObjects implements Serializable {
    private final String url;
    private final String credentialsFile;
    private final String database;
    private final Duration retryBudget;
    private final RecordKinds kinds;
    private transient RetryingStatements statements;
    private transient Set<String> created;
    private transient List<WarehouseTable> tables;

    TenantObjects(
        String url,
        String credentialsFile,
        String database,
        Duration retryBudget,
        RecordKinds kinds) {
      this.url = url;
      this.credentialsFile = credentialsFile;
      this.database = database;
      this.retryBudget = retryBudget;
      this.kinds = kinds;
    }

    /** From the DoFn's {@code @Setup}. */
    void setup() {
      statements = new RetryingStatements(new ClickHouseClient(url, credentialsFile), retryBudget);
      created = new HashSet<>();
      tables = WarehouseTables.of(kinds);
    }

    /** Makes {@code tenant}'s objects unless this instance made them already. */
    void ensure(String tenant) {
      if (created.contains(tenant)) {
        return;
      }
      for (TenantAccess.Step step : TenantAccess.tenantObjects(database, tenant, tables)) {
        try {
          // Names no object: their names hold the tenant, which is data, and the log is no place
          // for it.
          statements.execute("a tenant view or table", step.sql());
        } catch (ClickHouseClient.ClickHouseException e) {
          // Another worker made it at the same moment: it exists, as wanted.
          if (!TenantAccess.alreadyExists(e)) {
            throw e;
          }
        }
      }
      created.add(tenant);
    }

    /** From the DoFn's {@code @Teardown}. */
    void teardown() {
      statements = null;
      created = null;
    }
  }

  /** Makes each tenant's objects ({@link TenantObjects}) in a stream. */
  static class EnsureTenantViewsFn extends DoFn<LakeRow, Void> {
    private final TenantObjects tenantObjects;

    EnsureTenantViewsFn(TenantObjects tenantObjects) {
      this.tenantObjects = tenantObjects;
    }

    @Setup
    public void setup() {
      tenantObjects.setup();
    }

    @ProcessElement
    public void process(@Element LakeRow row) {
      tenantObjects.ensure(row.tenant());
    }

    @Teardown
    public void teardown() {
      tenantObjects.teardown();
    }
  }
}
