package io.datalake.transforms.stream;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;

/**
 * The Kafka partitions a job reads, in generations, and the id of each topic. A Flink checkpoint
 * restores its Kafka source with the partitions it had when the job first started: partitions added
 * later are read by a further source, a generation of its own, that starts from the consumer
 * group's committed offsets. The topic id tells a topic from one deleted and created again under
 * the same name, whose offsets start over.
 *
 * <p>A partition is written {@code topic/partition}: Kafka topic names cannot hold a '/'.
 */
public final class KafkaTopology implements Serializable {
  private static final long serialVersionUID = 1L;
  private final TreeMap<String, String> topicIds;
  private final List<List<String>> generations;
  private final int epoch;

  public KafkaTopology(Map<String, String> topicIds, List<List<String>> generations) {
    this(topicIds, generations, 0);
  }

  /**
   * {@code epoch} counts the restarts whose sources could not take over a checkpoint's Kafka
   * positions (a topic created again): each epoch's sources have step names of their own.
   */
  public KafkaTopology(Map<String, String> topicIds, List<List<String>> generations, int epoch) {
    this.epoch = epoch;
    this.topicIds = new TreeMap<>(topicIds);
    List<List<String>> copy = new ArrayList<>();
    for (List<String> generation : generations) {
      copy.add(List.copyOf(generation));
    }
    this.generations = List.copyOf(copy);
  }

  /** What Kafka has now: every partition of every topic, as one generation. */
  public static KafkaTopology of(
      Map<String, String> topicIds, Map<String, Integer> partitionCounts) {
    List<String> all = new ArrayList<>();
    new TreeMap<>(partitionCounts)
        .forEach(
            (topic, count) -> {
              for (int p = 0; p < count; p++) {
                all.add(topic + "/" + p);
              }
            });
    return new KafkaTopology(topicIds, List.of(all));
  }

