package io.datalake.transforms.model;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.junit.Test;

/**
 * A dead letter's coder: deterministic, and it keeps every field, null ones included; a sink's
 * refusals are told apart by their rows.
 */
public class DeadLetterTest {
  @Test
  public void theCoderIsDeterministicAndKeepsTheTableTheTenantAndNulls() throws Exception {
    Coder<DeadLetter> coder = CoderRegistry.createDefault().getCoder(DeadLetter.class);
    coder.verifyDeterministic();
    for (DeadLetter letter :
        new DeadLetter[] {
          new DeadLetter("journey-events", "parse", "not JSON", "f.jsonl:1", null),
          new DeadLetter(
              "journey-events",
              "clickhouse",
              "journey_events: x",
              "clickhouse:j:1",
              "enc",
              "journey_events"),
          new DeadLetter("journey-events", "type", "x", "f.jsonl:2", "enc").withTenant("739224")
        }) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      coder.encode(letter, out);
      DeadLetter decoded = coder.decode(new ByteArrayInputStream(out.toByteArray()));
      assertThat(decoded, equalTo(letter));
      assertThat(decoded.table, equalTo(letter.table));
      assertThat(decoded.tenant, equalTo(letter.tenant));
    }
  }

  @Test
  public void twoRowsRefusedAtOneKeyHaveTwoSourcesAndOneRowRefusedAgainHasOne() {
    String where = "clickhouse:current_entities:org-a/e-1";
    String first = DeadLetter.sinkSource(where, "{\"entity_id\": \"e-1\", \"op\": \"create\"}");
    String second = DeadLetter.sinkSource(where, "{\"entity_id\": \"e-1\", \"op\": \"delete\"}");
    assertThat(first, matchesPattern("clickhouse:current_entities:org-a/e-1#[0-9a-f]{12}"));
    assertThat(second, not(equalTo(first)));
    assertThat(
        DeadLetter.sinkSource(where, "{\"entity_id\": \"e-1\", \"op\": \"create\"}"),
        equalTo(first));
  }
}
