package io.datalake.transforms.pii;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.datalake.transforms.kinds.RecordKind;
import io.datalake.transforms.kinds.RecordKinds;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.HashMap;
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
 *
 * <p>The built-in policy is the PII paths each kind declares ({@link RecordKind#piiPaths()}). A
 * policy file names kinds of its registry; the kinds it leaves out have no PII paths. Asking a
 * policy for a kind it was not made for fails: a kind of one's own gets no silent pass.
 */
public final class PiiPolicy implements Serializable {
  /** Kind name to its paths. */
  private final Map<String, List<PiiPath>> paths;

  private PiiPolicy(Map<String, List<PiiPath>> paths) {
    this.paths = paths;
  }

  /** The PII paths the built-in kinds declare. */
  public static PiiPolicy defaults() {
    return defaults(RecordKinds.builtIn());
  }

  /** The PII paths the kinds declare. */
  public static PiiPolicy defaults(RecordKinds kinds) {
    Map<String, List<PiiPath>> paths = new HashMap<>();
    for (RecordKind kind : kinds.all()) {
      paths.put(kind.name(), kind.piiPaths().stream().map(PiiPath::parse).toList());
    }
    return new PiiPolicy(paths);
  }

  /** The policy in a file on any Beam file system, or the built-in one for an empty location. */
  public static PiiPolicy load(String location) {
    return load(location, RecordKinds.builtIn());
  }

  /** The policy in a file naming kinds of {@code kinds}, or theirs for an empty location. */
  public static PiiPolicy load(String location, RecordKinds kinds) {
    if (location == null || location.isBlank()) {
      return defaults(kinds);
    }
    try (InputStream in =
        Channels.newInputStream(FileSystems.open(FileSystems.matchNewResource(location, false)))) {
      return parse(in, kinds);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "Cannot read the PII policy at " + location + ": " + e.getMessage(), e);
    }
  }

  static PiiPolicy parse(InputStream in, RecordKinds kinds) throws IOException {
    JsonNode root = new ObjectMapper().readTree(in);
    Map<String, List<PiiPath>> paths = new HashMap<>();
    for (RecordKind kind : kinds.all()) {
      paths.put(kind.name(), List.of());
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      if (entry.getKey().startsWith("//")) {
        continue; // a comment
      }
      RecordKind kind = kinds.byName(entry.getKey());
      List<PiiPath> list = new ArrayList<>();
      for (JsonNode path : entry.getValue()) {
        list.add(PiiPath.parse(path.asText()));
      }
      paths.put(kind.name(), List.copyOf(list));
    }
    return new PiiPolicy(paths);
  }

  public List<PiiPath> paths(RecordKind kind) {
    List<PiiPath> list = paths.get(kind.name());
    if (list == null) {
      throw new IllegalArgumentException(
          "The PII policy was made without kind "
              + kind.name()
              + ": make it with PiiPolicy.defaults(kinds) or load(location, kinds)");
    }
    return list;
  }
}
