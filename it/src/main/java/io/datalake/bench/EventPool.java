package io.datalake.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.datalake.pipelines.cli.EventGenerator;
import io.datalake.transforms.kinds.EntityOperations;
import io.datalake.transforms.kinds.RecordKind;
import io.datalake.transforms.kinds.RecordKinds;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;

/**
 * The benchmark's producer: events of {@link EventGenerator} made once as text, with their id and
 * event time cut out, then filled in for each event sent. Making every event afresh (a deep copy of
 * a 14 KB order, then serializing it) took half a core of the benchmark JVM at 2,000 events/s, on
 * the same two cores as the pipeline it measures; a producer in production runs elsewhere. Each
 * pooled event keeps its own out-of-orderness (0-20 s before the send time), tenant and PII values;
 * ids are those of the event number, as {@code ids} gives them.
 */
final class EventPool {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The generator's clock while pooling: event times fall just before it, so they are found. */
  private static final Instant POOL_CLOCK = Instant.parse("1971-01-01T00:00:00Z");

  /** What goes between two parts of a pooled event. */
  private enum Slot {
    ID,
    EVENT_TIME,
    ACTIVITY_ID
  }

  /**
   * One pooled event: its text split around its id, event time and (entity operations) activity id.
   */
  private record Template(
      RecordKind kind, List<String> parts, List<Slot> slots, long millisBeforeSend) {}

  private final Template[] templates;
  private final int perKind;
  private final LongFunction<String> ids;

  EventPool(Path samples, long seed, int perKind, LongFunction<String> ids) throws IOException {
    this.perKind = perKind;
    this.ids = ids;
    int kinds = RecordKinds.builtIn().all().size();
    LongFunction<String> poolIds = i -> String.format("00000000-0000-4000-8000-%012d", i);
    EventGenerator generator = new EventGenerator(samples, seed, () -> POOL_CLOCK, poolIds, true);
    templates = new Template[perKind * kinds];
    for (int i = 0; i < templates.length; i++) {
      EventGenerator.Event e = generator.next(i, 0, 0);
      String idText = EventGenerator.recordId(i, poolIds.apply(i));
      String timeText = JSON.readTree(e.value()).path(e.kind().eventTimeField()).asText();
      long millisBefore = POOL_CLOCK.toEpochMilli() - Instant.parse(timeText).toEpochMilli();
      Map<Slot, String> slots = new EnumMap<>(Slot.class);
      slots.put(Slot.ID, idText);
      slots.put(Slot.EVENT_TIME, timeText);
      if (e.kind() == EntityOperations.KIND) {
        slots.put(Slot.ACTIVITY_ID, EntityOperations.activityId(i, idText));
      }
      templates[i] = split(e.kind(), e.value(), slots, millisBefore);
    }
  }

  /** The event's text cut at each (quoted) slot value; every slot must be found. */
  private static Template split(
      RecordKind kind, String text, Map<Slot, String> slots, long millisBefore) {
    List<String> parts = new ArrayList<>();
    List<Slot> found = new ArrayList<>();
    int from = 0;
    while (true) {
      Slot next = null;
      int nextAt = Integer.MAX_VALUE;
      for (Map.Entry<Slot, String> slot : slots.entrySet()) {
        int at = text.indexOf("\"" + slot.getValue() + "\"", from);
        if (at >= 0 && at < nextAt) {
          next = slot.getKey();
          nextAt = at;
        }
      }
      if (next == null) {
        break;
      }
      parts.add(text.substring(from, nextAt));
      found.add(next);
      from = nextAt + slots.get(next).length() + 2;
    }
    parts.add(text.substring(from));
    if (!found.containsAll(slots.keySet())) {
      throw new IllegalStateException(
          "a pooled " + kind + " event lost one of " + slots.keySet() + ": " + found);
    }
    return new Template(kind, List.copyOf(parts), List.copyOf(found), millisBefore);
  }

  /**
   * Event {@code n}, of kind {@code n} mod 7 as the generator's, with its time before {@code now}.
   */
  EventGenerator.Event next(long n, Instant now) {
    int kinds = RecordKinds.builtIn().all().size();
    Template t = templates[(int) ((n / kinds) % perKind) * kinds + (int) (n % kinds)];
    String id = ids.apply(n);
    String time = now.minusMillis(t.millisBeforeSend()).toString();
    StringBuilder text = new StringBuilder(t.parts().get(0).length() * 2 + 256);
    text.append(t.parts().get(0));
    for (int i = 0; i < t.slots().size(); i++) {
      String value =
          switch (t.slots().get(i)) {
            case ID -> id;
            case EVENT_TIME -> time;
            case ACTIVITY_ID -> EntityOperations.activityId(n, id);
          };
      text.append('"').append(value).append('"').append(t.parts().get(i + 1));
    }
    return new EventGenerator.Event(t.kind(), id, text.toString());
  }
}
