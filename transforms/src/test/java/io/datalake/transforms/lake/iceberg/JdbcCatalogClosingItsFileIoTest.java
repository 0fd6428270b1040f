package io.datalake.transforms.lake.iceberg;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.instanceOf;
import static org.hamcrest.Matchers.is;

import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.inmemory.InMemoryFileIO;
import org.apache.iceberg.io.FileIO;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Iceberg 1.8's JdbcCatalog leaves the FileIO it made open when it is closed; an S3FileIO left so
 * warns with its creation stack when collected, in the middle of a command's output.
 */
public class JdbcCatalogClosingItsFileIoTest {
  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  /** A FileIO that says whether it was closed. */
  public static final class ClosedFileIo extends InMemoryFileIO {
    boolean closed;

    @Override
    public void close() {
      closed = true;
      super.close();
    }
  }

  @Test
  public void closingTheCatalogClosesItsFileIo() throws Exception {
    Map<String, String> properties = new HashMap<>();
    properties.put(CatalogProperties.URI, "jdbc:sqlite:" + temp.getRoot().toPath().resolve("c.db"));
    properties.put(CatalogProperties.WAREHOUSE_LOCATION, temp.newFolder("wh").toString());
    properties.put(CatalogProperties.FILE_IO_IMPL, ClosedFileIo.class.getName());
    JdbcCatalogClosingItsFileIo catalog =
        JdbcCatalogClosingItsFileIo.open("datalake", properties, new Configuration());
    FileIO io = catalog.fileIo();
    assertThat(io, instanceOf(ClosedFileIo.class));
    assertThat(((ClosedFileIo) io).closed, is(false));
    catalog.close();
    assertThat(((ClosedFileIo) io).closed, is(true));
  }

  /** A jdbc config's clients are of this kind (on S3, the FileIO closed is an S3FileIO). */
  @Test
  public void aJdbcConfigsCatalogIsOne() throws Exception {
    IcebergCatalogConfig config =
        new IcebergCatalogConfig(
            "jdbc",
            temp.newFolder("local").toString(),
            "jdbc:sqlite:" + temp.getRoot().toPath().resolve("local.db"),
            null,
            "lake");
    var catalog = config.catalog();
    try {
      assertThat(catalog, instanceOf(JdbcCatalogClosingItsFileIo.class));
    } finally {
      IcebergCatalogConfig.close(catalog);
    }
  }
}
