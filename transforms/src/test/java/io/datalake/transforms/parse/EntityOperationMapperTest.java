package io.datalake.transforms.parse;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.transforms.Fixtures;
import io.datalake.transforms.kinds.EntityOperations;
import io.datalake.transforms.model.LakeRow;
import io.datalake.transforms.model.SourceRecord;
import io.datalake.transforms.pii.PiiKeyset;
import io.datalake.transforms.pii.PiiPolicy;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.junit.Rule;
import org.junit.Test;

/**
 * The {@code journey_source} column: {@code detail.payload.source.title}, exactly that path, which
 * the documented queries read with {@code JSONExtractString(detail, 'payload', 'source', 'title')}.
 */
public class EntityOperationMapperTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  private static ObjectNode payload(String json) {
    try {
      return (ObjectNode) JSON.readTree(json);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static ObjectNode operation(String entity, JsonNode payload, boolean stringified) {
    return Fixtures.entityOperation(
        "739224", entity, "createEntity", "2024-01-05T10:00:00.000Z", payload, stringified);
  }

  private static String journeySource(ObjectNode envelope) throws Exception {
    MappedRecord mapped = new EntityOperationMapper(EntityOperations.OPERATIONS).map(envelope);
    JsonNode value = mapped.rows().get(0).json().get(EntityOperationMapper.JOURNEY_SOURCE);
    return value == null || value.isNull() ? null : value.textValue();
  }

  @Test
  public void theTitleOfPayloadSourceIsTaken() throws Exception {
    assertThat(
        journeySource(
            operation("o-1", payload("{\"source\":{\"title\":\"Website Journey\"}}"), true)),
        equalTo("Website Journey"));
    assertThat(
        journeySource(
            operation("o-1", payload("{\"source\":{\"title\":\"Website Journey\"}}"), false)),
        equalTo("Website Journey"));
  }

  /**
   * {@code visitParamExtractRaw(detail, 'source')} takes the first {@code "source"} key at any
   * depth: here that of the assignee (and of the consent events), not the payload's own.
   */
  @Test
  public void anEarlierNestedSourceKeyIsNotTheJourneySource() throws Exception {
    ObjectNode p =
        payload(
            "{\"assignees\":{\"$relation\":[{\"entity_id\":\"u-1\",\"source\":{\"title\":\"CRM"
                + " import\",\"href\":\"/imports/3\"}}]},"
                + "\"consent_email_marketing\":{\"events\":[{\"source\":\"consent-api\"}]},"
                + "\"source\":{\"title\":\"Solar Check Journey\",\"href\":\"/journeys/2\"}}");
    ObjectNode envelope = operation("o-2", p, true);
    assertThat(journeySource(envelope), equalTo("Solar Check Journey"));
    // A source key of the detail itself, beside the payload, is not it either.
    ObjectNode detail = (ObjectNode) JSON.readTree(envelope.get("detail").textValue());
    detail.putObject("source").put("title", "Not the journey");
    envelope.put("detail", detail.toString());
    assertThat(journeySource(envelope), equalTo("Solar Check Journey"));
  }

  @Test
  public void noSourceOrNoTitleGiveNull() throws Exception {
    for (String p :
        List.of(
            "{\"status\":\"open\"}",
            "{\"assignees\":{\"source\":{\"title\":\"CRM import\"}}}",
            "{\"source\":{\"href\":\"/journeys/2\"}}",
            "{\"source\":{\"title\":null}}",
            "{\"source\":\"Website Journey\"}",
            "{\"source\":[{\"title\":\"Website Journey\"}]}")) {
      assertThat(p, journeySource(operation("o-3", payload(p), true)), nullValue());
    }
    assertThat("no payload", journeySource(operation("o-4", JSON.nullNode(), false)), nullValue());
  }

  /**
   * A payload that arrives as JSON text is stored as the object it holds, so that the stored
   * detail's {@code JSONExtractString(detail, 'payload', 'source', 'title')} and the column agree.
   */
  @Test
  public void aPayloadSentAsJsonTextIsStoredAsItsObjectAndFollowed() throws Exception {
    ObjectNode envelope =
        operation(
            "o-4",
            JSON.getNodeFactory().textNode("{\"source\":{\"title\":\"Website Journey\"}}"),
            false);
    MappedRecord mapped = new EntityOperationMapper(EntityOperations.OPERATIONS).map(envelope);
    JsonNode row = mapped.rows().get(0).json();
    assertThat(
        row.get(EntityOperationMapper.JOURNEY_SOURCE).textValue(), equalTo("Website Journey"));
    assertThat(
        row.get("detail").get("payload").toString(),
        equalTo("{\"source\":{\"title\":\"Website Journey\"}}"));
  }

  /** As JSONExtractString returns them on current servers (measured on 26.7): their JSON text. */
  @Test
  public void aNonStringTitleIsItsJsonText() throws Exception {
    assertThat(
        journeySource(operation("o-3", payload("{\"source\":{\"title\":42}}"), true)),
        equalTo("42"));
    assertThat(
        journeySource(operation("o-3", payload("{\"source\":{\"title\":true}}"), true)),
        equalTo("true"));
    assertThat(
        journeySource(
            operation("o-3", payload("{\"source\":{\"title\":{ \"de\" : \"Website\"}}}"), true)),
        equalTo("{\"de\":\"Website\"}"));
  }

  @Test
  public void aTitleIsKeptAsItIs() throws Exception {
    assertThat(
        journeySource(
            operation("o-5", payload("{\"source\":{\"title\":\" Ä \\\"x\\\" \"}}"), true)),
        equalTo(" Ä \"x\" "));
  }

  /** The typed lake row has the column (declared, so not in {@code _extra}). */
  @Test
  public void theLakeRowHasTheColumn() {
    List<SourceRecord> records =
        List.of(
            Fixtures.record(
                EntityOperations.KIND,
                "ops:1",
                operation("o-6", payload("{\"source\":{\"title\":\"Website Journey\"}}"), true)),
            Fixtures.record(
                EntityOperations.KIND, "ops:2", operation("o-7", payload("{\"a\":1}"), false)));
    PCollectionTuple out =
        pipeline
            .apply(Create.of(records).withCoder(SourceRecord.Coder.of()))
            .apply(ParseRecords.of(PiiKeyset.development(), PiiPolicy.defaults()));
    PAssert.that(out.get(ParseRecords.DEAD_LETTERS)).empty();
    PAssert.that(out.get(ParseRecords.ROWS))
        .satisfies(
            rows -> {
              List<String> values = new ArrayList<>();
              for (LakeRow row : rows) {
                Object value = row.record().get("journey_source");
                values.add(value == null ? "null" : value.toString());
                assertThat(row.record().get("_extra"), nullValue());
              }
              assertThat(values, containsInAnyOrder("Website Journey", "null"));
              return null;
            });
    pipeline.run();
  }
}
