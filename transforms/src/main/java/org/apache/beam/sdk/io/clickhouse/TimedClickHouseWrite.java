package org.apache.beam.sdk.io.clickhouse;

import io.datalake.transforms.warehouse.ClickHouseRetries;
import java.io.Serializable;
import java.sql.SQLException;
import java.util.Properties;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.util.NameUtils;
import org.apache.beam.sdk.util.ReleaseInfo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Duration;

/**
 * A {@link ClickHouseIO.Write} whose inserts are timed: the same configuration, the same DoFn code
 * ({@link ClickHouseIO.WriteFn}: its buffer, its {@code FluentBackoff} retries within the retry
 * budget, its RowBinary insert), and each insert's wall time, retries included, and whether
 * ClickHouse acknowledged it, handed to an {@link InsertTimer}. The failures ClickHouseIO does not
 * retry (all the driver reports from the insert itself) are retried here within the same budget
 * when they pass by themselves ({@link InsertRetries}).
 *
 * <p>Why a subclass in Beam's package: ClickHouseIO 2.69 offers no hook around an insert. Its
 * {@code WriteFn} is package-private and its {@code flush()} private, and {@code Write.expand}
 * builds the (AutoValue) WriteFn itself. So this class lives in {@code
 * org.apache.beam.sdk.io.clickhouse} (a split package: fine on a class path, and in the bundled and
 * cluster jars, where both jars' classes end up in one jar; the Beam jar is not sealed), does what
 * {@code Write.expand} does with a {@link TimedWriteFn} instead, and the subclass times the two
 * calls that flush: {@code finishBundle} (when rows are buffered), and {@code processElement} when
 * the buffer reaches {@code maxInsertBlockSize}. Beam's {@code DoFnSignatures} accepts the
 * overriding {@code @ProcessElement}/{@code @FinishBundle} (methods of one name and parameters
 * along the class hierarchy are one method; the field-access declaration is found in the
 * superclass), as it does for the AutoValue subclass Beam itself instantiates.
 *
 * <p>The subclass counts the buffered rows itself, mirroring the superclass's buffer (cleared in
 * {@code startBundle}, filled in {@code processElement}, emptied by a successful flush; a failed
 * flush fails the bundle, which starts again with an empty buffer): {@code flush()} returns at once
 * on an empty buffer, so a bundle without rows is no insert and is not observed. What ClickHouseIO
 * 2.69 does must keep matching this (checked by {@code ClickHouseInsertLatencyIT} against the
 * {@code batch_size} distribution ClickHouseIO updates once per insert); a later Beam may change
 * it, which the test would show.
 */
public final class TimedClickHouseWrite extends PTransform<PCollection<Row>, PDone> {
  private static final long serialVersionUID = 1L;

  /** Receives the wall time of each insert, retries included, on the worker that made it. */
  @FunctionalInterface
  public interface InsertTimer extends Serializable {
    /**
     * One insert of {@code rows} rows took {@code nanos}; {@code acknowledged}: ClickHouse accepted
     * it (false: it failed for good, and so does the bundle, which is run again).
     */
    void inserted(long rows, long nanos, boolean acknowledged);
  }

  private final ClickHouseIO.Write<Row> write;
  private final InsertTimer timer;

  private TimedClickHouseWrite(ClickHouseIO.Write<Row> write, InsertTimer timer) {
    this.write = write;
    this.timer = timer;
  }

  /** {@code write}, each of whose inserts is reported to {@code timer}. */
  public static TimedClickHouseWrite of(ClickHouseIO.Write<Row> write, InsertTimer timer) {
    return new TimedClickHouseWrite(write, timer);
  }

  /** The ClickHouseIO write this one times. */
  public ClickHouseIO.Write<Row> write() {
    return write;
  }

  /** As {@code ClickHouseIO.Write.expand} (Beam 2.69), with the timed DoFn. */
  @Override
  public PDone expand(PCollection<Row> input) {
    input.apply(ParDo.of(writeFn()));
    return PDone.in(input.getPipeline());
  }

