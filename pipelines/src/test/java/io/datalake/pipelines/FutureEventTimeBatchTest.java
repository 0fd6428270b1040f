package io.datalake.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.datalake.options.DatalakeOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** A batch run over records dated ahead of the clock: dead letters, and the run still balances. */
public class FutureEventTimeBatchTest {
  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  private static String journeyEvent(String id, Instant time) {
    return "{\"id\":\""
        + id
        + "\",\"org_id\":\"739224\",\"session_id\":\"s\",\"journey_id\":\"j\",\"type\":\"journey_submit\","
        + "\"details\":\"{\\\"step\\\":1}\",\"created_at\":\""
        + time
        + "\"}";
  }

  @Test
  public void recordsTooFarAheadAreDeadLettersOfTheParseStep() throws Exception {
    Path input = temp.newFolder("input").toPath();
    Path journeys = Files.createDirectories(input.resolve("journey-events"));
    Instant now = Instant.now();
    Files.write(
        journeys.resolve("events.jsonl"),
        List.of(
            journeyEvent("today", now),
            journeyEvent("in-2099", Instant.parse("2099-01-01T00:00:00Z")),
            journeyEvent("in-an-hour", now.plus(1, ChronoUnit.HOURS))));
    Path lake = temp.newFolder("lake").toPath();
    DatalakeOptions options =
        PipelineOptionsFactory.fromArgs(
                "--input=" + input,
                "--lake=" + lake,
                "--piiDevelopmentKeyset=true",
                "--maxFutureSeconds=600")
            .as(DatalakeOptions.class);
    // The run itself fails when its summary does not account for every record.
    assertThat(DatalakePipeline.run(options).getState(), equalTo(PipelineResult.State.DONE));

    List<String> letters = new ArrayList<>();
    try (Stream<Path> files = Files.walk(lake.resolve("_dead_letters"))) {
      for (Path file :
          files
              .filter(p -> p.toString().endsWith(".jsonl") && !p.toString().contains("/."))
              .toList()) {
        for (String line : Files.readAllLines(file)) {
          JsonNode letter = new ObjectMapper().readTree(line);
          letters.add(
              letter.get("source").asText().replaceAll(".*/", "")
                  + " "
                  + letter.get("step").asText()
                  + ": "
                  + letter.get("error").asText());
        }
      }
    }
    letters.sort(String::compareTo);
    assertThat(
        letters,
        equalTo(
            List.of(
                "events.jsonl:2 parse: created_at is more than 600 s ahead of the clock (--maxFutureSeconds)",
                "events.jsonl:3 parse: created_at is more than 600 s ahead of the clock (--maxFutureSeconds)")));
  }
}
