package io.datalake.transforms.parse;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.Assert.assertThrows;

import io.datalake.transforms.Fixtures;
import io.datalake.transforms.kinds.JourneyEvents;
import io.datalake.transforms.model.DeadLetter;
import io.datalake.transforms.model.LakeRow;
import io.datalake.transforms.model.SourceRecord;
import io.datalake.transforms.pii.PiiKeyset;
import io.datalake.transforms.pii.PiiPolicy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.transforms.DoFn.MultiOutputReceiver;
import org.apache.beam.sdk.transforms.DoFn.OutputReceiver;
import org.apache.beam.sdk.values.OutputBuilder;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.joda.time.Instant;
import org.junit.Test;

/**
 * A failure of the steps after the parse is the writer's, not the record's. Flink chains those
 * steps into the parse step's output call, so a writer that could not write (a codec without an
 * implementation, in the case found) threw inside it: the parse step took that for the record's
 * fault, made every record of the run a dead letter "unexpected", and the run ended as if all was
 * well. The failure must leave the parse step, and the record must not become a dead letter.
 */
public class WriterFailureTest {
  private static final SourceRecord GOOD =
      Fixtures.record(
          JourneyEvents.KIND,
          "journey-events/0/1",
          Fixtures.analytics("e-1", "739224", "created_at", "2024-03-01T10:00:00Z"));

  private static final SourceRecord BAD =
      SourceRecord.of(
          JourneyEvents.KIND, "journey-events/0/2", "{not json".getBytes(StandardCharsets.UTF_8));

  @Test
  public void aFailureDownstreamOfTheParseFailsTheBundleAndIsNoDeadLetter() {
    Outputs outputs = new Outputs(new IllegalStateException("codec missing"));
    ParseRecords.ParseFn fn = parseFn();
    IllegalStateException thrown =
        assertThrows(IllegalStateException.class, () -> fn.process(GOOD, outputs));
    assertThat(thrown.getMessage(), equalTo("codec missing"));
    assertThat(outputs.deadLetters, hasSize(0));
  }

  @Test
  public void aBadRecordIsStillADeadLetter() {
    Outputs outputs = new Outputs(null);
    ParseRecords.ParseFn fn = parseFn();
    fn.process(BAD, outputs);
    fn.process(GOOD, outputs);
    assertThat(outputs.deadLetters, hasSize(1));
    assertThat(outputs.deadLetters.get(0).step, equalTo("parse"));
    assertThat(outputs.rows, hasSize(1));
  }

  private static ParseRecords.ParseFn parseFn() {
    ParseRecords.ParseFn fn =
        new ParseRecords.ParseFn(
            PiiKeyset.development(),
            PiiPolicy.defaults(),
            DroppedFields.parse(ParseRecords.DEFAULT_DROPPED_FIELDS),
            0,
            ParseRecords.DEFAULT_MAX_FUTURE);
    fn.setup();
    return fn;
  }

  /** The parse step's two outputs; rows fail with {@code rowFailure} when it is set. */
  private static final class Outputs implements MultiOutputReceiver {
    final List<LakeRow> rows = new ArrayList<>();
    final List<DeadLetter> deadLetters = new ArrayList<>();
    private final RuntimeException rowFailure;

    Outputs(RuntimeException rowFailure) {
      this.rowFailure = rowFailure;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> OutputReceiver<T> get(TupleTag<T> tag) {
      List<Object> target =
          (List<Object>) (List<?>) (tag.equals(ParseRecords.ROWS) ? rows : deadLetters);
      boolean failing = tag.equals(ParseRecords.ROWS) && rowFailure != null;
      return new OutputReceiver<T>() {
        @Override
        public OutputBuilder<T> builder(T value) {
          throw new UnsupportedOperationException("the parse step outputs with a timestamp");
        }

        @Override
        public void output(T value) {
          outputWithTimestamp(value, null);
        }

        @Override
        public void outputWithTimestamp(T value, Instant timestamp) {
          if (failing) {
            throw rowFailure;
          }
          target.add(value);
        }
      };
    }

    @Override
    public <T> OutputReceiver<Row> getRowReceiver(TupleTag<T> tag) {
      throw new UnsupportedOperationException();
    }
  }
}
