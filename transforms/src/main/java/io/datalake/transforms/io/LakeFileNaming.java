package io.datalake.transforms.io;

import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;

/**
 * Beam's default file names ({@code <prefix>-<window start>-<window end>-<pane>-<shard>-of-<shards>
 * <suffix>}) without the colons of a window's times: {@code 2026-12-07T13:00:00.000Z} is written
 * {@code 2026-12-07T130000.000Z}. Hadoop's file system, under Spark, Hive and parquet-hadoop's own
 * reader, takes a name with a colon for a URI with a scheme and refuses it ("Relative path in
 * absolute URI"), so a stream's files were unreadable there. A batch's files (the global window)
 * have no times in their names and are named as before.
 */
public final class LakeFileNaming implements FileIO.Write.FileNaming {
  private static final long serialVersionUID = 1L;

  private final String prefix;
  private final FileIO.Write.FileNaming beams;

  private LakeFileNaming(String prefix, FileIO.Write.FileNaming beams) {
    this.prefix = prefix;
    this.beams = beams;
  }

  /**
   * Names files {@code prefix} (which may start with folders) then the window, pane and shard. The
   * prefix is kept as it is: the run's files are found by it ({@code part-<runId>-}).
   */
  public static LakeFileNaming of(String prefix, String suffix) {
    return new LakeFileNaming(prefix, FileIO.Write.defaultNaming(prefix, suffix));
  }

  @Override
  public String getFilename(
      BoundedWindow window, PaneInfo pane, int numShards, int shardIndex, Compression compression) {
    String name = beams.getFilename(window, pane, numShards, shardIndex, compression);
    int kept = name.startsWith(prefix) ? prefix.length() : name.lastIndexOf('/') + 1;
    return name.substring(0, kept) + name.substring(kept).replace(":", "");
  }
}
