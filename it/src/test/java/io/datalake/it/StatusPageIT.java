package io.datalake.it;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import com.fasterxml.jackson.databind.JsonNode;
import io.datalake.testing.Await;
import io.datalake.testing.LocalServices;
import io.datalake.transforms.freshness.FreshnessViews;
import io.datalake.transforms.freshness.Lineage;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.warehouse.Sql;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.After;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * {@code ./datalake ui} in a real headless Chromium: the bundled samples are written to a fresh
 * warehouse database (the demo's batch run), the launcher starts the page on a free port, and the
 * browser loads it over the DevTools protocol. It shows every table of the run with its freshness
 * and a sparkline, the dead letters, the jobs section (the cluster's jobs or "no cluster") and the
 * whole lineage graph, with no console error, no failed load and no exception. The screenshot is
 * kept as it/target/status-page.png.
 */
public class StatusPageIT {
  private static final Path PROJECT =
      Path.of(System.getProperty("datalake.project.dir", "..")).toAbsolutePath().normalize();
  private static final Pattern URL = Pattern.compile("the status page is on (http://\\S+/)");

  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  private final String database =
      "status_page_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
  private Process ui;

  @After
  public void cleanUp() throws Exception {
    if (ui != null) {
      // exec'd by the launcher: the JVM itself, which stops the page in its shutdown hook.
      ui.destroy();
      if (!ui.waitFor(20, TimeUnit.SECONDS)) {
        ui.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    LocalServices.dropWarehouse(database);
  }

  @Test
  public void thePageShowsTheDemosTablesWithTheirFreshnessJobsAndLineageWithoutConsoleErrors()
      throws Exception {
    long start = System.nanoTime();
    SamplesBatch.run(temp.newFolder("lake").toPath(), database);
    List<String> tables =
        List.of(
            LocalServices.clickhouse(
                    "SELECT DISTINCT `table` FROM "
                        + Sql.identifier(database)
                        + "."
                        + FreshnessViews.TABLE_FRESHNESS
                        + " ORDER BY `table` FORMAT TSV")
                .strip()
                .split("\n"));
    assertThat("tables the batch filled", tables.size(), greaterThan(5));
    // The batch's JVM wrote alive_at at its start and its end.
    assertThat(
        LocalServices.clickhouse(
                "SELECT state, alive_at = ended_at FROM "
                    + Sql.identifier(database)
                    + ".datalake_runs FINAL FORMAT TSV")
            .strip(),
        equalTo("succeeded\t1"));
    // A run whose JVM was killed: running by its record, its JVM silent for ten minutes.
    long now = Instant.now().getEpochSecond();
    LocalServices.clickhouse(
        "INSERT INTO "
            + Sql.identifier(database)
            + ".datalake_runs FORMAT JSONEachRow\n"
            + "{\"run_id\":\"killed-run\",\"mode\":\"batch\",\"state\":\"running\","
            + "\"started_at\":"
            + (now - 900)
            + ",\"alive_at\":"
            + (now - 600)
            + ",\"_version\":1}");
    // The README's query of lost runs finds it, and not the batch that ended.
    assertThat(
        LocalServices.clickhouse(
                "SELECT run_id, started_at, alive_at FROM "
                    + Sql.identifier(database)
                    + ".datalake_runs FINAL"
                    + " WHERE state = 'running' AND alive_at < now() - INTERVAL 5 MINUTE"
                    + " FORMAT TSV")
            .strip(),
        startsWith("killed-run\t"));
    // ./datalake runs names it lost, and the batch as it ended.
    String printed =
        Launcher.run(120, "runs", "--clickhouseDatabase=" + database).orFail("runs").output();
    assertThat(
        printed,
        printed
            .lines()
            .filter(line -> line.contains("killed-run"))
            .anyMatch(line -> line.contains(" lost ")),
        equalTo(true));
    assertThat(printed, containsString(" succeeded "));
    // A warehouse no run has prepared: one line that says what to do, exit 1.
    Launcher.Result none = Launcher.run(120, "runs", "--clickhouseDatabase=" + database + "_none");
    assertThat(none.output(), none.exitCode(), equalTo(1));
    assertThat(none.output(), containsString("run the pipeline once with --clickhouseUrl"));
    assertThat(none.output(), not(containsString("\tat ")));

    String url = startUi();
    try (HeadlessChromium chromium = HeadlessChromium.start(temp.newFolder("chromium").toPath())) {
      chromium.navigate(url);
      // Two refreshes: the page drew every section and its timer runs.
      Await.until(
          "the page to refresh twice",
          60,
          250,
          () -> refreshes(chromium) >= 2,
          () -> "; errors: " + chromium.errors());
      Path shot = PROJECT.resolve("it/target/status-page.png");
      chromium.screenshot(shot);

      String freshness =
          chromium.evaluate("document.querySelector('#freshness').innerText").asText();
      for (String table : tables) {
        assertThat(freshness, containsString(table));
        assertThat(
            "sparkline of " + table,
            chromium
                .evaluate(
                    "document.querySelectorAll('#freshness tr[data-table=\""
                        + table
                        + "\"] svg.spark polyline').length")
                .asInt(),
            greaterThan(0));
      }
      assertThat(
          "freshness rows, one per table and tenant",
          chromium
              .evaluate("document.querySelectorAll('#freshness tr[data-table]').length")
              .asLong(),
          equalTo(
              LocalServices.clickhouseCount(
                  "SELECT count() FROM "
                      + Sql.identifier(database)
                      + "."
                      + FreshnessViews.TABLE_FRESHNESS)));
      // The samples' newest event time, in the page's UTC format.
      String newest =
          DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
              .withZone(ZoneOffset.UTC)
              .format(
                  Instant.ofEpochSecond(
                      LocalServices.clickhouseCount(
                          "SELECT toUInt32(max(newest_event_time)) FROM "
                              + Sql.identifier(database)
                              + "."
                              + FreshnessViews.TABLE_FRESHNESS)));
      assertThat(freshness, containsString(newest + " UTC"));
      for (String section : List.of("freshness", "dead-letters", "runs")) {
        assertThat(
            section + " says nothing is unreachable",
            chromium
                .evaluate("document.querySelector('#" + section + " .unavailable').hidden")
                .asBoolean(),
            equalTo(true));
      }
      String deadLetters =
          chromium.evaluate("document.querySelector('#dead-letters tbody').innerText").asText();
      assertThat(deadLetters, not(equalTo("")));

      // The batch's run, ended, with what it counted; the killed one lost.
      String runs = chromium.evaluate("document.querySelector('#runs tbody').innerText").asText();
      assertThat(runs, containsString("succeeded"));
      assertThat(runs, containsString("batch"));
      assertThat(
          chromium
              .evaluate("document.querySelector('#runs tr[data-run=\"killed-run\"]').innerText")
              .asText(),
          containsString("lost"));
      assertThat(
          "one row per recorded run",
          chromium.evaluate("document.querySelectorAll('#runs tr[data-run]').length").asLong(),
          equalTo(
              LocalServices.clickhouseCount(
                  "SELECT count() FROM " + Sql.identifier(database) + ".datalake_runs FINAL")));

      String jobs = chromium.evaluate("document.querySelector('#jobs').innerText").asText();
      JsonNode overview =
          chromium.evaluate("document.querySelector('#jobs .overview').textContent");
      if (overview.asText().isEmpty()) {
        assertThat(jobs, containsString("Unavailable: no cluster: Flink is not reachable at"));
        assertThat(jobs, containsString("No cluster."));
      } else {
        assertThat(overview.asText(), containsString("slots free"));
      }

      int nodes = Lineage.of(RecordKinds.builtIn()).nodes().size();
      int edges = Lineage.of(RecordKinds.builtIn()).edges().size();
      assertThat(
          chromium.evaluate("document.querySelectorAll('#lineage svg g.node').length").asInt(),
          equalTo(nodes));
      assertThat(
          chromium.evaluate("document.querySelectorAll('#lineage svg path.edge').length").asInt(),
          equalTo(edges));
      assertThat(
          chromium.evaluate("document.querySelector('#lineage').innerText").asText(),
          containsString("ClickHouse current_entities"));

      assertThat("console errors, failed loads, exceptions", chromium.errors(), empty());
      assertThat(Files.size(shot), greaterThan(10_000L));
      System.out.printf(
          "StatusPageIT: %d tables, %d lineage nodes, no console error; screenshot %s (%d bytes);"
              + " %d s in all%n",
          tables.size(),
          nodes,
          shot,
          Files.size(shot),
          TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start));
    }
  }

  /** {@code ./datalake ui --port 0} as a user starts it; returns the address it prints. */
  private String startUi() throws Exception {
    Path log = temp.newFile("ui.log").toPath();
    ui =
        new ProcessBuilder(
                PROJECT.resolve("datalake").toString(),
                "ui",
                "--port",
                "0",
                "--clickhouseUrl=" + LocalServices.clickhouseUrl(),
                "--clickhouseCredentialsFile=" + LocalServices.clickhouseCredentialsFile(),
                "--clickhouseDatabase=" + database)
            .directory(PROJECT.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
    while (System.nanoTime() < deadline) {
      Matcher m = URL.matcher(Files.readString(log));
      if (m.find()) {
        return m.group(1);
      }
      if (!ui.isAlive()) {
        throw new AssertionError(
            "./datalake ui exited " + ui.exitValue() + ":\n" + Files.readString(log));
      }
      Thread.sleep(200);
    }
    throw new AssertionError(
        "./datalake ui printed no address in 300 s:\n" + Files.readString(log));
  }

  /** How often the page has refreshed its sections (its {@code data-refreshes}). */
  private static int refreshes(HeadlessChromium chromium) {
    try {
      return chromium
          .evaluate("Number((document.body && document.body.dataset.refreshes) || 0)")
          .asInt();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
