package io.datalake.transforms.parse;

import com.google.auto.value.AutoValue;
import io.datalake.transforms.kinds.RecordKind;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.model.DeadLetter;
import io.datalake.transforms.model.LakeRow;
import io.datalake.transforms.model.RecordRejectedException;
import io.datalake.transforms.model.SourceRecord;
import io.datalake.transforms.monitor.PipelineMetrics;
import io.datalake.transforms.monitor.ProgressReporter;
import io.datalake.transforms.pii.PiiCipher;
import io.datalake.transforms.pii.PiiEncryptor;
import io.datalake.transforms.pii.PiiKeyset;
import io.datalake.transforms.pii.PiiPolicy;
import java.util.Objects;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
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
@AutoValue
public abstract class ParseRecords extends PTransform<PCollection<SourceRecord>, PCollectionTuple> {
  public static final TupleTag<LakeRow> ROWS = new TupleTag<>() {};
  public static final TupleTag<DeadLetter> DEAD_LETTERS = new TupleTag<>() {};

  /** How far ahead of the clock an event time may be unless told otherwise: one day. */
  public static final Duration DEFAULT_MAX_FUTURE = Duration.standardDays(1);

  /** Fields dropped from every record unless told otherwise: none. */
  public static final String DEFAULT_DROPPED_FIELDS = "";

  /** Seconds between progress lines unless told otherwise: 0, none. */
  public static final int DEFAULT_PROGRESS_SECONDS = 0;

  abstract PiiKeyset keyset();

  abstract PiiPolicy policy();

  abstract DroppedFields droppedFields();

  abstract int progressSeconds();

  abstract Duration maxFuture();

  abstract RecordKinds kinds();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setKeyset(PiiKeyset value);

    abstract Builder setPolicy(PiiPolicy value);

    abstract Builder setDroppedFields(DroppedFields value);

    abstract Builder setProgressSeconds(int value);

    abstract Builder setMaxFuture(Duration value);

    abstract Builder setKinds(RecordKinds value);

