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

  /**
   * Beam's listing follows links: one to a folder that holds it went round until the heap was gone
   * (OutOfMemoryError). Refused before it lists, naming the link.
   */
  @Test
  public void aLinkToAFolderThatHoldsItIsRefusedBeforeTheListing() throws Exception {
    Path input = tmp.newFolder("input").toPath();
    file(input, "journey-events/a.jsonl");
    Path loop = input.resolve("journey-events/again");
    Files.createSymbolicLink(loop, Path.of("."));
    IllegalArgumentException refused =
        assertThrows(IllegalArgumentException.class, () -> PreRunSteps.hashInput(input.toString()));
    assertThat(
        refused.getMessage(),
        containsString(loop + " -> " + input.resolve("journey-events").toRealPath()));
    assertThat(refused.getMessage(), containsString("remove the link or move it out of the input"));

    // A link to the folder above the input, named like an input file.
    Files.delete(loop);
    Files.createSymbolicLink(input.resolve("journey-events/up.jsonl"), tmp.getRoot().toPath());
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> PreRunSteps.hashInput(input.toString()))
            .getMessage(),
        containsString("leads to a folder that holds it"));
  }

  /** Links to files and folders elsewhere are read as before; a link to nothing is said. */
  @Test
  public void linksElsewhereAreFineAndABrokenOneIsNotRefused() throws Exception {
    Path input = tmp.newFolder("input").toPath();
    Path data = tmp.newFolder("data").toPath();
    file(data, "je/a.jsonl");
    file(data, "b.jsonl");
    Files.createSymbolicLink(input.resolve("journey-events"), data.resolve("je"));
    Files.createDirectories(input.resolve("checkout-orders"));
    Files.createSymbolicLink(input.resolve("checkout-orders/b.jsonl"), data.resolve("b.jsonl"));
    Files.createSymbolicLink(input.resolve("checkout-orders/gone.jsonl"), data.resolve("gone"));
    assertThat(PreRunSteps.hashInput(input.toString()).length(), equalTo(16));
    assertThat(
        ReadJsonLines.inputFiles(input.toString(), RecordKinds.builtIn()).size(), equalTo(2));
  }

  @Test
  public void aMissingInputOrAFileIsSaidSo() throws Exception {
    Path input = tmp.getRoot().toPath().resolve("nowhere");
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> PreRunSteps.hashInput(input.toString()))
            .getMessage(),
        containsString("--input " + input + " does not exist"));
    Path file = file(tmp.getRoot().toPath(), "orders.jsonl");
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> PreRunSteps.hashInput(file.toString()))
            .getMessage(),
        containsString(
            "--input " + file + " is a file: give the folder that holds one folder per kind"));
  }

  /** Only where permissions bind (not as root, who reads everything). */
  @Test
  public void anInputFileThatCannotBeReadIsRefusedBeforeTheRun() throws Exception {
    org.junit.Assume.assumeFalse("root".equals(System.getProperty("user.name")));
    Path input = tmp.newFolder("input").toPath();
    Path locked = file(input, "journey-events/a.jsonl");
    Files.setPosixFilePermissions(locked, Set.of());
    IllegalArgumentException refused =
        assertThrows(IllegalArgumentException.class, () -> PreRunSteps.hashInput(input.toString()));
    assertThat(refused.getMessage(), containsString("cannot read 1 input file(s)"));
    assertThat(refused.getMessage(), containsString(locked.toString()));
  }

  /** A lake this user cannot write ends the run before anything is prepared, saying so. */
  @Test
  public void aLakeThatCannotBeWrittenIsRefusedAndOneThatCanIsLeftAsItWas() throws Exception {
    Path notAFolder = tmp.newFile("not-a-folder").toPath();
    String lake = notAFolder.resolve("lake").toString();
    ServiceUnavailableException refused =
        assertThrows(ServiceUnavailableException.class, () -> PreRunSteps.checkLake(lake));
    assertThat(refused.getMessage(), containsString("Cannot write to the lake at " + lake + " ("));
    assertThat(refused.getMessage(), containsString("Check that this user can write the folder"));

    Path writable = tmp.newFolder("lake").toPath();
    PreRunSteps.checkLake(writable.toString());
    try (var left = Files.list(writable.resolve("_runs"))) {
      assertThat("the check's file is removed", left.count(), equalTo(0L));
    }
  }
}