  /**
   * The same inserts, driven by the caller's own DoFn instead of a step of their own: the DoFn
   * calls {@link Inserter#setup}, {@link Inserter#startBundle}, {@link Inserter#insert} per row,
   * {@link Inserter#finishBundle} and {@link Inserter#teardown} from its own methods of those
   * names. Besides ClickHouseIO's bound of {@code maxInsertBlockSize} rows, an insert goes when its
   * rows reach {@code maxBufferedBytes} (as the caller estimates them). Made on the launcher (it
   * reads the table's schema from ClickHouse unless the write has one), used on the workers.
   */
  public Inserter inserter(long maxBufferedBytes) {
    return new Inserter(writeFn(), maxBufferedBytes);
  }

  private TimedWriteFn writeFn() {
    TableSchema schema = write.tableSchema();
    if (schema == null) {
      schema = ClickHouseIO.getTableSchema(write.jdbcUrl(), write.table());
    }
    return new TimedWriteFn(write, insertProperties(write), schema, timer);
  }

  /**
   * ClickHouseIO's DoFn for one table, called by another DoFn. Why: in a Flink batch (the DataSet
   * translation) a step's output reaches a step of its own only encoded and decoded again, when the
   * producing step has more than one output; a DoFn that makes the rows of every warehouse table
   * and inserts them itself encodes none of them. The inserts are ClickHouseIO's own, unchanged:
   * its buffer of {@code maxInsertBlockSize} rows, its retries within the retry budget, its
   * RowBinary insert, its metrics (counted under the calling step), each insert timed.
   */
  public static final class Inserter implements Serializable {
    private static final long serialVersionUID = 1L;

    private final TimedWriteFn fn;
    private final long maxBufferedBytes;

    /** The estimated bytes of the rows in the buffer. */
    private transient long bufferedBytes;

    private Inserter(TimedWriteFn fn, long maxBufferedBytes) {
      this.fn = fn;
      this.maxBufferedBytes = maxBufferedBytes;
    }

    /** Opens the connection (the DoFn's {@code @Setup}). */
    public void setup() throws SQLException {
      fn.setup();
    }

    /** Starts with an empty buffer (the DoFn's {@code @StartBundle}). */
    public void startBundle() {
      fn.startBundle();
      bufferedBytes = 0;
    }

    /**
     * Buffers {@code row}, of about {@code bytes}; inserts the buffer when it holds {@code
     * maxInsertBlockSize} rows or {@code maxBufferedBytes}.
     */
    public void insert(Row row, long bytes) throws Exception {
      fn.processElement(row);
      if (fn.buffered == 0) {
        // The row filled the buffer by count, and ClickHouseIO inserted it.
        bufferedBytes = 0;
        return;
      }
      bufferedBytes += bytes;
      if (bufferedBytes >= maxBufferedBytes) {
        fn.finishBundle();
        bufferedBytes = 0;
      }
    }

    /** Inserts what is buffered (the DoFn's {@code @FinishBundle}). */
    public void finishBundle() throws Exception {
      fn.finishBundle();
      bufferedBytes = 0;
    }

    /** Closes the connection (the DoFn's {@code @Teardown}). */
    public void teardown() throws Exception {
      fn.tearDown();
    }
  }

  /**
   * The driver's properties as {@code ClickHouseIO.Write.expand} sets them (on a copy: expand
   * changes the write's own object).
   */
  static Properties insertProperties(ClickHouseIO.Write<Row> write) {
    Properties properties = new Properties();
    properties.putAll(write.properties());
    set(properties, "max_insert_block_size", write.maxInsertBlockSize());
    set(properties, "insert_quorum", write.insertQuorum());
    set(properties, "insert_distributed_sync", write.insertDistributedSync());
    set(properties, "insert_deduplication", write.insertDeduplicate());
    set(
        properties,
        "product_name",
        String.format("Apache Beam/%s", ReleaseInfo.getReleaseInfo().getSdkVersion()));
    return properties;
  }

