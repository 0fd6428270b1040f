package io.datalake.transforms.stream;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.datalake.transforms.kinds.RecordKind;
import io.datalake.transforms.schema.Timestamps;
import java.io.IOException;
import org.joda.time.Instant;

/**
 * Reads a record's event time from its raw bytes without building the tree: a streaming scan for
 * the kind's top-level time field. Used by the Kafka watermark, so it must be cheap; the full parse
 * comes later.
 */
public final class EventTimes {
  private static final JsonFactory JSON = new JsonFactory();

  private EventTimes() {}

  /** The event time, or null when the record has none that parses. */
  public static Instant of(RecordKind kind, byte[] record) {
    if (record == null) {
      return null;
    }
    try (JsonParser parser = JSON.createParser(record)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      JsonToken token;
      while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        JsonToken value = parser.nextToken();
        if (name.equals(kind.eventTimeField()) && value == JsonToken.VALUE_STRING) {
          java.time.Instant time = Timestamps.parse(parser.getText());
          // A time the parse step rejects (years outside 1-9999) must not become a Kafka
          // timestamp either: Beam refuses timestamps after the year 294247.
          return Timestamps.isStorable(time) ? new Instant(time.toEpochMilli()) : null;
        }
        parser.skipChildren();
      }
      return null;
    } catch (IOException | RuntimeException e) {
      // Any failure, a bug in a time parser included, means "no event time here": this runs in
      // the Kafka reader, where an exception would stop the stream on this record forever; the
      // parse step reads the record again and dead-letters what is wrong with it.
      return null;
    }
  }
}
