package io.datalake.options;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.Hidden;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.Validation;
import org.junit.Test;

public class ReadmeOptionTablesTest {

  /**
   * The guard: README.md's option tables are exactly what the options interfaces say. With {@code
   * -Dreadme.update=true} it rewrites them instead (the command its failure message names).
   */
  @Test
  public void readmeOptionTablesAreThoseOfTheOptionsInterfaces() throws IOException {
    Path readme = ReadmeOptionTables.readme();
    String current = Files.readString(readme, StandardCharsets.UTF_8);
    String generated =
        ReadmeOptionTables.withTables(
            current, ReadmeOptionTables.tables(ReadmeOptionTables.optionInterfaces()));
    if (Boolean.getBoolean("readme.update")) {
      if (!generated.equals(current)) {
        Files.writeString(readme, generated, StandardCharsets.UTF_8);
      }
      return;
    }
    if (!generated.equals(current)) {
      fail(
          "README.md's option tables differ from the options interfaces' @Description/@Default/"
              + "@Validation.Required annotations; regenerate them with\n  "
              + ReadmeOptionTables.UPDATE_COMMAND
              + "\nFirst difference: "
              + firstDifference(current, generated));
    }
  }

  /** Every options interface of the package has a table, DatalakeOptions' order first. */
  @Test
  public void everyOptionsInterfaceIsListedInTheOrderDatalakeOptionsComposesThem() {
    List<Class<?>> interfaces = ReadmeOptionTables.optionInterfaces();
    assertEquals(SourceOptions.class, interfaces.get(0));
    assertEquals(FileSourceOptions.class, interfaces.get(1));
    assertThat(interfaces.toString(), containsString("ClickHouseOptions"));
    // The composite declares no option of its own, so it gets no (empty) table.
    assertFalse(interfaces.contains(DatalakeOptions.class));
  }

  /** A fixture with each kind of default, a required option, a hidden one and awkward text. */
  interface FixtureOptions extends PipelineOptions {
    @Description("Lake root: <lake>/<table>/*.parquet, with _extra | pipes.")
    @Validation.Required
    String getLake();

    void setLake(String value);

    @Description("Rows per insert.")
    @Default.Integer(5000)
    Integer getBatchRows();

    void setBatchRows(Integer value);

    @Description("Empty turns it off.")
    @Default.String("")
    String getClickhouseUrl();

    void setClickhouseUrl(String value);

    @Description("Where records come from.")
    @Default.Enum("files")
    SourceOptions.Source getSource();

    void setSource(SourceOptions.Source value);

    @Description("A flag.")
    @Default.Boolean(false)
    Boolean isQuiet();

    void setQuiet(Boolean value);

    @Description("Not for users.")
    @Hidden
    String getInternal();

    void setInternal(String value);

    @Description("Unset means the runner decides.")
    String getCheckpointDir();

    void setCheckpointDir(String value);
  }

  @Test
  public void aTableHasARowPerOptionSortedByNameWithItsDefaultAndEscapedDescription() {
    assertEquals(
        "| option | default | description |\n"
            + "|---|---|---|\n"
            + "| `--batchRows` | `5000` | Rows per insert. |\n"
            + "| `--checkpointDir` | (none) | Unset means the runner decides. |\n"
            + "| `--clickhouseUrl` | (empty) | Empty turns it off. |\n"
            + "| `--lake` | **required** | Lake root: \\<lake\\>/\\<table\\>/\\*.parquet, with"
            + " \\_extra \\| pipes. |\n"
            + "| `--quiet` | `false` | A flag. |\n"
            + "| `--source` | `files` | Where records come from. |\n",
        ReadmeOptionTables.table(FixtureOptions.class));
  }

  interface UndescribedOptions extends PipelineOptions {
    @Default.Integer(1)
    Integer getShards();

    void setShards(Integer value);
  }

  @Test
  public void anOptionWithoutDescriptionIsRefusedByName() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class, () -> ReadmeOptionTables.table(UndescribedOptions.class));
    assertThat(e.getMessage(), containsString("UndescribedOptions.getShards has no @Description"));
  }

  @Test
  public void tablesReplaceOnlyWhatIsBetweenTheMarkersAndRewriteTheBeginMarker() {
    String readme =
        "intro\n<!-- options:begin old text -->\nold tables\n<!-- options:end -->\nrest\n";
    assertEquals(
        "intro\n" + ReadmeOptionTables.BEGIN + "\nNEW\n<!-- options:end -->\nrest\n",
        ReadmeOptionTables.withTables(readme, "NEW\n"));
  }

  @Test
  public void missingOrRepeatedMarkersAreAnErrorThatShowsTheMarkers() {
    for (String readme :
        List.of(
            "no markers\n",
            "<!-- options:end -->\n<!-- options:begin -->\n",
            "<!-- options:begin -->\n<!-- options:end -->\n<!-- options:begin -->\n")) {
      IllegalStateException e =
          assertThrows(
              IllegalStateException.class, () -> ReadmeOptionTables.withTables(readme, "x"));
      assertThat(e.getMessage(), containsString(ReadmeOptionTables.END));
    }
  }

  /** The first line where README.md and the generated text part, both shown. */
  private static String firstDifference(String current, String generated) {
    String[] a = current.split("\n", -1);
    String[] b = generated.split("\n", -1);
    for (int i = 0; i < Math.max(a.length, b.length); i++) {
      String left = i < a.length ? a[i] : "(end of file)";
      String right = i < b.length ? b[i] : "(end of file)";
      if (!left.equals(right)) {
        return "README.md line " + (i + 1) + "\n  is:        " + left + "\n  generated: " + right;
      }
    }
    return "(none)";
  }
}
