package io.datalake.transforms.lake.iceberg;

import java.util.Map;
import java.util.function.Function;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.jdbc.JdbcCatalog;

/**
 * A JDBC catalog client that closes its FileIO when it is closed. Iceberg 1.8's JdbcCatalog closes
 * its connections but not the FileIO it made, and an S3FileIO left open is closed by the garbage
 * collector with a warning and the stack that made it ("Unclosed S3FileIO instance created by:",
 * twenty lines in the middle of a command's output or a run's log).
 */
final class JdbcCatalogClosingItsFileIo extends JdbcCatalog {
  private final FileIoOfProperties fileIo;

  private JdbcCatalogClosingItsFileIo(FileIoOfProperties fileIo) {
    super(fileIo, null, true);
    this.fileIo = fileIo;
  }

  /** A client of the catalog {@code properties} describe, named {@code name}. */
  static JdbcCatalogClosingItsFileIo open(
      String name, Map<String, String> properties, Configuration conf) {
    JdbcCatalogClosingItsFileIo catalog =
        new JdbcCatalogClosingItsFileIo(new FileIoOfProperties(conf));
    catalog.setConf(conf);
    try {
      catalog.initialize(name, properties);
    } catch (RuntimeException e) {
      // The catalog's database did not answer: the FileIO made before it is closed all the same.
      if (catalog.fileIo.made != null) {
        catalog.fileIo.made.close();
      }
      throw e;
    }
    return catalog;
  }

  /** The FileIO this client made (null before it is initialized). */
  FileIO fileIo() {
    return fileIo.made;
  }

  @Override
  public void close() {
    try {
      super.close();
    } finally {
      if (fileIo.made != null) {
        fileIo.made.close();
      }
    }
  }

  /** Makes the FileIO as JdbcCatalog would ({@code io-impl}, else HadoopFileIO) and keeps it. */
  private static final class FileIoOfProperties implements Function<Map<String, String>, FileIO> {
    private final Configuration conf;
    private FileIO made;

    FileIoOfProperties(Configuration conf) {
      this.conf = conf;
    }

    @Override
    public FileIO apply(Map<String, String> properties) {
      made =
          CatalogUtil.loadFileIO(
              properties.getOrDefault(
                  CatalogProperties.FILE_IO_IMPL, "org.apache.iceberg.hadoop.HadoopFileIO"),
              properties,
              conf);
      return made;
    }
  }
}
