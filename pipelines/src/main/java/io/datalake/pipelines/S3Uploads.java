package io.datalake.pipelines;

import io.datalake.options.DatalakeOptions;
import org.apache.beam.sdk.io.aws2.options.S3Options;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The size of the upload buffer Beam's S3 file system gives each file being written. Beam's
 * default, on a heap of 512 MB or more, is 64 MiB per open file, allocated when the file opens; the
 * lake writes one file per table, tenant and day at once, so a run with a few dozen partitions held
 * most of a 1 GiB heap in buffers (the benchmark's S3 batch: 419 MB live over 70 records). datalake
 * uses 8 MiB parts unless --s3UploadBufferSizeBytes asks for another size than Beam's default.
 */
final class S3Uploads {
  private static final Logger LOG = LoggerFactory.getLogger(S3Uploads.class);

  /** What Beam picks on a heap of 512 MB or more (S3Options.S3UploadBufferSizeBytesFactory). */
  static final int BEAM_DEFAULT_BYTES = 64 * 1024 * 1024;

  static final int DATALAKE_DEFAULT_BYTES = 8 * 1024 * 1024;

  private S3Uploads() {}

  static void configure(DatalakeOptions options) {
    boolean onS3 =
        options.getLake().startsWith("s3://")
            || (options.getInput() != null && options.getInput().startsWith("s3://"));
    S3Options s3 = options.as(S3Options.class);
    if (onS3 && s3.getS3UploadBufferSizeBytes() == BEAM_DEFAULT_BYTES) {
      s3.setS3UploadBufferSizeBytes(DATALAKE_DEFAULT_BYTES);
      LOG.info(
          "datalake: S3 uploads in parts of {} MiB per open file (Beam's default is 64 MiB; --s3UploadBufferSizeBytes sets it)",
          DATALAKE_DEFAULT_BYTES / (1024 * 1024));
    }
  }
}
