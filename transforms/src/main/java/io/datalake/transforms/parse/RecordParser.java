package io.datalake.transforms.parse;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.transforms.kinds.RecordKind;
import io.datalake.transforms.model.InputLimits;
import io.datalake.transforms.model.RecordRejectedException;
import io.datalake.transforms.pii.PiiEncryptor;
import io.datalake.transforms.pii.PiiPolicy;
import io.datalake.transforms.schema.JsonTyper;
import io.datalake.transforms.schema.LakeTable;
import io.datalake.transforms.schema.StringifiedJson;
import io.datalake.transforms.schema.Timestamps;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;

/**
 * The per-record work, without Beam: parse one JSON line, drop the configured fields, encrypt its
 * PII, reshape it into the rows of its tables and type each row. {@link ParseRecords} runs it in a
 * DoFn; the benchmark's plain-Java baseline runs the same code. Not thread-safe: one per worker.
 */
public final class RecordParser {
  /**
   * One JSON document per line: anything after it is an error, not ignored ({@link
   * InputLimits#jsonMapper}). Nesting and number length are bounded already while parsing.
   */
  private static final ObjectMapper JSON = InputLimits.jsonMapper(InputLimits.MAX_DEPTH);

  private final PiiEncryptor encryptor;
  private final PiiPolicy policy;
  private final DroppedFields droppedFields;

  /** Each kind's mapper, made on its kind's first record: any kind given is handled. */
  private final Map<RecordKind, RecordMapper> mappers = new HashMap<>();

  public RecordParser(PiiEncryptor encryptor, PiiPolicy policy, DroppedFields droppedFields) {
    this.encryptor = encryptor;
    this.policy = policy;
    this.droppedFields = droppedFields;
  }

  /** A record as typed rows of its tables, with its tenant and event time. */
  public record ParsedRecord(String tenant, java.time.Instant eventTime, List<TypedRow> rows) {
    public long eventTimeMicros() {
      return Timestamps.toEpochMicros(eventTime);
    }
  }

  /** One typed row and the lake table it belongs to. */
  public record TypedRow(String table, GenericRecord record) {}

  /**
   * Parses, encrypts, maps and types one record; a record it cannot handle is rejected whole, also
   * one beyond {@link InputLimits} and one that would overflow the stack despite them.
   */
  public ParsedRecord parse(RecordKind kind, byte[] payload) throws RecordRejectedException {
    // Stringified JSON that several steps read (mapper and typing) is parsed once per record.
    try (StringifiedJson.Scope once = StringifiedJson.parseOnce()) {
      MappedRecord mapped = map(kind, payload);
      List<TypedRow> rows = new ArrayList<>(mapped.rows().size());
      try {
        for (MappedRecord.TableRow row : mapped.rows()) {
          GenericRecord typed =
              JsonTyper.toRecord(row.json(), row.table(), kind.jsonStyle(), row.depth());
          requireKey(row.table(), typed);
          rows.add(new TypedRow(row.table().name(), typed));
        }
      } catch (RecordRejectedException e) {
        // The tenant is known once mapped: a record refused from here on is its tenant's.
        throw e.ofTenant(mapped.tenant());
      }
      return new ParsedRecord(mapped.tenant(), mapped.eventTime(), rows);
    } catch (InputLimits.Exceeded e) {
      throw new RecordRejectedException("parse", e.getMessage());
    } catch (StackOverflowError e) {
      // The bounds should make this impossible; should one still be too deep for this thread's
      // stack, it is this record's fault and the stack is unwound here: one dead letter.
      throw new RecordRejectedException(
          "parse", "record too deeply nested to process (stack overflow)");
    }
  }

  /**
   * Refuses a row whose key is incomplete: a key column without a value, or with blank text. The
   * mappers require each id where they read it, naming its place in the record; this holds the rule
   * for every table, as the warehouse would refuse such a row (key columns are not Nullable) after
   * the lake took it, and would merge rows whose ids are blank.
   */
  private static void requireKey(LakeTable table, GenericRecord row)
      throws RecordRejectedException {
    for (String column : table.key()) {
      Object value = row.get(column);
      if (value == null || (value instanceof CharSequence text && text.toString().isBlank())) {
        throw new RecordRejectedException(
            Fields.STEP, table.name() + "." + column + " (part of the key) has no value");
      }
    }
  }

  private static boolean allObjects(JsonNode array) {
    for (JsonNode element : array) {
      if (!element.isObject()) {
        return false;
      }
    }
    return true;
  }

  private MappedRecord map(RecordKind kind, byte[] payload) throws RecordRejectedException {
    JsonNode node;
    try {
      node = JSON.readTree(payload);
    } catch (StreamConstraintsException e) {
      throw new RecordRejectedException("parse", InputLimits.of(e).getMessage());
    } catch (JsonProcessingException e) {
      throw new RecordRejectedException("parse", "invalid JSON: " + JsonErrors.describe(e));
    } catch (IOException e) {
      throw new RecordRejectedException(
          "parse", "unreadable record: " + e.getClass().getSimpleName());
    }
    if (node == null || node.isMissingNode()) {
      throw new RecordRejectedException("parse", "empty line");
    }
    if (node.isArray() && !node.isEmpty() && allObjects(node)) {
      // An API's list response (VTEX's orders feed, a search result) sent as one line.
      throw new RecordRejectedException(
          "parse",
          "expected a JSON object, got an array of "
              + node.size()
              + (node.size() == 1 ? " object" : " objects")
              + " (one record per line: a list is not a record)");
    }
    if (!node.isObject()) {
      throw new RecordRejectedException(
          "parse", "expected a JSON object, got " + node.getNodeType().name().toLowerCase());
    }
    ObjectNode record = (ObjectNode) node;
    droppedFields.apply(kind, record);
    encryptor.encrypt(record, policy.paths(kind), kind.routingFields());
    RecordMapper mapper = mappers.computeIfAbsent(kind, RecordKind::newMapper);
    try {
      return mapper.map(record);
    } catch (RecordRejectedException e) {
      throw e.ofTenant(Fields.tenantAt(record, kind.tenantField()));
    }
  }
}
