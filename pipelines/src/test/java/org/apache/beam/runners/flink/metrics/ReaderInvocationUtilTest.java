package org.apache.beam.runners.flink.metrics;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.lessThan;

import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.io.BoundedSource;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.Test;

/**
 * datalake's {@link ReaderInvocationUtil} copies a source step's Beam metrics to Flink's after
 * start, then at most every {@link ReaderInvocationUtil#ADVANCES_PER_UPDATE} records or a second,
 * and whenever the reader has nothing more; Flink's figure then equals Beam's.
 */
public class ReaderInvocationUtilTest {
  private static final String STEP = "ReadKafkaTopics";

  /** Flink's counters by name, as the container creates them. */
  private final Map<String, SimpleCounter> flinkCounters = new ConcurrentHashMap<>();

  private final FlinkMetricContainerWithoutAccumulator container =
      new FlinkMetricContainerWithoutAccumulator(
          new UnregisteredMetricsGroup() {
            @Override
            public org.apache.flink.metrics.Counter counter(String name) {
              return flinkCounters.computeIfAbsent(name, n -> new SimpleCounter());
            }
          });

  private long nanos;

  private ReaderInvocationUtil<Long, CountingReader> invocations() {
    return new ReaderInvocationUtil<>(
        STEP, PipelineOptionsFactory.create(), container, () -> nanos);
  }

  /** What Flink shows of the reader's counter (0 before the first copy). */
  private long shownByFlink() {
    return flinkCounters.values().stream().mapToLong(SimpleCounter::getCount).sum();
  }

  @Test
  public void recordsInQuickSuccessionAreCopiedEveryThousandAndAllOnceTheReaderHasNoMore()
      throws Exception {
    CountingReader reader = new CountingReader(2_500);
    ReaderInvocationUtil<Long, CountingReader> invocations = invocations();
    assertThat(invocations.invokeStart(reader), equalTo(true));
    assertThat("copied after start", shownByFlink(), equalTo(1L));
    for (int i = 1; i < ReaderInvocationUtil.ADVANCES_PER_UPDATE; i++) {
      invocations.invokeAdvance(reader);
    }
    assertThat("not copied within a thousand advances", shownByFlink(), equalTo(1L));
    invocations.invokeAdvance(reader);
    assertThat("copied at the thousandth", shownByFlink(), equalTo(1_001L));
    while (invocations.invokeAdvance(reader)) {
      assertThat(
          reader.read - shownByFlink(), lessThan((long) ReaderInvocationUtil.ADVANCES_PER_UPDATE));
    }
    assertThat("all of it once the reader has no more", shownByFlink(), equalTo(2_501L));
  }

  @Test
  public void aSecondWithoutACopyCopiesAtTheNextRecord() throws Exception {
    CountingReader reader = new CountingReader(100);
    ReaderInvocationUtil<Long, CountingReader> invocations = invocations();
    invocations.invokeStart(reader);
    invocations.invokeAdvance(reader);
    assertThat(shownByFlink(), equalTo(1L));
    nanos += TimeUnit.SECONDS.toNanos(1);
    invocations.invokeAdvance(reader);
    assertThat(shownByFlink(), equalTo(3L));
  }

  @Test
  public void withMetricsDisabledNothingIsCopied() throws Exception {
    FlinkPipelineOptions options = PipelineOptionsFactory.as(FlinkPipelineOptions.class);
    options.setDisableMetrics(true);
    CountingReader reader = new CountingReader(10);
    ReaderInvocationUtil<Long, CountingReader> invocations =
        new ReaderInvocationUtil<>(STEP, options, container, () -> nanos);
    invocations.invokeStart(reader);
    while (invocations.invokeAdvance(reader)) {}
    assertThat(reader.read, greaterThan(0L));
    assertThat(flinkCounters.isEmpty(), equalTo(true));
  }

  /**
   * Reads 0..last, counting each start and advance into a Beam counter of the metrics container in
   * scope (as a source's own counters do); the advance after the last finds nothing.
   */
  private static final class CountingReader extends BoundedSource.BoundedReader<Long> {
    private final Counter advanced = Metrics.counter("test", "reads");
    private final long last;
    private long current = -1;
    long read;

    CountingReader(long last) {
      this.last = last;
    }

    @Override
    public boolean start() {
      return advance();
    }

    @Override
    public boolean advance() {
      if (current >= last) {
        return false;
      }
      current++;
      read++;
      advanced.inc();
      return true;
    }

    @Override
    public Long getCurrent() {
      if (current < 0 || current > last) {
        throw new NoSuchElementException();
      }
      return current;
    }

    @Override
    public BoundedSource<Long> getCurrentSource() {
      throw new UnsupportedOperationException("not needed here");
    }

    @Override
    public void close() {}
  }
}