    abstract ParseRecords build();
  }

  /** Parses records, encrypting PII with {@code keyset} as {@code policy} says. */
  public static ParseRecords of(PiiKeyset keyset, PiiPolicy policy) {
    return new AutoValue_ParseRecords.Builder()
        .setKeyset(Objects.requireNonNull(keyset, "keyset"))
        .setPolicy(Objects.requireNonNull(policy, "policy"))
        .setDroppedFields(DroppedFields.parse(DEFAULT_DROPPED_FIELDS))
        .setProgressSeconds(DEFAULT_PROGRESS_SECONDS)
        .setMaxFuture(DEFAULT_MAX_FUTURE)
        .setKinds(RecordKinds.builtIn())
        .build();
  }

  /**
   * The kinds of record the input may hold ({@link RecordKinds#builtIn()} unless set): each gets
   * its counters, and the rows' coder knows their tables. The PII policy must cover them all.
   */
  public ParseRecords withKinds(RecordKinds value) {
    return toBuilder().setKinds(Objects.requireNonNull(value)).build();
  }

  /** Removes these fields from each record before anything else looks at it. */
  public ParseRecords withDroppedFields(DroppedFields value) {
    return toBuilder().setDroppedFields(Objects.requireNonNull(value)).build();
  }

  /** Each instance logs its progress every so many seconds ({@link ProgressReporter}); 0: never. */
  public ParseRecords withProgressEvery(int seconds) {
    return toBuilder().setProgressSeconds(seconds).build();
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
    return toBuilder().setMaxFuture(value).build();
  }

  @Override
  public PCollectionTuple expand(PCollection<SourceRecord> records) {
    for (RecordKind kind : kinds().all()) {
      policy().paths(kind); // fails now, naming the kind, rather than on every record
    }
    PCollectionTuple out =
        records.apply(
            "ParseTypeEncrypt",
            ParDo.of(
                    new ParseFn(
                        keyset(), policy(), droppedFields(), progressSeconds(), maxFuture()))
                .withOutputTags(ROWS, TupleTagList.of(DEAD_LETTERS)));
    out.get(ROWS).setCoder(LakeRow.Coder.of(kinds()));
    return out;
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("piiKeyset", keyset().toString()).withLabel("PII keyset"))
        .add(DisplayData.item("maxFuture", maxFuture()).withLabel("Max event time ahead of clock"))
        .addIfNotDefault(
            DisplayData.item("progressSeconds", progressSeconds())
                .withLabel("Progress line every (s)"),
            DEFAULT_PROGRESS_SECONDS);
  }

  /**
   * What went wrong, without the exception's message: messages of libraries (Jackson, Avro,
   * java.time) quote the values they choke on, and a value may be PII. The class and where it was
   * thrown are enough to find the bug; the record itself is in the dead letter, encrypted.
   */
  public static String unexpected(Throwable e) {
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

  static class ParseFn extends DoFn<SourceRecord, LakeRow> {
    /** From the earliest timestamp Beam allows to the latest: any event time may be output. */
    static final Duration ANY_TIMESTAMP =
        new Duration(BoundedWindow.TIMESTAMP_MIN_VALUE, BoundedWindow.TIMESTAMP_MAX_VALUE);

    private final PiiKeyset keyset;
    private final PiiPolicy policy;
    private final DroppedFields droppedFields;
    private final int progressSeconds;
    private final long maxFutureMillis;
    private final PipelineMetrics.Counters received = PipelineMetrics.Family.RECORDS_IN.counters();
    private final PipelineMetrics.Counters accepted =
        PipelineMetrics.Family.RECORDS_ACCEPTED.counters();
    private final PipelineMetrics.Counters rejected =
        PipelineMetrics.Family.RECORDS_DEAD_LETTERED.counters();
    private final PipelineMetrics.Counters byStep = PipelineMetrics.Family.DEAD_LETTERS.counters();
    private final PipelineMetrics.Counters rowsByTable = PipelineMetrics.Family.ROWS.counters();
    private transient PiiCipher cipher;
    private transient RecordParser parser;
    private transient ProgressReporter progress;

    ParseFn(
        PiiKeyset keyset,
        PiiPolicy policy,
        DroppedFields droppedFields,
        int progressSeconds,
        Duration maxFuture) {
      this.keyset = keyset;
      this.policy = policy;
      this.droppedFields = droppedFields;
      this.progressSeconds = progressSeconds;
      this.maxFutureMillis = maxFuture.getMillis();
    }

    @Setup
    public void setup() {
      cipher = keyset.cipher();
      parser = new RecordParser(new PiiEncryptor(cipher), policy, droppedFields);
      progress = ProgressReporter.of("in", "out", "dead-lettered");
      received.reportingTo(progress.series("in"));
      accepted.reportingTo(progress.series("out"));
      rejected.reportingTo(progress.series("dead-lettered"));
      progress.start(progressSeconds);
    }

    @Teardown
    public void teardown() {
      if (progress != null) {
        progress.stop();
      }
    }

    @ProcessElement
    public void process(@Element SourceRecord source, MultiOutputReceiver out) {
      RecordKind kind = source.kind();
      received.inc(kind.name());
      RecordParser.ParsedRecord parsed;
      try {
        if (source.payload() == null) {
          throw new RecordRejectedException("read", source.readError());
        }
        parsed = parser.parse(kind, source.payload());
        checkNotTooFarAhead(kind, parsed);
      } catch (RecordRejectedException | RuntimeException | StackOverflowError e) {
        // A record no check foresaw must not fail the bundle either: in streaming the job would
        // restart on the same record forever. It leaves as a dead letter with what went wrong.
        DeadLetter letter =
            e instanceof RecordRejectedException r
                ? deadLetter(source, r.step(), r.getMessage()).withTenant(r.tenant())
                : deadLetter(source, "unexpected", unexpected(e));
        rejected.inc(kind.name());
        byStep.inc(letter.step);
        out.get(DEAD_LETTERS).output(letter);
        return;
      }
      // Outside the try: a runner that chains the next steps (Flink) runs them inside output(), so
      // a failure there is a writer's (a codec, a disk, a store), not this record's. Caught, it
      // made every record of a run a dead letter "unexpected" and the run end as if all was well.
      long micros = parsed.eventTimeMicros();
      Instant timestamp = new Instant(parsed.eventTime().toEpochMilli());
      for (RecordParser.TypedRow row : parsed.rows()) {
        out.get(ROWS)
            .outputWithTimestamp(
                new LakeRow(row.table(), parsed.tenant(), micros, row.record()), timestamp);
        rowsByTable.inc(row.table());
      }
      accepted.inc(kind.name());
    }

    /** Rejects an event time beyond the clock plus the allowed margin; the message has no value. */
    private void checkNotTooFarAhead(RecordKind kind, RecordParser.ParsedRecord parsed)
        throws RecordRejectedException {
      if (parsed.eventTime().toEpochMilli() - System.currentTimeMillis() > maxFutureMillis) {
        throw new RecordRejectedException(
                "parse",
                kind.eventTimeField()
                    + " is more than "
                    + maxFutureMillis / 1000
                    + " s ahead of the clock (--maxFutureSeconds)")
            .ofTenant(parsed.tenant());
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
      // were read (file reads in batch, Kafka timestamps in streaming): any valid timestamp may be
      // given. The span of all timestamps allows that; Long.MAX_VALUE millis did too, but Beam
      // subtracts the skew from the input's timestamp, and from a batch input's (the minimum) that
      // overflowed: an ArithmeticException, stack trace and all, for every record.
      return ANY_TIMESTAMP;
    }
  }
}
