package io.datalake.transforms.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.transforms.model.DeadLetter;
import java.util.Objects;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.io.WriteFilesResult;
import org.apache.beam.sdk.transforms.Contextful;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PCollection;

/**
 * Writes dead letters as JSON lines under {@code <lake>/_dead_letters/<kind>/}, one object per
 * rejected record, with the fields of {@link DeadLetter#STORED_FIELDS}: kind, step, error, source
 * (where it came from), the encrypted record and the rejecting warehouse table (null before it).
 * Named by run id like the lake files, so a rerun replaces rather than repeats them.
 */
public class WriteDeadLetters
    extends PTransform<PCollection<DeadLetter>, WriteFilesResult<String>> {
  public static final String FOLDER = "_dead_letters";

  /** Files per kind and pane: one, dead letters are few. */
  public static final int DEFAULT_SHARDS = 1;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String lake;
  private final String runId;

  /** Writes into {@code <lake>/_dead_letters/}, files named by run id. */
  public static WriteDeadLetters to(String lake, String runId) {
    return new WriteDeadLetters(
        Objects.requireNonNull(lake, "lake"), Objects.requireNonNull(runId, "runId"));
  }

  private WriteDeadLetters(String lake, String runId) {
    this.lake = lake;
    this.runId = runId;
  }

  public static String toJson(DeadLetter letter) {
    ObjectNode node = JSON.createObjectNode();
    for (DeadLetter.StoredField field : DeadLetter.STORED_FIELDS) {
      node.put(field.name(), field.value().apply(letter));
    }
    try {
      return JSON.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public WriteFilesResult<String> expand(PCollection<DeadLetter> letters) {
    String prefix = WriteLakeTables.filePrefix(runId);
    return letters.apply(
        "WriteJsonLines",
        FileIO.<String, DeadLetter>writeDynamic()
            .by(letter -> FOLDER + "/" + letter.kind)
            .withDestinationCoder(StringUtf8Coder.of())
            .via(Contextful.fn(WriteDeadLetters::toJson), TextIO.sink())
            .to(lake)
            .withNaming(folder -> LakeFileNaming.of(folder + "/" + prefix, ".jsonl"))
            .withNumShards(DEFAULT_SHARDS));
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("folder", lake + FOLDER + "/").withLabel("Dead letters"))
        .add(DisplayData.item("runId", runId).withLabel("Run id"))
        .add(DisplayData.item("shards", DEFAULT_SHARDS).withLabel("Files per kind and pane"));
  }
}