  private static void set(Properties properties, String key, Object value) {
    if (value != null) {
      properties.put(key, value);
    }
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("table", write.table()).withLabel("ClickHouse table"))
        .add(
            DisplayData.item("maxInsertBlockSize", write.maxInsertBlockSize())
                .withLabel("Rows per insert at most"))
        .add(DisplayData.item("maxRetries", write.maxRetries()).withLabel("Retries at most"))
        .add(
            DisplayData.item("maxCumulativeBackoff", write.maxCumulativeBackoff())
                .withLabel("Retry budget"));
  }

  /**
   * ClickHouseIO's WriteFn, with its inserts timed. Named as Beam names its own WriteFn, so that
   * the steps keep their names ({@code Insert_<table>/ParDo(AutoValue_ClickHouseIO_Write)/...}):
   * Flink derives its operators' names and ids from them.
   */
  static final class TimedWriteFn extends ClickHouseIO.WriteFn<Row>
      implements NameUtils.NameOverride {
    private static final long serialVersionUID = 1L;

    /** The name of Beam's own WriteFn, as its ParDo is named after it. */
    static final String BEAMS_NAME =
        NameUtils.approximateSimpleName(AutoValue_ClickHouseIO_WriteFn.class);

    private final String jdbcUrl;
    private final String table;
    private final long maxInsertBlockSize;
    private final int maxRetries;
    private final Duration maxCumulativeBackoff;
    private final Duration initialBackoff;
    private final TableSchema schema;
    private final Properties properties;
    private final InsertTimer timer;

    /** Rows in the superclass's buffer (it is private there). */
    private transient long buffered;

    /** Made on the worker, on first use. */
    private transient ClickHouseRetries retries;

    TimedWriteFn(
        ClickHouseIO.Write<Row> write,
        Properties properties,
        TableSchema schema,
        InsertTimer timer) {
      this.jdbcUrl = write.jdbcUrl();
      this.table = write.table();
      this.maxInsertBlockSize = write.maxInsertBlockSize();
      this.maxRetries = write.maxRetries();
      this.maxCumulativeBackoff = write.maxCumulativeBackoff();
      this.initialBackoff = write.initialBackoff();
      this.schema = schema;
      this.properties = properties;
      this.timer = timer;
    }

    @Override
    public String getNameOverride() {
      return BEAMS_NAME;
    }

    @Override
    public String jdbcUrl() {
      return jdbcUrl;
    }

    @Override
    public String table() {
      return table;
    }

    @Override
    public long maxInsertBlockSize() {
      return maxInsertBlockSize;
    }

    @Override
    public int maxRetries() {
      return maxRetries;
    }

    @Override
    public Duration maxCumulativeBackoff() {
      return maxCumulativeBackoff;
    }

    @Override
    public Duration initialBackoff() {
      return initialBackoff;
    }

    @Override
    public TableSchema schema() {
      return schema;
    }

    @Override
    public Properties properties() {
      return properties;
    }

    /**
     * The retries of an insert ClickHouseIO does not retry itself (see {@link InsertRetries}),
     * within the write's retry budget (its {@code maxCumulativeBackoff}) from its initial backoff.
     */
    private ClickHouseRetries retries() {
      if (retries == null) {
        retries = InsertRetries.within(maxCumulativeBackoff, initialBackoff);
      }
      return retries;
    }

    @StartBundle
    @Override
    public void startBundle() {
      super.startBundle();
      buffered = 0;
    }

    @ProcessElement
    @Override
    public void processElement(@FieldAccess("filterFields") @Element Row input) throws Exception {
      if (buffered + 1 < maxInsertBlockSize) {
        super.processElement(input);
        buffered++;
        return;
      }
      // This row fills the buffer: the superclass inserts it with the rows before it. A failed
      // insert leaves the rows in its buffer: a retry inserts them (finishBundle only flushes).
      long rows = buffered + 1;
      long start = System.nanoTime();
      boolean acknowledged = false;
      try {
        retries()
            .run(
                "the insert into " + table,
                attempt -> {
                  if (attempt == 1) {
                    super.processElement(input);
                  } else {
                    super.finishBundle();
                  }
                  return null;
                });
        buffered = 0;
        acknowledged = true;
      } finally {
        timer.inserted(rows, System.nanoTime() - start, acknowledged);
      }
    }

    @FinishBundle
    @Override
    public void finishBundle() throws Exception {
      if (buffered == 0) {
        super.finishBundle();
        return;
      }
      long rows = buffered;
      long start = System.nanoTime();
      boolean acknowledged = false;
      try {
        retries()
            .run(
                "the insert into " + table,
                attempt -> {
                  super.finishBundle();
                  return null;
                });
        buffered = 0;
        acknowledged = true;
      } finally {
        timer.inserted(rows, System.nanoTime() - start, acknowledged);
      }
    }
  }
}
