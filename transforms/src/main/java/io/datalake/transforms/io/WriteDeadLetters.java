package io.datalake.transforms.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.transforms.model.DeadLetter;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.io.WriteFilesResult;
import org.apache.beam.sdk.transforms.Contextful;
import org.apache.beam.sdk.transforms.PTransform;
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
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String lake;
  private final String runId;

  public WriteDeadLetters(String lake, String runId) {
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
            .withNaming(folder -> FileIO.Write.defaultNaming(folder + "/" + prefix, ".jsonl"))
            .withNumShards(1));
  }
}
