package io.datalake.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertThrows;

import io.datalake.transforms.io.ReadJsonLines;
import io.datalake.transforms.kinds.RecordKinds;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** What a batch reads of its input folder, its run id, and the files it says it does not read. */
public class PreRunStepsTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  private Path file(Path input, String relative) throws Exception {
    Path file = input.resolve(relative);
    Files.createDirectories(file.getParent());
    Files.writeString(file, "{}\n", StandardCharsets.UTF_8);
    return file;
  }

  @Test
  public void filesOutsideTheKindFoldersOrWithOtherNamesAreListedAsNotRead() throws Exception {
    Path input = tmp.newFolder("input").toPath();
    Path read1 = file(input, "checkout-orders/a.jsonl");
    Path read2 = file(input, "checkout-orders/B.NDJSON.gz");
    Path read3 = file(input, "entity-operations/c.json");
    Path text = file(input, "checkout-orders/notes.txt");
    Path nested = file(input, "checkout-orders/2024/05/d.jsonl");
    Path misspelt = file(input, "entity_operations/e.jsonl");

    List<MatchResult.Metadata> inputFiles =
        ReadJsonLines.inputFiles(input.toString(), RecordKinds.builtIn());
    Set<String> read =
        inputFiles.stream().map(m -> m.resourceId().toString()).collect(Collectors.toSet());
    assertThat(read, equalTo(Set.of(read1.toString(), read2.toString(), read3.toString())));

    assertThat(
        PreRunSteps.filesNotRead(input.toString(), read),
        equalTo(List.of(nested.toString(), text.toString(), misspelt.toString())));
  }

  @Test
  public void theRunIdFollowsTheFilesReadAndNothingElse() throws Exception {
    Path input = tmp.newFolder("input").toPath();
    file(input, "checkout-orders/a.jsonl");
    String id = PreRunSteps.hashInput(input.toString());
    assertThat(id.length(), equalTo(16));
    file(input, "checkout-orders/notes.txt");
    assertThat(PreRunSteps.hashInput(input.toString() + "/"), equalTo(id));
    file(input, "journey-events/b.jsonl");
    assertThat(PreRunSteps.hashInput(input.toString()), not(equalTo(id)));
  }

  @Test
  public void anInputWithNothingToReadIsRefusedNamingTheKindFolders() throws Exception {
    Path input = tmp.newFolder("input").toPath();
    file(input, "orders/a.jsonl");
    IllegalArgumentException refused =
        assertThrows(IllegalArgumentException.class, () -> PreRunSteps.hashInput(input.toString()));
    assertThat(refused.getMessage(), containsString("No input files under " + input));
    assertThat(refused.getMessage(), containsString("checkout-orders"));
  }
}
