package io.datalake.transforms.parse;

import io.datalake.transforms.kinds.RecordKind;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.model.DeadLetter;
import io.datalake.transforms.model.LakeRow;
import io.datalake.transforms.model.RecordRejectedException;
import io.datalake.transforms.model.SourceRecord;
import io.datalake.transforms.monitor.ProgressLog;
import io.datalake.transforms.pii.PiiCipher;
import io.datalake.transforms.pii.PiiEncryptor;
import io.datalake.transforms.pii.PiiKeyset;
import io.datalake.transforms.pii.PiiPolicy;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Parses, encrypts PII in, reshapes and types each source record into rows of its lake tables, each
 * stamped with its record's event time. Whatever cannot be handled leaves through {@link
 * #DEAD_LETTERS} with the step and the reason; a record is either all rows or one dead letter.
 */
public class ParseRecords extends PTransform<PCollection<SourceRecord>, PCollectionTuple> {
  public static final TupleTag<LakeRow> ROWS = new TupleTag<>() {};
  public static final TupleTag<DeadLetter> DEAD_LETTERS = new TupleTag<>() {};

  /** How far ahead of the clock an event time may be unless told otherwise: one day. */
  public static final Duration DEFAULT_MAX_FUTURE = Duration.standardDays(1);

  private final PiiKeyset keyset;
  private final PiiPolicy policy;
  private final DroppedFields droppedFields;
  private final int progressSeconds;
  private final Duration maxFuture;
  private final RecordKinds kinds;

  public ParseRecords(PiiKeyset keyset, PiiPolicy policy, DroppedFields droppedFields) {
    this(keyset, policy, droppedFields, 0, DEFAULT_MAX_FUTURE, RecordKinds.builtIn());
  }

  private ParseRecords(
      PiiKeyset keyset,
      PiiPolicy policy,
      DroppedFields droppedFields,
      int progressSeconds,
      Duration maxFuture,
      RecordKinds kinds) {
    this.keyset = keyset;
    this.policy = policy;
    this.droppedFields = droppedFields;
    this.progressSeconds = progressSeconds;
    this.maxFuture = maxFuture;
    this.kinds = kinds;
  }

  /**
   * The kinds of record the input may hold ({@link RecordKinds#builtIn()} unless set): each gets
   * its counters, and the rows' coder knows their tables. The PII policy must cover them all.
   */
  public ParseRecords withKinds(RecordKinds value) {
    return new ParseRecords(keyset, policy, droppedFields, progressSeconds, maxFuture, value);
  }

  /** Each worker logs its progress every so many seconds ({@link ProgressLog}); 0: never. */
  public ParseRecords withProgressEvery(int seconds) {
    return new ParseRecords(keyset, policy, droppedFields, seconds, maxFuture, kinds);
  }

  /**
   * Records whose event time lies more than this ahead of the worker's clock become dead letters
   * (step {@code parse}). Such a time is a producer's bug, and trusting it would stall the lake: a
   * row waits in its window until the watermark reaches its time.
   */
  public ParseRecords withMaxFuture(Duration value) {
    if (value == null || value.getMillis() < 0) {
      throw new IllegalArgumentException(
          "--maxFutureSeconds must be 0 or more, got "
              + (value == null ? null : value.getStandardSeconds()));
    }
    return new ParseRecords(keyset, policy, droppedFields, progressSeconds, value, kinds);
  }

  @Override
  public PCollectionTuple expand(PCollection<SourceRecord> records) {
    for (RecordKind kind : kinds.all()) {
      policy.paths(kind); // fails now, naming the kind, rather than on every record
    }
    PCollectionTuple out =
        records.apply(
            "ParseTypeEncrypt",
            ParDo.of(new ParseFn(keyset, policy, droppedFields, progressSeconds, maxFuture, kinds))
                .withOutputTags(ROWS, TupleTagList.of(DEAD_LETTERS)));
    out.get(ROWS).setCoder(LakeRow.Coder.of(kinds));
    return out;
  }

  static class ParseFn extends DoFn<SourceRecord, LakeRow> {
    private final PiiKeyset keyset;
    private final PiiPolicy policy;
    private final DroppedFields droppedFields;
    private final int progressSeconds;
    private final long maxFutureMillis;
    private final Map<RecordKind, Counter> received = new HashMap<>();
    private final Map<RecordKind, Counter> accepted = new HashMap<>();
    private final Map<RecordKind, Counter> rejected = new HashMap<>();
    private transient PiiCipher cipher;
    private transient RecordParser parser;

