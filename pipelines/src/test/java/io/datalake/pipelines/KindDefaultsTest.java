package io.datalake.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.datalake.options.TypingOptions;
import io.datalake.transforms.kinds.RecordKinds;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Test;

/**
 * Option defaults that restate what the kinds' descriptors declare: the options module cannot see
 * the descriptors (it is below transforms), so this test keeps the two from drifting.
 */
public class KindDefaultsTest {
  @Test
  public void dropFieldsDefaultIsWhatTheKindsDeclare() {
    TypingOptions options = PipelineOptionsFactory.create().as(TypingOptions.class);
    assertThat(options.getDropFields(), equalTo(RecordKinds.builtIn().defaultDroppedFields()));
  }
}
