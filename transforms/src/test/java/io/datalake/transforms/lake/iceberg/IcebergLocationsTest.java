package io.datalake.transforms.lake.iceberg;

import static io.datalake.transforms.lake.iceberg.IcebergLocations.canonical;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import org.junit.Test;

/** The forms a listing and a table's metadata may give one file in end in one canonical form. */
public class IcebergLocationsTest {
  private static final String KEY =
      "run1/datalake/journey_events/data/org_id=org1/created_at_day=2026-01-02/part-r1-main-a.parquet";
  private static final String S3 = "s3://lake/" + KEY;

  @Test
  public void hadoopSchemesAreS3() {
    assertThat(canonical("s3a://lake/" + KEY), is(S3));
    assertThat(canonical("s3n://lake/" + KEY), is(S3));
    assertThat(canonical("S3://lake/" + KEY), is(S3));
  }

  @Test
  public void endpointUrlsPathStyleAndBucketStyleAreS3() {
    assertThat(canonical("http://127.0.0.1:9090/lake/" + KEY), is(S3));
    assertThat(canonical("https://lake.s3.eu-west-1.amazonaws.com/" + KEY), is(S3));
    assertThat(canonical("https://lake.s3.amazonaws.com/" + KEY), is(S3));
  }

  @Test
  public void repeatedSlashesAreOne() {
    assertThat(canonical("s3://lake//" + KEY.replace("/data/", "//data//")), is(S3));
    assertThat(canonical("/tmp//wh///t/data/x.parquet"), is("/tmp/wh/t/data/x.parquet"));
  }

  @Test
  public void percentEncodingIsDecodedOnBothSides() {
    assertThat(canonical(S3.replace("=", "%3D")), is(S3));
    assertThat(canonical(S3.replace("=", "%253D")), is(S3));
    // Iceberg escapes a partition value ("a=b" as a%3Db); a listing that encodes the key again
    // gives a%253Db: both are one form.
    String escaped = "s3://lake/t/data/org_id=a%3Db/f.parquet";
    assertThat(canonical("s3://lake/t/data/org_id%3Da%253Db/f.parquet"), is(canonical(escaped)));
    assertThat(
        canonical("s3://lake/t/data/org_id=caf%C3%A9/f"), is("s3://lake/t/data/org_id=café/f"));
    assertThat(canonical("s3://lake/t/data/100%/f"), is("s3://lake/t/data/100%/f"));
  }

  @Test
  public void localPathsLoseTheirFileScheme() {
    assertThat(canonical("file:/tmp/wh/t/data/x.parquet"), is("/tmp/wh/t/data/x.parquet"));
    assertThat(canonical("file:///tmp/wh/t/data/x.parquet"), is("/tmp/wh/t/data/x.parquet"));
    assertThat(canonical("/tmp/wh/t/data/x.parquet"), is("/tmp/wh/t/data/x.parquet"));
  }

  @Test
  public void otherBucketsAndKeysStayDifferent() {
    assertThat(canonical("s3://other/" + KEY), not(S3));
    assertThat(canonical("http://127.0.0.1:9090/other/" + KEY), not(S3));
    assertThat(canonical(S3.replace("org1", "org2")), not(S3));
  }

  @Test
  public void foldersAreNotFiles() {
    assertThat(IcebergLocations.isFolder("s3://lake/t/data/org_id=org1/"), is(true));
    assertThat(IcebergLocations.isFolder(S3), is(false));
  }
}
