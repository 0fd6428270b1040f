package io.datalake.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/** The Parquet lake: where it is and how it is partitioned. */
public interface LakeOptions extends PipelineOptions {
  @Description(
      "Lake root: a local folder or s3://bucket/prefix. Tables are written Hive-style as"
          + " <lake>/<table>/org_id=<tenant>/year=YYYY/month=MM/day=DD/*.parquet, dead letters"
          + " under <lake>/_dead_letters/<kind>/.")
  String getLake();

  void setLake(String value);

  @Description("Add an hour=HH level below day=DD to every partition path.")
  @Default.Boolean(false)
  Boolean getPartitionByHour();

  void setPartitionByHour(Boolean value);

  @Description(
      "Files per partition and window (Parquet shards). 0 lets the runner decide, which can give"
          + " many small files.")
  @Default.Integer(1)
  Integer getShardsPerPartition();

  void setShardsPerPartition(Integer value);

  @Description("Parquet compression codec: SNAPPY, ZSTD, GZIP or UNCOMPRESSED.")
  @Default.String("SNAPPY")
  String getParquetCompression();

  void setParquetCompression(String value);

  @Description(
      "Name of this run's files. Empty (the default) derives it from the input files' names,"
          + " sizes and modification times, so rerunning the same batch replaces its own files"
          + " instead of adding duplicates.")
  @Default.String("")
  String getRunId();

  void setRunId(String value);
}
