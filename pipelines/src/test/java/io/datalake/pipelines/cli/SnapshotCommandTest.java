package io.datalake.pipelines.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.time.YearMonth;
import java.util.List;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class SnapshotCommandTest {
  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  private static Cli.Outcome run(String... args) {
    return Cli.executeCapturing(args);
  }

  @Test
  public void monthsAreARangeInOrderOrOneMonth() {
    assertThat(
        SnapshotCommand.months("2023-11..2024-02"),
        equalTo(
            List.of(
                YearMonth.of(2023, 11),
                YearMonth.of(2023, 12),
                YearMonth.of(2024, 1),
                YearMonth.of(2024, 2))));
    assertThat(SnapshotCommand.months("2024-03"), equalTo(List.of(YearMonth.of(2024, 3))));
  }

  @Test
  public void aBadRangeIsAUsageErrorBeforeAnythingRuns() {
    String lake = temp.getRoot().toPath().resolve("lake").toString();
    for (String[] bad :
        new String[][] {
          {"--months=2024-13", "not a month"},
          {"--months=2024-05..2024-01", "ends before it starts"},
          {"--months=2024", "give YYYY-MM..YYYY-MM"},
        }) {
      Cli.Outcome run = run("snapshot", bad[0], "--lake=" + lake, "--piiDevelopmentKeyset=true");
      String printed = run.err();
      assertThat(printed, run.code(), equalTo(2));
      assertThat(printed, containsString("datalake: error: " + bad[0]));
      assertThat(printed, containsString(bad[1]));
      assertThat(printed, containsString("(./datalake snapshot --help)"));
    }
  }

  @Test
  public void itHasAHelp() {
    Cli.Outcome run = run("snapshot", "--help");
    assertThat(run.code(), equalTo(0));
    assertThat(run.out(), containsString("Usage: datalake snapshot"));
    assertThat(run.out(), containsString("--months=FROM..TO"));
  }

  @Test
  public void theLakeIsRequired() {
    Cli.Outcome run = run("snapshot", "--months=2024-01", "--piiDevelopmentKeyset=true");
    assertThat(run.code(), equalTo(2));
    assertThat(run.err(), containsString("--lake is required"));
  }

  @Test
  public void anEmptyLakeGivesNoRows() {
    Cli.Outcome run =
        run(
            "snapshot",
            "--months=2024-01",
            "--lake=" + temp.getRoot().toPath().resolve("empty"),
            "--piiDevelopmentKeyset=true");
    assertThat(run.code(), equalTo(0));
    assertThat(run.out(), containsString("datalake: snapshot of 2024-01: 0 row(s)"));
  }
}
