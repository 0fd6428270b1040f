package io.datalake.bench;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The N-thread baseline (reader, queue of line batches, a file per worker and partition) writes the
 * same rows, schemas, partitions and codecs as the 1-thread one.
 */
public class BaselineTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void threadsChangeFilesNotRows() throws Exception {
    Path samples = Path.of("..", "pipelines", "samples", "input").toAbsolutePath().normalize();
    InputFiles.Input input = InputFiles.ensure(tmp.getRoot().toPath(), samples, 2_000);
    Path one = tmp.getRoot().toPath().resolve("lake-1");
    Path three = tmp.getRoot().toPath().resolve("lake-3");
    Baseline.main(new String[] {"--input=" + input.dir(), "--lake=" + one, "--threads=1"});
    Baseline.main(new String[] {"--input=" + input.dir(), "--lake=" + three, "--threads=3"});

    LakeStats a = LakeStats.read(one);
    LakeStats b = LakeStats.read(three);
    assertThat(a.rows(), greaterThan(2_000L));
    assertThat(a.differences(b, "1 thread", "3 threads"), is(empty()));
    assertThat(Files.exists(three.resolve(".temp-baseline-bench")), is(false));
  }
}
