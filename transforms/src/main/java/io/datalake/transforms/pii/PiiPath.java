package io.datalake.transforms.pii;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/** One parsed path of a {@link PiiPolicy}. */
public record PiiPath(String text, List<Segment> segments) implements Serializable {

  /**
   * One key of a path: a name or pattern, optionally walking array elements ({@code []}). Keys
   * match in any case: a source that writes {@code Email} or {@code ClientProfileData} holds the
   * same PII as one that writes {@code email}.
   */
  public record Segment(String pattern, boolean eachElement, boolean anyDepth)
      implements Serializable {
    /** Whether this segment is one plain key, without a wildcard. */
    boolean isName() {
      return !anyDepth && !pattern.endsWith("*");
    }

    /** Whether {@code key} matches, in any case of ASCII letters ({@code Email}, {@code IP}). */
    boolean matches(String key) {
      if (pattern.equals("*")) {
        return true;
      }
      if (pattern.endsWith("*")) {
        int prefix = pattern.length() - 1;
        return key.regionMatches(true, 0, pattern, 0, prefix);
      }
      return pattern.equalsIgnoreCase(key);
    }
  }

  public static PiiPath parse(String text) {
    List<Segment> segments = new ArrayList<>();
    for (String part : text.split("\\.")) {
      if (part.isEmpty()) {
        throw new IllegalArgumentException("Empty key in PII path '" + text + "'");
      }
      if (part.equals("**")) {
        segments.add(new Segment("**", false, true));
      } else if (part.endsWith("[]")) {
        segments.add(new Segment(part.substring(0, part.length() - 2), true, false));
      } else {
        segments.add(new Segment(part, false, false));
      }
    }
    if (segments.get(segments.size() - 1).anyDepth()) {
      throw new IllegalArgumentException("PII path '" + text + "' cannot end with **");
    }
    return new PiiPath(text, List.copyOf(segments));
  }
}
