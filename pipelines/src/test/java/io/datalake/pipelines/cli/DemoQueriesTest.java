package io.datalake.pipelines.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.Assert.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.Test;

/** The README shows the documented queries exactly as DemoQueries (and so the demo) runs them. */
public class DemoQueriesTest {
  private static String readme() throws Exception {
    for (Path dir = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
        dir != null;
        dir = dir.getParent()) {
      Path candidate = dir.resolve("README.md");
      if (Files.isRegularFile(candidate) && Files.isDirectory(dir.resolve("pipelines"))) {
        return Files.readString(candidate, StandardCharsets.UTF_8);
      }
    }
    throw new IllegalStateException("no README.md above " + System.getProperty("basedir"));
  }

  @Test
  public void theReadmeShowsEachQueryAsItRunsOnCurrentServersAndOn1816() throws Exception {
    String readme = readme();
    for (DemoQueries.Query query : DemoQueries.DOCUMENTED) {
      String current =
          query.current(DemoQueries.DEMO_ORG, DemoQueries.DEMO_JOURNEY, DemoQueries.DEMO_APP);
      String old =
          query.clickHouse1816(
              DemoQueries.DEMO_ORG, DemoQueries.DEMO_JOURNEY, DemoQueries.DEMO_APP);
      assertThat(query.title(), readme, containsString("```sql\n" + current + "\n"));
      assertThat(query.title(), readme, containsString("```sql\n" + old + "\n"));
    }
  }

  @Test
  public void placeholdersAreFilledQuotedAndTheTenantHeldToItsRule() {
    assertThat(
        DemoQueries.JOURNEY_SESSIONS.current("739224", "it's", "app"),
        equalTo(
            "select journey_id, start_time, details from `739224_journey_sessions_final`\n"
                + "where journey_id = 'it\\'s' and start_time > '2024-08-01 00:00:00'"));
    assertThrows(
        IllegalArgumentException.class,
        () -> DemoQueries.PORTAL_SESSIONS.current("a`b", "j", "app"));
  }
}
