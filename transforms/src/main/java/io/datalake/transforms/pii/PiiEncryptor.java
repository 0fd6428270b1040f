package io.datalake.transforms.pii;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.datalake.transforms.schema.StringifiedJson;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Applies a kind's PII paths to a parsed record, in place, in one walk for all paths: each node is
 * visited once with every path position that reaches it, so a value that several paths name
 * ({@code **.email} and {@code clientProfileData.email}) is encrypted exactly once, and a source
 * value that happens to look like a token ({@code pii:...}) is encrypted like any other.
 *
 * <p>Stringified JSON on the way is parsed and left parsed (typing accepts both forms), so PII
 * inside JSON text is encrypted too. <b>Text a path cannot follow is encrypted whole</b>: where a
 * path needs to look inside a string that is not a JSON object or array (broken JSON such as
 * {@code {"ip": "203.0.113.99", broken}, or plain text where the path expects JSON), the value on
 * the path cannot be found, so the whole string becomes one token instead of being stored as it
 * is. The record is kept (it is otherwise fine, and free-form fields such as journey {@code
 * details} come from browsers), nothing is stored in plaintext, and the key holder can still read
 * it. Under {@code **}, which looks at every string, only strings that start like JSON ({@code {}
 * or {@code [}) and do not parse are encrypted so; blank strings are left alone.
 */
public final class PiiEncryptor {
  private final PiiCipher cipher;

  public PiiEncryptor(PiiCipher cipher) {
    this.cipher = cipher;
  }

  public void encrypt(ObjectNode record, List<PiiPath> paths) {
    if (paths.isEmpty()) {
      return;
    }
    List<Step> steps = new ArrayList<>(paths.size());
    for (PiiPath path : paths) {
      steps.add(new Step(path.segments(), 0, false, false, false));
    }
    walk(record, steps, 1);
  }

  /**
   * A position in one path: {@code segments[index..]} remain to be matched from the node it is at.
   *
   * @param scalarsOnly the path went through {@code **}: a container it ends on is not encrypted
   *     whole (its scalars are, as the walk goes on)
   * @param speculative the position was reached by {@code **} looking at every node, not by a
   *     name: the node need not be JSON for the path to be followed
   * @param elements the position applies to each element when the node is an array ({@code name[]})
   */
  private record Step(
      List<PiiPath.Segment> segments, int index, boolean scalarsOnly, boolean speculative, boolean elements) {
    boolean terminal() {
      return index == segments.size();
    }

    boolean anyDepth() {
      return index < segments.size() && segments.get(index).anyDepth();
    }

    PiiPath.Segment segment() {
      return segments.get(index);
    }

    /** The position at the child whose key this step's segment matched. */
    Step advance() {
      return new Step(segments, index + 1, scalarsOnly, false, segment().eachElement());
    }

    /** The position a {@code **} step hands to every child. */
    Step anyDepthChild() {
      return new Step(segments, index, true, true, false);
    }

    Step withoutElements() {
      return new Step(segments, index, scalarsOnly, speculative, false);
    }
  }

  /**
   * Visits {@code node}, at {@code depth} in the record (the record is 1), with the path positions
   * that reach it; returns the node that replaces it (itself when changed in place or unchanged).
   */
  private JsonNode walk(JsonNode node, List<Step> steps, int depth) {
    if (node == null || node.isNull() || node.isMissingNode() || steps.isEmpty()) {
      return node;
    }
    List<Step> forElements = null;
    if (hasElementSteps(steps)) {
      // name[]: each element of an array, or the value itself when it is not an array.
      if (node.isTextual()) {
        JsonNode parsed = StringifiedJson.parseContainer(node.textValue(), depth);
        node = parsed != null ? parsed : node;
      }
      List<Step> here = new ArrayList<>(steps.size());
      for (Step step : steps) {
        if (!step.elements()) {
          here.add(step);
        } else if (node.isArray()) {
          forElements = add(forElements, step.withoutElements());
        } else {
          here.add(step.withoutElements());
        }
      }
      steps = here;
    }
    steps = closeOverAnyDepth(steps);

    boolean terminal = false;
    boolean whole = false;
    boolean descends = forElements != null;
    boolean needsJson = false;
    for (Step step : steps) {
      if (step.terminal()) {
        terminal = true;
        whole |= !step.scalarsOnly();
      } else {
        descends = true;
        needsJson |= !step.speculative();
      }
    }
    if (node.isValueNode()) {
      if (terminal) {
        return TextNode.valueOf(cipher.encrypt(node.isTextual() ? node.textValue() : node.asText()));
      }
      if (!node.isTextual() || !descends || node.textValue().isBlank()) {
        return node;
      }
      String text = node.textValue();
      JsonNode parsed = StringifiedJson.parseContainer(text, depth);
      if (parsed == null) {
        return needsJson || StringifiedJson.looksLikeContainer(text)
            ? TextNode.valueOf(cipher.encrypt(text))
            : node;
      }
      node = parsed;
    } else if (whole) {
      // Scalars as text, so the raw (all strings) and the typed form of a value give one token.
      return TextNode.valueOf(cipher.encrypt(StringifiedJson.scalarsAsStrings(node).toString()));
    }
    if (!descends) {
      return node;
    }

    // Positions every child gets (** looks everywhere; a name applied to an array applies to
    // each element), and positions that select children by key.
    List<Step> inherited = forElements;
    Map<String, List<Step>> byName = null;
    List<Step> patterns = null;
    for (Step step : steps) {
      if (step.terminal()) {
        continue;
      }
      if (step.anyDepth()) {
        inherited = add(inherited, step.anyDepthChild());
      } else if (node.isArray()) {
        inherited = add(inherited, step);
      } else if (step.segment().isName()) {
        if (byName == null) {
          byName = new HashMap<>();
        }
        byName.computeIfAbsent(step.segment().pattern(), k -> new ArrayList<>(2)).add(step.advance());
      } else {
        patterns = add(patterns, step);
      }
    }
    if (node instanceof ArrayNode array) {
      if (inherited != null) {
        for (int i = 0; i < array.size(); i++) {
          JsonNode child = array.get(i);
          JsonNode replaced = walk(child, inherited, depth + 1);
          if (replaced != child) {
            array.set(i, replaced);
          }
        }
      }
    } else if (node instanceof ObjectNode object) {
      if (inherited == null && patterns == null) {
        if (byName != null) {
          // Only names: look them up instead of visiting every key.
          for (Map.Entry<String, List<Step>> named : byName.entrySet()) {
            JsonNode child = object.get(named.getKey());
            JsonNode replaced = walk(child, named.getValue(), depth + 1);
            if (replaced != child) {
              object.set(named.getKey(), replaced);
            }
          }
        }
      } else {
        // Replacing the value of an entry while iterating is not a structural change of the map,
        // so no copy of the entries is needed (this walk visits every node of a record).
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> entry = it.next();
          List<Step> childSteps = stepsForKey(entry.getKey(), inherited, byName, patterns);
          JsonNode child = entry.getValue();
          JsonNode replaced = walk(child, childSteps, depth + 1);
          if (replaced != child) {
            entry.setValue(replaced == null ? object.nullNode() : replaced);
          }
        }
      }
    }
    return node;
  }

  private static List<Step> stepsForKey(
      String key, List<Step> inherited, Map<String, List<Step>> byName, List<Step> patterns) {
    List<Step> named = byName == null ? null : byName.get(key);
    if (named == null && patterns == null) {
      return inherited == null ? List.of() : inherited;
    }
    List<Step> steps = new ArrayList<>();
    if (inherited != null) {
      steps.addAll(inherited);
    }
    if (named != null) {
      steps.addAll(named);
    }
    if (patterns != null) {
      for (Step step : patterns) {
        if (step.segment().matches(key)) {
          steps.add(step.advance());
        }
      }
    }
    return steps;
  }

  /** Adds, for each {@code **} position, the position after it at the same node (zero keys). */
  private static List<Step> closeOverAnyDepth(List<Step> steps) {
    List<Step> out = null;
    for (int i = 0; i < (out == null ? steps.size() : out.size()); i++) {
      Step step = out == null ? steps.get(i) : out.get(i);
      if (step.anyDepth()) {
        if (out == null) {
          out = new ArrayList<>(steps);
        }
        out.add(new Step(step.segments(), step.index() + 1, true, true, false));
      }
    }
    return out == null ? steps : out;
  }

  private static boolean hasElementSteps(List<Step> steps) {
    for (Step step : steps) {
      if (step.elements()) {
        return true;
      }
    }
    return false;
  }

  private static List<Step> add(List<Step> list, Step step) {
    List<Step> out = list == null ? new ArrayList<>(4) : list;
    out.add(step);
    return out;
  }
}
