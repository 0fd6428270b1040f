package io.datalake.pipelines;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.transforms.stream.KafkaTopology;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.util.MimeTypes;

/**
 * Which job the checkpoints in a job's folder belong to: its name, consumer group, topics and
 * bootstrap servers, plus the Kafka partitions its sources read (generations) and the topics' ids.
 * A checkpoint restores the Kafka positions of exactly these; --resume refuses another job's. Kept
 * as {@value #FILE} beside the checkpoints. It holds no secret: Kafka properties are not in it.
 */
record JobIdentity(
    String jobName,
    String consumerGroup,
    String bootstrapServers,
    Map<String, String> topics,
    KafkaTopology topology,
    long freshStartMillis) {
  static final String FILE = "datalake-job.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * What differs between the job that wrote the checkpoints ({@code this}) and {@code run}, as
   * sentences; empty when it is the same job.
   */
  List<String> differencesTo(JobIdentity run) {
    List<String> differences = new ArrayList<>();
    if (!jobName.equals(run.jobName)) {
      differences.add("job name '" + jobName + "', this run '" + run.jobName + "'");
    }
    if (!consumerGroup.equals(run.consumerGroup)) {
      differences.add(
          "consumer group '" + consumerGroup + "', this run '" + run.consumerGroup + "'");
    }
    if (!servers(bootstrapServers).equals(servers(run.bootstrapServers))) {
      differences.add(
          "bootstrap servers '" + bootstrapServers + "', this run '" + run.bootstrapServers + "'");
    }
    if (!new TreeMap<>(topics).equals(new TreeMap<>(run.topics))) {
      differences.add(
          "topics " + new TreeMap<>(topics) + ", this run " + new TreeMap<>(run.topics));
    }
    return differences;
  }

  /** The same servers in any order, case or spacing. */
  private static List<String> servers(String list) {
    return Arrays.stream(list.split(","))
        .map(s -> s.trim().toLowerCase(java.util.Locale.ROOT))
        .filter(s -> !s.isEmpty())
        .sorted()
        .toList();
  }

  static ResourceId file(String jobDir) {
    // Beam's local file system takes paths, not file: URIs, for new resources.
    return FileSystems.matchNewResource(FlinkCheckpoints.localPath(jobDir), true)
        .resolve(
            FILE, org.apache.beam.sdk.io.fs.ResolveOptions.StandardResolveOptions.RESOLVE_FILE);
  }

  /** The identity recorded in {@code jobDir}, or null when there is none. */
  static JobIdentity read(String jobDir) {
    ResourceId file = file(jobDir);
    try {
      MatchResult match = FileSystems.match(file.toString(), EmptyMatchTreatment.ALLOW);
      if (match.status() != MatchResult.Status.OK || match.metadata().isEmpty()) {
        return null;
      }
      JsonNode node;
      try (InputStream in = Channels.newInputStream(FileSystems.open(file))) {
        node = JSON.readTree(in);
      }
      return fromJson(node);
    } catch (FileNotFoundException e) {
      return null;
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException(
          "Cannot read "
              + file
              + ", the record of the job whose checkpoints are beside it: "
              + e.getMessage(),
          e);
    }
  }

  void write(String jobDir) {
    ResourceId file = file(jobDir);
    try (OutputStream out = Channels.newOutputStream(FileSystems.create(file, MimeTypes.TEXT))) {
      out.write(
          JSON.writerWithDefaultPrettyPrinter()
              .writeValueAsString(toJson())
              .getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + file, e);
    }
  }

  ObjectNode toJson() {
    ObjectNode node = JSON.createObjectNode();
    node.put("jobName", jobName);
    node.put("consumerGroup", consumerGroup);
    node.put("bootstrapServers", bootstrapServers);
    ObjectNode t = node.putObject("topics");
    new TreeMap<>(topics).forEach(t::put);
    ObjectNode ids = node.putObject("topicIds");
    topology.topicIds().forEach(ids::put);
    ArrayNode generations = node.putArray("partitions");
    for (List<String> generation : topology.generations()) {
      ArrayNode g = generations.addArray();
      generation.forEach(g::add);
    }
    node.put("sourceEpoch", topology.epoch());
    node.put("freshStartMillis", freshStartMillis);
    return node;
  }

  static JobIdentity fromJson(JsonNode node) {
    Map<String, String> topics = new TreeMap<>();
    node.path("topics")
        .fields()
        .forEachRemaining(e -> topics.put(e.getKey(), e.getValue().asText()));
    Map<String, String> ids = new TreeMap<>();
    node.path("topicIds")
        .fields()
        .forEachRemaining(e -> ids.put(e.getKey(), e.getValue().asText()));
    List<List<String>> generations = new ArrayList<>();
    for (JsonNode g : node.path("partitions")) {
      List<String> partitions = new ArrayList<>();
      g.forEach(p -> partitions.add(p.asText()));
      generations.add(partitions);
    }
    return new JobIdentity(
        node.path("jobName").asText(),
        node.path("consumerGroup").asText(),
        node.path("bootstrapServers").asText(),
        topics,
        new KafkaTopology(ids, generations, node.path("sourceEpoch").asInt(0)),
        node.path("freshStartMillis").asLong(0));
  }

  JobIdentity withTopology(KafkaTopology t) {
    return new JobIdentity(jobName, consumerGroup, bootstrapServers, topics, t, freshStartMillis);
  }

  String describe() {
    return "job '"
        + jobName
        + "' (consumer group '"
        + consumerGroup
        + "', bootstrap servers '"
        + bootstrapServers
        + "', topics "
        + topics.entrySet().stream()
            .map(e -> e.getKey() + "=" + e.getValue())
            .collect(Collectors.joining(","))
        + ")";
  }
}
