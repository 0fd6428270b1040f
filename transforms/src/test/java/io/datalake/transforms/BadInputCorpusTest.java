package io.datalake.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;

import io.datalake.transforms.io.ReadJsonLines;
import io.datalake.transforms.model.DeadLetter;
import io.datalake.transforms.model.LakeRow;
import io.datalake.transforms.model.TenantId;
import io.datalake.transforms.parse.DroppedFields;
import io.datalake.transforms.parse.ParseRecords;
import io.datalake.transforms.pii.PiiKeyset;
import io.datalake.transforms.pii.PiiPolicy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.junit.Rule;
import org.junit.Test;

/**
 * Reads the bad-input corpus ({@link BadInputCorpus}) as the batch does and parses it: every bad
 * line is exactly one dead letter at its file:line with the expected step and reason, every good
 * line becomes rows, and no PII plaintext is in any row or dead letter.
 */
public class BadInputCorpusTest {
  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  @Test
  public void corpusHasAtLeastSixtyKindsOfBadLines() {
    Map<String, BadInputCorpus.BadLine> bad = BadInputCorpus.badLines(BadInputCorpus.root());
    assertThat(bad.size(), greaterThanOrEqualTo(60));
    assertThat(BadInputCorpus.goodIds(BadInputCorpus.root()).size(), greaterThanOrEqualTo(15));
  }

  @Test
  public void everyBadLineIsOneDeadLetterAndEveryGoodLineRows() {
    Path root = BadInputCorpus.root();
    Map<String, BadInputCorpus.BadLine> bad = BadInputCorpus.badLines(root);
    Set<String> goodIds = BadInputCorpus.goodIds(root);
    PCollectionTuple out =
        pipeline
            .apply(
                ReadJsonLines.from(root.toString())
                    .withMaxRecordBytes(BadInputCorpus.MAX_RECORD_BYTES))
            .apply(
                ParseRecords.of(PiiKeyset.development(), PiiPolicy.defaults())
                    .withDroppedFields(DroppedFields.parse("checkout-orders:customData")));
    PAssert.that(out.get(ParseRecords.DEAD_LETTERS))
        .satisfies(
            letters -> {
              List<String[]> got = new ArrayList<>();
              for (DeadLetter letter : letters) {
                got.add(new String[] {letter.source, letter.step, letter.error});
                String all = letter.toString() + " " + letter.encryptedRecord;
                for (String pii : BadInputCorpus.PII) {
                  assertThat("PII in " + letter, all.contains(pii), equalTo(false));
                }
              }
              assertThat(BadInputCorpus.checkDeadLetters(bad, got), empty());
              return null;
            });
    PAssert.that(out.get(ParseRecords.ROWS))
        .satisfies(
            rows -> {
              List<String> ids = new ArrayList<>();
              for (LakeRow row : rows) {
                String text = row.record().toString();
                for (String pii : BadInputCorpus.PII) {
                  assertThat("PII in a row of " + row.table(), text.contains(pii), equalTo(false));
                }
                assertThat("tenant " + row.tenant(), TenantId.isValid(row.tenant()), equalTo(true));
                assertThat(
                    "org_id is the tenant",
                    row.record().get("org_id").toString(),
                    equalTo(row.tenant()));
                String column = BadInputCorpus.ID_COLUMN.get(row.table());
                if (column != null) {
                  String id = BadInputCorpus.goodId(row.record().get(column).toString());
                  ids.add(id == null ? row.table() + ":" + row.record().get(column) : id);
                }
              }
              assertThat("one main row per good line: " + ids, ids.size(), equalTo(goodIds.size()));
              assertThat(new TreeSet<>(ids), equalTo(goodIds));
              return null;
            });
    pipeline.run();
  }
}
