package io.datalake.transforms.pii;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.datalake.transforms.model.EventKind;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.io.FileSystems;

/**
 * Which fields hold PII, per kind: a JSON file {@code {"<kind>": ["path", ...]}}. A path is a
 * dot-separated list of keys into the record, descending into stringified JSON as into objects:
 * {@code name[]} walks every element of an array, {@code *} matches any key and {@code consent_*}
 * any key with that start, {@code **} any depth (it encrypts scalars only). A path that ends on an
 * object or array encrypts its whole JSON text as one token.
 */
public final class PiiPolicy implements Serializable {
  private static final String DEFAULT_RESOURCE = "/pii/default-policy.json";

  private final Map<EventKind, List<PiiPath>> paths;

  private PiiPolicy(Map<EventKind, List<PiiPath>> paths) {
    this.paths = paths;
  }

  public static PiiPolicy defaults() {
    try (InputStream in = PiiPolicy.class.getResourceAsStream(DEFAULT_RESOURCE)) {
      return parse(in);
    } catch (IOException e) {
      throw new IllegalStateException("The built-in PII policy is missing", e);
    }
  }

  /** The policy in a file on any Beam file system, or the built-in one for an empty location. */
  public static PiiPolicy load(String location) {
    if (location == null || location.isBlank()) {
      return defaults();
    }
    try (InputStream in =
        Channels.newInputStream(FileSystems.open(FileSystems.matchNewResource(location, false)))) {
      return parse(in);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "Cannot read the PII policy at " + location + ": " + e.getMessage(), e);
    }
  }

  static PiiPolicy parse(InputStream in) throws IOException {
    JsonNode root = new ObjectMapper().readTree(in);
    Map<EventKind, List<PiiPath>> paths = new EnumMap<>(EventKind.class);
    for (EventKind kind : EventKind.values()) {
      paths.put(kind, List.of());
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      if (entry.getKey().startsWith("//")) {
        continue; // a comment
      }
      EventKind kind = EventKind.fromFolder(entry.getKey());
      List<PiiPath> list = new ArrayList<>();
      for (JsonNode path : entry.getValue()) {
        list.add(PiiPath.parse(path.asText()));
      }
      paths.put(kind, List.copyOf(list));
    }
    return new PiiPolicy(paths);
  }

  public List<PiiPath> paths(EventKind kind) {
    return paths.get(kind);
  }
}