  /** Asks the brokers for the topics' ids and partitions. */
  public static KafkaTopology describe(
      String bootstrapServers, Map<String, Object> properties, Collection<String> topics) {
    try (AdminClient admin = AdminClient.create(adminConfig(bootstrapServers, properties))) {
      Map<String, TopicDescription> descriptions =
          admin.describeTopics(new TreeSet<>(topics)).allTopicNames().get(30, TimeUnit.SECONDS);
      return of(descriptions);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalArgumentException(
          "Cannot describe the Kafka topics "
              + new TreeSet<>(topics)
              + " at "
              + bootstrapServers
              + ": "
              + e.getMessage(),
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static KafkaTopology of(Map<String, TopicDescription> descriptions) {
    Map<String, String> ids = new TreeMap<>();
    Map<String, Integer> counts = new TreeMap<>();
    descriptions.forEach(
        (topic, d) -> {
          ids.put(topic, d.topicId() == null ? "" : d.topicId().toString());
          counts.put(topic, d.partitions().size());
        });
    return of(ids, counts);
  }

  /** The client settings of a short-lived admin client: the job's own, with short timeouts. */
  public static Map<String, Object> adminConfig(
      String bootstrapServers, Map<String, Object> properties) {
    Map<String, Object> config = new java.util.HashMap<>(properties);
    // Consumer-only settings would make the admin client log a warning per unknown key.
    config
        .keySet()
        .removeIf(
            k ->
                k.startsWith("auto.")
                    || k.startsWith("enable.auto")
                    || k.equals("group.id")
                    || k.startsWith("key.")
                    || k.startsWith("value.")
                    || k.startsWith("isolation.")
                    || k.startsWith("max.poll")
                    || k.startsWith("fetch."));
    config.put("bootstrap.servers", bootstrapServers);
    config.putIfAbsent("request.timeout.ms", 15000);
    config.putIfAbsent("default.api.timeout.ms", 15000);
    return config;
  }

  public Map<String, String> topicIds() {
    return topicIds;
  }

  public List<List<String>> generations() {
    return generations;
  }

  /** Every partition read, of every generation. */
  public Set<String> partitions() {
    Set<String> all = new TreeSet<>();
    generations.forEach(all::addAll);
    return all;
  }

  /** The number of partitions read of each topic. */
  public Map<String, Integer> partitionCounts() {
    Map<String, Integer> counts = new TreeMap<>();
    topicIds.keySet().forEach(t -> counts.put(t, 0));
    for (String p : partitions()) {
      counts.merge(topicOf(p), 1, Integer::sum);
    }
    return counts;
  }

  /**
   * These generations plus one of the partitions {@code now} has and these do not (none when
   * nothing was added). The topic ids stay those recorded.
   */
  public KafkaTopology extendedWith(KafkaTopology now) {
    Set<String> known = partitions();
    List<String> added =
        now.partitions().stream()
            .filter(p -> !known.contains(p))
            .sorted(KafkaTopology::compare)
            .toList();
    if (added.isEmpty()) {
      return this;
    }
    List<List<String>> more = new ArrayList<>(generations);
    more.add(added);
    return new KafkaTopology(topicIds, more, epoch);
  }

  /**
   * What a restore reads after a topic was created again: every partition Kafka has {@code now}, in
   * a new epoch, whose sources take no positions from the checkpoint.
   */
  public KafkaTopology nextEpoch(KafkaTopology now) {
    return new KafkaTopology(
        now.topicIds,
        List.of(List.copyOf(now.partitions().stream().sorted(KafkaTopology::compare).toList())),
        epoch + 1);
  }

  public int epoch() {
    return epoch;
  }

  /** The topics deleted and created again since this topology was recorded. */
  public List<String> recreatedTopics(KafkaTopology now) {
    List<String> recreated = new ArrayList<>();
    topicIds.forEach(
        (topic, id) -> {
          String current = now.topicIds.get(topic);
          if (current != null && !id.isEmpty() && !current.isEmpty() && !current.equals(id)) {
            recreated.add(topic);
          }
        });
    return recreated;
  }

  /**
   * What changed in Kafka since this topology was recorded, as sentences (empty when nothing did):
   * topics deleted and created again (another id), and partitions added.
   */
  public List<String> changesTo(KafkaTopology now) {
    List<String> changes = new ArrayList<>();
    for (Map.Entry<String, String> e : topicIds.entrySet()) {
      String topic = e.getKey();
      String id = now.topicIds.get(topic);
      if (id == null) {
        changes.add("topic '" + topic + "' does not exist any more");
      } else if (!e.getValue().isEmpty() && !id.isEmpty() && !id.equals(e.getValue())) {
        changes.add(
            "topic '"
                + topic
                + "' was deleted and created again (topic id "
                + e.getValue()
                + ", now "
                + id
                + ")");
      }
    }
    Map<String, Integer> read = partitionCounts();
    Map<String, Integer> has = now.partitionCounts();
    for (Map.Entry<String, Integer> e : has.entrySet()) {
      int known = read.getOrDefault(e.getKey(), 0);
      if (topicIds.containsKey(e.getKey())
          && e.getValue() > known
          && Objects.equals(topicIds.get(e.getKey()), now.topicIds.get(e.getKey()))) {
        changes.add(
            "topic '"
                + e.getKey()
                + "' has "
                + e.getValue()
                + " partitions, of which "
                + known
                + " are read");
      }
    }
    return changes;
  }

  /** True when a topic was deleted and created again. */
  public boolean recreatedIn(KafkaTopology now) {
    return !recreatedTopics(now).isEmpty();
  }

  /**
   * Drops the consumer group's committed offsets of {@code topics}: after a topic was created
   * again, a position the old topic left (or one a job committed into the new topic before it
   * stopped) would skip the new topic's first records. Failures are reported, not thrown: Kafka may
   * hold no offsets for them.
   */
  public static List<String> dropCommittedOffsets(
      String bootstrapServers,
      Map<String, Object> properties,
      String group,
      KafkaTopology now,
      Collection<String> topics) {
    List<String> problems = new ArrayList<>();
    java.util.Set<TopicPartition> partitions = new java.util.HashSet<>();
    for (String p : now.partitions()) {
      if (topics.contains(topicOf(p))) {
        partitions.add(toTopicPartition(p));
      }
    }
    if (partitions.isEmpty()) {
      return problems;
    }
    try (AdminClient admin = AdminClient.create(adminConfig(bootstrapServers, properties))) {
      admin.deleteConsumerGroupOffsets(group, partitions).all().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      problems.add(
          e.getCause() == null
              ? e.getMessage()
              : e.getCause().getClass().getSimpleName() + ": " + e.getCause().getMessage());
    } catch (TimeoutException e) {
      problems.add("timed out");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      problems.add("interrupted");
    }
    return problems;
  }

  static String topicOf(String partition) {
    return partition.substring(0, partition.lastIndexOf('/'));
  }

  static int partitionOf(String partition) {
    return Integer.parseInt(partition.substring(partition.lastIndexOf('/') + 1));
  }

  static TopicPartition toTopicPartition(String partition) {
    return new TopicPartition(topicOf(partition), partitionOf(partition));
  }

  private static int compare(String a, String b) {
    int byTopic = topicOf(a).compareTo(topicOf(b));
    return byTopic != 0 ? byTopic : Integer.compare(partitionOf(a), partitionOf(b));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KafkaTopology other
        && topicIds.equals(other.topicIds)
        && generations.equals(other.generations)
        && epoch == other.epoch;
  }

  @Override
  public int hashCode() {
    return Objects.hash(topicIds, generations, epoch);
  }

  @Override
  public String toString() {
    return (epoch == 0 ? "" : "epoch " + epoch + ": ")
        + generations.stream()
            .map(g -> g.stream().collect(Collectors.joining(",", "[", "]")))
            .collect(Collectors.joining(" + "));
  }
}
