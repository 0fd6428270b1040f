package io.datalake.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The empty staging folders Beam leaves in a local lake go; one holding a file stays. */
public class LakeTempFoldersTest {
  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  @Test
  public void emptyTempFoldersAreRemovedAndOnesWithFilesKept() throws Exception {
    Path lake = temp.newFolder("lake").toPath();
    Path root = Files.createDirectories(lake.resolve(".temp-beam/6c1b1e2a"));
    Path freshness = Files.createDirectories(lake.resolve("_freshness/.temp-beam"));
    Path busy = Files.createDirectories(lake.resolve("_dead_letters/journey-events/.temp-beam/x"));
    Files.writeString(busy.resolve("part-r1-00000.jsonl"), "still being written");
    Path data = Files.createDirectories(lake.resolve("journey_events/org_id=1/year=2024"));
    LakeTempFolders.removeEmpty(lake.toString());

    assertThat(Files.exists(root.getParent()), is(false));
    assertThat(Files.exists(freshness), is(false));
    assertThat(Files.exists(busy.resolve("part-r1-00000.jsonl")), is(true));
    assertThat(Files.exists(data), is(true));
    // An S3 lake is not looked at.
    LakeTempFolders.removeEmpty("s3://bucket/lake");
  }
}
