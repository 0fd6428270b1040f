package io.datalake.transforms.stream;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.kafka.clients.admin.AdminClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On each tick, compares the topics in Kafka with the partitions the job reads. A Kafka source
 * reads the partitions it was given when the job first started, also after a restore, so:
 *
 * <ul>
 *   <li>a partition added to a topic would never be read: the job stops, and a restart with {@code
 *       --resume} restores its checkpoint and reads the new partitions as a further source from the
 *       consumer group's committed offsets (from their start);
 *   <li>a topic deleted and created again restarts its offsets at 0, and the source would skip
 *       every record below the position it had: the job stops, and a restart with {@code --resume}
 *       restores the checkpoint's windows but none of its Kafka positions, and reads every topic
 *       from the consumer group's committed offsets (the new topic from its start).
 * </ul>
 *
 * <p>The stop is final: the failure carries Flink's SuppressRestartsException when Flink is there,
 * since a restart from the job's own checkpoint would restore the same partitions and stop again,
 * in a loop. A topic that is merely gone is logged (it may be on its way back); a broker that does
 * not answer is logged and asked again at the next tick.
 */
public class WatchTopologyFn extends DoFn<Long, Void> {
  private static final Logger LOG = LoggerFactory.getLogger(WatchTopologyFn.class);
  private final String bootstrapServers;
  private final Map<String, Object> properties;
  private final KafkaTopology reading;
  private transient AdminClient admin;
  private transient Set<String> reportedGone;

  public WatchTopologyFn(
      String bootstrapServers, Map<String, Object> properties, KafkaTopology reading) {
    this.bootstrapServers = bootstrapServers;
    this.properties = new HashMap<>(properties);
    this.reading = reading;
  }

  @Setup
  public void setup() {
    admin = AdminClient.create(KafkaTopology.adminConfig(bootstrapServers, properties));
    reportedGone = new HashSet<>();
  }

  @ProcessElement
  public void process() {
    KafkaTopology now;
    try {
      now =
          KafkaTopology.of(admin.describeTopics(reading.topicIds().keySet()).allTopicNames().get());
    } catch (Exception e) {
      // A deleted topic fails the whole description; ask for the others one by one.
      now = describeEach();
      if (now == null) {
        LOG.warn(
            "datalake: cannot check the Kafka topics' partitions now ({}); checking again at the next tick",
            e.getClass().getSimpleName());
        return;
      }
    }
    check(reading, now);
    for (String change : reading.changesTo(now)) {
      if (change.endsWith("does not exist any more") && reportedGone.add(change)) {
        LOG.warn(
            "datalake: Kafka {}; the job goes on and stops if it comes back as a new topic",
            change);
      }
    }
  }

  /**
   * Fails with the reason and the way out when Kafka has partitions the job does not read or a
   * topic the job's positions do not belong to.
   */
  public static void check(KafkaTopology reading, KafkaTopology now) {
    List<String> changes =
        reading.changesTo(now).stream()
            .filter(c -> !c.endsWith("does not exist any more"))
            .toList();
    if (changes.isEmpty()) {
      return;
    }
    String message;
    if (reading.recreatedIn(now)) {
      message =
          "datalake: the job stops: Kafka "
              + String.join("; ", changes)
              + ". The job's positions belong to the"
              + " deleted topic, and records of the new one below them would be skipped. Restart it with --resume and"
              + " the same --jobName: the checkpoint's window contents are restored, and every topic is read from the"
              + " consumer group's committed offsets, the new one from its start.";
    } else {
      message =
          "datalake: the job stops: Kafka "
              + String.join("; ", changes)
              + ". A running job cannot take on"
              + " partitions added after its start. Restart it with --resume and the same --jobName: the"
              + " checkpoint restores the partitions read so far, and the new ones are read from the consumer"
              + " group's committed offsets (from their start), so nothing is skipped.";
    }
    LOG.error(message);
    throw nonRecoverable(new IllegalStateException(message));
  }

  /** Wrapped in Flink's SuppressRestartsException when that is on the classpath. */
  static RuntimeException nonRecoverable(RuntimeException cause) {
    try {
      Class<?> suppress =
          Class.forName("org.apache.flink.runtime.execution.SuppressRestartsException");
      return (RuntimeException) suppress.getConstructor(Throwable.class).newInstance(cause);
    } catch (ReflectiveOperationException | LinkageError e) {
      return cause;
    }
  }

  private KafkaTopology describeEach() {
    Map<String, org.apache.kafka.clients.admin.TopicDescription> found = new HashMap<>();
    int answered = 0;
    for (String topic : reading.topicIds().keySet()) {
      try {
        found.putAll(admin.describeTopics(List.of(topic)).allTopicNames().get());
        answered++;
      } catch (java.util.concurrent.ExecutionException e) {
        if (e.getCause()
            instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException) {
          answered++; // gone: absent from the result
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
    return answered == reading.topicIds().size() ? KafkaTopology.of(found) : null;
  }

  @Teardown
  public void teardown() {
    if (admin != null) {
      admin.close();
    }
  }
}
