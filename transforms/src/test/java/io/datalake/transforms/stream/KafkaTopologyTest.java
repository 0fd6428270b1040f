package io.datalake.transforms.stream;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.Test;

public class KafkaTopologyTest {
  private static KafkaTopology kafka(String id, int partitions) {
    return KafkaTopology.of(
        Map.of("orders", id, "events", "E"), Map.of("orders", partitions, "events", 1));
  }

  @Test
  public void nothingChangedIsNoChange() {
    assertThat(kafka("A", 2).changesTo(kafka("A", 2)), equalTo(List.of()));
    WatchTopologyFn.check(kafka("A", 2), kafka("A", 2)); // does not throw
  }

  @Test
  public void addedPartitionsBecomeAGenerationOfTheirOwn() {
    KafkaTopology reading = kafka("A", 2).extendedWith(kafka("A", 4));
    assertThat(
        reading.generations(),
        equalTo(
            List.of(List.of("events/0", "orders/0", "orders/1"), List.of("orders/2", "orders/3"))));
    assertThat(reading.changesTo(kafka("A", 4)), equalTo(List.of()));
    assertThat(
        "nothing added: the same generations",
        reading.extendedWith(kafka("A", 4)),
        equalTo(reading));
  }

  @Test
  public void addedPartitionsStopTheJobWithTheWayOn() {
    IllegalStateException e = stop(kafka("A", 2), kafka("A", 3));
    assertThat(
        e.getMessage(), containsString("topic 'orders' has 3 partitions, of which 2 are read"));
    assertThat(e.getMessage(), containsString("Restart it with --resume and the same --jobName"));
  }

  @Test
  public void aTopicCreatedAgainStopsTheJob() {
    IllegalStateException e = stop(kafka("A", 2), kafka("B", 2));
    assertThat(
        e.getMessage(),
        containsString("topic 'orders' was deleted and created again (topic id A, now B)"));
    assertThat(e.getMessage(), containsString("Restart it with --resume"));
    assertThat(e.getMessage(), containsString("the new one from its start"));
    KafkaTopology next = kafka("A", 2).nextEpoch(kafka("B", 3));
    assertThat(next.epoch(), equalTo(1));
    assertThat(
        next.generations(),
        equalTo(List.of(List.of("events/0", "orders/0", "orders/1", "orders/2"))));
    assertThat(kafka("A", 2).recreatedTopics(kafka("B", 3)), equalTo(List.of("orders")));
    // More partitions on the new topic are part of the same story, not a second one.
    assertThat(stop(kafka("A", 2), kafka("B", 4)).getMessage(), not(containsString("of which")));
  }

  @Test
  public void aTopicThatIsOnlyGoneDoesNotStopTheJob() {
    KafkaTopology gone = KafkaTopology.of(Map.of("events", "E"), Map.of("events", 1));
    assertThat(
        kafka("A", 2).changesTo(gone), equalTo(List.of("topic 'orders' does not exist any more")));
    WatchTopologyFn.check(kafka("A", 2), gone); // waits for it to come back
  }

  /**
   * The failure, unwrapped from Flink's SuppressRestartsException when Flink is on the classpath.
   */
  private static IllegalStateException stop(KafkaTopology reading, KafkaTopology now) {
    RuntimeException e =
        assertThrows(RuntimeException.class, () -> WatchTopologyFn.check(reading, now));
    Throwable cause = e instanceof IllegalStateException ? e : e.getCause();
    assertThat(cause.getClass(), equalTo(IllegalStateException.class));
    return (IllegalStateException) cause;
  }
}
