package io.datalake.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import io.datalake.transforms.pii.PiiKeyset;
import io.datalake.transforms.pii.PiiPolicy;
import java.util.List;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.joda.time.Duration;
import org.junit.Test;

/** The graph's configuration: copies made by withX, shown in the runner's UI. */
public class DatalakeGraphTest {
  private static List<String> shown(DatalakeGraph graph) {
    return DisplayData.from(graph).items().stream()
        .map(i -> i.getKey() + "=" + i.getValue())
        .toList();
  }

  @Test
  public void withXChangesACopyAndDisplayDataShowsTheRun() {
    // Durations are display data of type DURATION: their value is in milliseconds.
    DatalakeGraph batch =
        DatalakeGraph.of(PiiKeyset.development(), PiiPolicy.defaults(), "/lake/", "run-1");
    DatalakeGraph streaming =
        batch
            .withEventTimeWindows(
                Duration.standardMinutes(5), Duration.standardDays(1), Duration.standardMinutes(1))
            .withProgressEvery(10);
    assertThat(shown(batch), hasItem("lake=/lake/"));
    assertThat(shown(batch), hasItem("runId=run-1"));
    assertThat(shown(batch), hasItem("warehouse=false"));
    assertThat(shown(batch), not(hasItem("window=300000")));
    assertThat(shown(streaming), hasItem("window=300000"));
    assertThat(shown(streaming), hasItem("progressSeconds=10"));
  }
}
