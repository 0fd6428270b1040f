package io.datalake.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/** Streaming input: one Kafka topic per kind of record. */
public interface KafkaSourceOptions extends PipelineOptions {
  @Description("Kafka bootstrap servers, host:port[,host:port].")
  @Default.String("127.0.0.1:9092")
  String getBootstrapServers();

  void setBootstrapServers(String value);

  @Description("Kafka consumer group; offsets are committed to it when a checkpoint is finalized.")
  @Default.String("datalake")
  String getConsumerGroup();

  void setConsumerGroup(String value);

  @Description(
      "Topic overrides as kind=topic pairs separated by commas, e.g."
          + " checkout-orders=vtex.orders. A kind not listed reads the topic named like its batch"
          + " folder (entity-operations, checkout-orders, ...).")
  @Default.String("")
  String getTopics();

  void setTopics(String value);

  @Description(
      "Extra Kafka consumer properties as key=value pairs separated by commas, passed through to"
          + " the client (security.protocol, sasl.mechanism, ...). No secrets: options are shown by"
          + " Flink's web UI and kept in checkpoints, so a password, sasl.jaas.config or key here"
          + " is refused unless it is a config-provider reference (${file:PATH:KEY}); put secrets"
          + " in --kafkaPropertiesFile.")
  @Default.String("")
  String getKafkaProperties();

  void setKafkaProperties(String value);

  @Description(
      "A Java properties file of Kafka consumer properties (values may hold commas and quotes, e.g."
          + " sasl.jaas.config). Its values never enter the job: each key is passed as a reference"
          + " ${file:PATH:KEY} that Kafka's FileConfigProvider resolves where the client runs, so"
          + " the file must be readable at the same path on the client and on every worker. Keep"
          + " it mode 600. Its keys win over --kafkaProperties.")
  @Default.String("")
  String getKafkaPropertiesFile();

  void setKafkaPropertiesFile(String value);

  @Description(
      "Bounded out-of-orderness in seconds: the watermark trails the newest event time seen by"
          + " this much. An idle partition lets the watermark follow the clock less this much, so"
          + " it does not hold every window back.")
  @Default.Integer(60)
  Integer getMaxOutOfOrdernessSeconds();

  void setMaxOutOfOrdernessSeconds(Integer value);

  @Description(
      "How far ahead, in seconds of Kafka record time, a partition may be read of the slowest"
          + " partition that still has a backlog; partitions further ahead pause until it catches"
          + " up. With a backlog Kafka hands out about the same bytes per partition, so topics of"
          + " small records run ahead of topics of large ones, the slowest partition holds the"
          + " watermark back and rows pile up in window state. 0 reads every partition as Kafka"
          + " hands it out.")
  @Default.Integer(5)
  Integer getKafkaReadAheadSeconds();

  void setKafkaReadAheadSeconds(Integer value);

  @Description(
      "How often, in seconds, the job checks its topics in Kafka. A partition added to a topic while"
          + " the job runs, or a topic deleted and created again, stops the job within this time with a"
          + " message that says how to go on (--resume reads added partitions from their start).")
  @Default.Integer(30)
  Integer getTopologyCheckSeconds();

  void setTopologyCheckSeconds(Integer value);
}
