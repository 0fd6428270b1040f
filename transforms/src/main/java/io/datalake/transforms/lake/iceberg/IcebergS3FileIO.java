package io.datalake.transforms.lake.iceberg;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How the Iceberg lake reaches a warehouse on {@code s3://}: Iceberg's own {@code S3FileIO}
 * (iceberg-aws, on the AWS SDK v2 that Beam's S3 file system uses too), set from the same options
 * as the Parquet lake's S3 ({@code --endpoint}, {@code --awsRegion}), never from a second set.
 * Credentials are not part of it: S3FileIO finds them as Beam's S3 does, through the AWS SDK's
 * default provider chain (environment, system properties, profile, instance role), so no key passes
 * through options, Flink's web UI or checkpoints.
 *
 * @param endpoint an S3-compatible store's URL (S3Proxy, MinIO); null or empty: AWS itself
 * @param region the region; null or empty: the SDK's default chain
 */
public record IcebergS3FileIO(String endpoint, String region) implements Serializable {
  /** Iceberg's catalog property naming the FileIO, and S3FileIO's class. */
  static final String IO_IMPL = "io-impl";

  static final String S3_FILE_IO = "org.apache.iceberg.aws.s3.S3FileIO";

  public IcebergS3FileIO {
    endpoint = endpoint == null || endpoint.isBlank() ? null : endpoint;
    region = region == null || region.isBlank() ? null : region;
  }

  /**
   * The catalog properties that make the tables' FileIO an S3FileIO: path-style requests when an
   * endpoint is given (S3-compatible stores answer at {@code http://host:port/bucket/key}, not at a
   * bucket's own host name). Checksums: S3FileIO's own ETag checks stay off (its default), and the
   * SDK of this version sends no default CRC checksum headers (newer SDKs do, which S3-compatible
   * stores such as S3Proxy refuse).
   */
  Map<String, String> catalogProperties() {
    Map<String, String> properties = new LinkedHashMap<>();
    properties.put(IO_IMPL, S3_FILE_IO);
    if (endpoint != null) {
      properties.put("s3.endpoint", endpoint);
      properties.put("s3.path-style-access", "true");
    }
    if (region != null) {
      properties.put("client.region", region);
    }
    return properties;
  }
}