    ParseFn(
        PiiKeyset keyset,
        PiiPolicy policy,
        DroppedFields droppedFields,
        int progressSeconds,
        Duration maxFuture,
        RecordKinds kinds) {
      this.keyset = keyset;
      this.policy = policy;
      this.droppedFields = droppedFields;
      this.progressSeconds = progressSeconds;
      this.maxFutureMillis = maxFuture.getMillis();
      for (RecordKind kind : kinds.all()) {
        received.put(kind, Metrics.counter("datalake", "records_in_" + kind.name()));
        accepted.put(kind, Metrics.counter("datalake", "records_accepted_" + kind.name()));
        rejected.put(kind, Metrics.counter("datalake", "records_dead_lettered_" + kind.name()));
      }
    }

    @Setup
    public void setup() {
      cipher = keyset.cipher();
      parser = new RecordParser(new PiiEncryptor(cipher), policy, droppedFields);
      ProgressLog.start(progressSeconds);
    }

    @ProcessElement
    public void process(@Element SourceRecord source, MultiOutputReceiver out) {
      RecordKind kind = source.kind();
      received.get(kind).inc();
      ProgressLog.recordIn(kind);
      try {
        if (source.payload() == null) {
          throw new RecordRejectedException("read", source.readError());
        }
        RecordParser.ParsedRecord parsed = parser.parse(kind, source.payload());
        checkNotTooFarAhead(kind, parsed.eventTime());
        long micros = parsed.eventTimeMicros();
        Instant timestamp = new Instant(parsed.eventTime().toEpochMilli());
        for (RecordParser.TypedRow row : parsed.rows()) {
          out.get(ROWS)
              .outputWithTimestamp(
                  new LakeRow(row.table(), parsed.tenant(), micros, row.record()), timestamp);
        }
        accepted.get(kind).inc();
        ProgressLog.recordOut(kind);
      } catch (RecordRejectedException | RuntimeException | StackOverflowError e) {
        // A record no check foresaw must not fail the bundle either: in streaming the job would
        // restart on the same record forever. It leaves as a dead letter with what went wrong.
        rejected.get(kind).inc();
        ProgressLog.deadLettered(kind);
        out.get(DEAD_LETTERS)
            .output(
                e instanceof RecordRejectedException r
                    ? deadLetter(source, r.step(), r.getMessage())
                    : deadLetter(source, "unexpected", unexpected(e)));
      }
    }

    /**
     * What went wrong, without the exception's message: messages of libraries (Jackson, Avro,
     * java.time) quote the values they choke on, and a value may be PII. The class and where it was
     * thrown are enough to find the bug; the record itself is in the dead letter, encrypted.
     */
    static String unexpected(Throwable e) {
      StackTraceElement[] trace = e.getStackTrace();
      String where = "";
      for (StackTraceElement frame : trace) {
        if (frame.getClassName().startsWith("io.datalake.")) {
          where =
              " at "
                  + frame.getClassName()
                  + "."
                  + frame.getMethodName()
                  + ":"
                  + frame.getLineNumber();
          break;
        }
      }
      if (where.isEmpty() && trace.length > 0) {
        where =
            " at "
                + trace[0].getClassName()
                + "."
                + trace[0].getMethodName()
                + ":"
                + trace[0].getLineNumber();
      }
      return e.getClass().getName() + where;
    }

    /** Rejects an event time beyond the clock plus the allowed margin; the message has no value. */
    private void checkNotTooFarAhead(RecordKind kind, java.time.Instant eventTime)
        throws RecordRejectedException {
      if (eventTime.toEpochMilli() - System.currentTimeMillis() > maxFutureMillis) {
        throw new RecordRejectedException(
            "parse",
            kind.eventTimeField()
                + " is more than "
                + maxFutureMillis / 1000
                + " s ahead of the clock (--maxFutureSeconds)");
      }
    }

    private DeadLetter deadLetter(SourceRecord source, String step, String error) {
      String encrypted =
          source.payload() == null ? null : cipher.encryptRandomized(source.payload());
      return new DeadLetter(source.kind().name(), step, error, source.position(), encrypted);
    }

    @Override
    public Duration getAllowedTimestampSkew() {
      // Records are restamped with their own event time, which may be earlier than the time they
      // were read (file reads in batch, Kafka timestamps in streaming).
      return Duration.millis(Long.MAX_VALUE);
    }
  }
}
