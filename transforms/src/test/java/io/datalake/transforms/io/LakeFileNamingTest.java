package io.datalake.transforms.io;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.net.URI;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.util.SerializableUtils;
import org.joda.time.Instant;
import org.junit.Test;

/** A stream's file names hold no colon, which Hadoop-based readers take for a URI's scheme. */
public class LakeFileNamingTest {
  private static final IntervalWindow WINDOW =
      new IntervalWindow(
          Instant.parse("2026-12-07T13:00:00Z"), Instant.parse("2026-12-07T13:05:00Z"));

  @Test
  public void aWindowsTimesAreWrittenWithoutColons() {
    String name =
        LakeFileNaming.of(
                "journey_events/org_id=739224/year=2026/month=12/day=07/part-r1", ".parquet")
            .getFilename(WINDOW, PaneInfo.NO_FIRING, 2, 1, Compression.UNCOMPRESSED);
    assertThat(
        name,
        equalTo(
            "journey_events/org_id=739224/year=2026/month=12/day=07/"
                + "part-r1-2026-12-07T130000.000Z-2026-12-07T130500.000Z-00001-of-00002.parquet"));
    // What Hadoop's Path makes of it (a colon before the first slash would be a scheme).
    URI uri = new org.apache.hadoop.fs.Path("/lake/" + name).toUri();
    assertThat(uri.getScheme(), equalTo(null));
  }

  /** The prefix is how a run finds its files: a run id's own characters stay. */
  @Test
  public void thePrefixIsKeptAsItIs() {
    assertThat(
        LakeFileNaming.of("t/part-2026-12-07T13:00", ".parquet")
            .getFilename(WINDOW, PaneInfo.NO_FIRING, 1, 0, Compression.UNCOMPRESSED),
        equalTo(
            "t/part-2026-12-07T13:00-2026-12-07T130000.000Z-2026-12-07T130500.000Z-00000-of-00001"
                + ".parquet"));
  }

  @Test
  public void aBatchsNamesAreBeamsOwnAndTheNamingSerializes() {
    FileIO.Write.FileNaming naming =
        SerializableUtils.clone(LakeFileNaming.of("t/part-r1", ".parquet"));
    assertThat(
        naming.getFilename(
            GlobalWindow.INSTANCE, PaneInfo.NO_FIRING, 1, 0, Compression.UNCOMPRESSED),
        equalTo(
            FileIO.Write.defaultNaming("t/part-r1", ".parquet")
                .getFilename(
                    GlobalWindow.INSTANCE, PaneInfo.NO_FIRING, 1, 0, Compression.UNCOMPRESSED)));
  }
}
