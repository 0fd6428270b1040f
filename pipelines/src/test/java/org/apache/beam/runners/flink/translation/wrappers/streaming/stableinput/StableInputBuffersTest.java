package org.apache.beam.runners.flink.translation.wrappers.streaming.stableinput;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.beam.runners.core.DoFnRunner;
import org.apache.beam.runners.core.construction.SerializablePipelineOptions;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.WindowedValue;
import org.apache.beam.sdk.values.WindowedValues;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.core.fs.CloseableRegistry;
import org.apache.flink.runtime.state.DefaultOperatorStateBackendBuilder;
import org.apache.flink.runtime.state.OperatorStateBackend;
import org.joda.time.Instant;
import org.junit.Test;

/**
 * The stable-input buffers of datalake's {@link BufferingDoFnRunner}: an element is processed only
 * once the checkpoint after it has been acknowledged, also when the acknowledgement of a checkpoint
 * reaches the task after the next checkpoint's barrier (Beam 2.70.0 released such elements with the
 * earlier checkpoint).
 */
public class StableInputBuffersTest {
  /** What the buffered DoFn was handed, in order. */
  private static final class RecordingRunner implements DoFnRunner<String, Void> {
    final List<String> processed = new ArrayList<>();

    @Override
    public void startBundle() {}

    @Override
    public void processElement(WindowedValue<String> elem) {
      processed.add(elem.getValue());
    }

    @Override
    public <KeyT> void onTimer(
        String timerId,
        String timerFamilyId,
        KeyT key,
        BoundedWindow window,
        Instant timestamp,
        Instant outputTimestamp,
        TimeDomain timeDomain) {}

    @Override
    public void finishBundle() {}

    @Override
    public <KeyT> void onWindowExpiration(BoundedWindow window, Instant timestamp, KeyT key) {}

    @Override
    public DoFn<String, Void> getFn() {
      return null;
    }
  }

  private static BufferingDoFnRunner<String, Void> buffering(
      RecordingRunner underlying, int maxConcurrentCheckpoints) throws Exception {
    OperatorStateBackend state =
        new DefaultOperatorStateBackendBuilder(
                StableInputBuffersTest.class.getClassLoader(),
                new ExecutionConfig(),
                false,
                Collections.emptyList(),
                new CloseableRegistry())
            .build();
    return BufferingDoFnRunner.create(
        underlying,
        "stable-input",
        WindowedValues.getFullCoder(StringUtf8Coder.of(), GlobalWindow.Coder.INSTANCE),
        GlobalWindow.Coder.INSTANCE,
        state,
        null,
        maxConcurrentCheckpoints,
        new SerializablePipelineOptions(
            PipelineOptionsFactory.create().as(FlinkPipelineOptions.class)));
  }

  private static void receive(BufferingDoFnRunner<String, Void> runner, String element) {
    runner.processElement(WindowedValues.valueInGlobalWindow(element));
  }

  @Test
  public void anAcknowledgementAfterTheNextBarrierReleasesOnlyItsOwnCheckpointsElements()
      throws Exception {
    RecordingRunner underlying = new RecordingRunner();
    BufferingDoFnRunner<String, Void> runner = buffering(underlying, 1);
    receive(runner, "before-13");
    runner.checkpoint(13);
    receive(runner, "between-13-and-14");
    runner.checkpoint(14); // barrier 14 before the acknowledgement of 13
    receive(runner, "after-14");
    runner.checkpointCompleted(13);
    assertThat(underlying.processed, equalTo(List.of("before-13")));
    runner.checkpointCompleted(14);
    assertThat(underlying.processed, equalTo(List.of("before-13", "between-13-and-14")));
    runner.checkpoint(15);
    runner.checkpointCompleted(15);
    assertThat(
        underlying.processed, equalTo(List.of("before-13", "between-13-and-14", "after-14")));
  }

  @Test
  public void manyUnacknowledgedCheckpointsEachKeepTheirElementsUntilAcknowledged()
      throws Exception {
    RecordingRunner underlying = new RecordingRunner();
    BufferingDoFnRunner<String, Void> runner = buffering(underlying, 1);
    for (int checkpoint = 1; checkpoint <= 5; checkpoint++) {
      receive(runner, "before-" + checkpoint);
      runner.checkpoint(checkpoint);
    }
    receive(runner, "after-5");
    runner.checkpointCompleted(3); // 1 and 2 were never acknowledged: 3 covers them
    assertThat(underlying.processed, equalTo(List.of("before-1", "before-2", "before-3")));
    runner.checkpointCompleted(5);
    assertThat(
        underlying.processed,
        equalTo(List.of("before-1", "before-2", "before-3", "before-4", "before-5")));
  }
}
