package io.datalake.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.DefaultValueFactory;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/** The Parquet lake: where it is and how it is partitioned. */
public interface LakeOptions extends PipelineOptions {
  @Description(
      "Lake root: a local folder (a path or a file:/// URI) or s3://bucket/prefix. Tables are"
          + " written Hive-style as <lake>/<table>/org_id=<tenant>/year=YYYY/month=MM/day=DD/"
          + "*.parquet, dead letters under <lake>/_dead_letters/<kind>/.")
  String getLake();

  void setLake(String value);

  @Description("Add an hour=HH level below day=DD to every partition path.")
  @Default.Boolean(false)
  Boolean getPartitionByHour();

  void setPartitionByHour(Boolean value);

  @Description(
      "Batch: each worker writes its rows straight into its own file per partition, without a"
          + " shuffle (a partition gets up to one file per worker; its row groups get smaller when"
          + " the open files of a JVM pass an eighth of its heap). false: rows are first"
          + " grouped by partition into --shardsPerPartition files, at the cost of a shuffle of every"
          + " row. Streams always group. Default: true on Flink, whose batch bundle is a worker's"
          + " whole share of the input; false on other runners, whose small bundles would each"
          + " make a file per partition.")
  @Default.InstanceFactory(TrueOnFlinkFalseElsewhere.class)
  Boolean getBatchFilesPerWorker();

  void setBatchFilesPerWorker(Boolean value);

  /** True when the pipeline runs on Flink (its name is what --help prints as the default). */
  class TrueOnFlinkFalseElsewhere implements DefaultValueFactory<Boolean> {
    @Override
    public Boolean create(PipelineOptions options) {
      return options.getRunner().getSimpleName().contains("Flink");
    }
  }

  @Description(
      "Files per partition and window (Parquet shards): streams, and batches with"
          + " --batchFilesPerWorker=false. 0 lets the runner decide, which can give many small"
          + " files.")
  @Default.Integer(1)
  Integer getShardsPerPartition();

  void setShardsPerPartition(Integer value);

  @Description(
      "Parquet compression codec: SNAPPY, ZSTD, GZIP, LZ4_RAW or UNCOMPRESSED (LZ4 too; LZO and"
          + " BROTLI have no implementation in this build and are refused before the run).")
  @Default.String("SNAPPY")
  String getParquetCompression();

  void setParquetCompression(String value);

  @Description(
      "Name of this run's files. Empty (the default) derives it from the input files' names,"
          + " sizes and modification times, so rerunning the same batch replaces its own files"
          + " instead of adding duplicates. It may not contain 'snapshot', which names the lake's"
          + " snapshot files.")
  @Default.String("")
  String getRunId();

  void setRunId(String value);
}
