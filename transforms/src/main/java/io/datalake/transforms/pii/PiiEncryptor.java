package io.datalake.transforms.pii;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.datalake.transforms.schema.StringifiedJson;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Applies a kind's PII paths to a parsed record, in place. Stringified JSON on the way is parsed
 * and left parsed (typing accepts both forms), so PII inside JSON text is encrypted too.
 */
public final class PiiEncryptor {
  private final PiiCipher cipher;

  public PiiEncryptor(PiiCipher cipher) {
    this.cipher = cipher;
  }

  public void encrypt(ObjectNode record, List<PiiPath> paths) {
    for (PiiPath path : paths) {
      apply(record, path.segments(), 0, false);
    }
  }

  /** Returns the node that replaces {@code node} (itself when changed in place). */
  private JsonNode apply(JsonNode node, List<PiiPath.Segment> segments, int index, boolean scalarsOnly) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return node;
    }
    if (index == segments.size()) {
      return leaf(node, scalarsOnly);
    }
    if (node.isTextual()) {
      JsonNode parsed = StringifiedJson.parseContainer(node.textValue());
      if (parsed == null) {
        return node;
      }
      node = parsed;
    }
    PiiPath.Segment segment = segments.get(index);
    if (segment.anyDepth()) {
      JsonNode here = apply(node, segments, index + 1, true);
      forEachChild(here, child -> apply(child, segments, index, true));
      return here;
    }
    if (node.isArray()) {
      // A key applied to an array applies to each of its elements.
      forEachChild(node, child -> apply(child, segments, index, scalarsOnly));
      return node;
    }
    if (!node.isObject()) {
      return node;
    }
    ObjectNode object = (ObjectNode) node;
    List<String> keys;
    if (segment.isName()) {
      // A plain name is looked up, not matched against every key of the object.
      keys = object.has(segment.pattern()) ? List.of(segment.pattern()) : List.of();
    } else {
      keys = new ArrayList<>();
      for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
        String key = it.next();
        if (segment.matches(key)) {
          keys.add(key);
        }
      }
    }
    for (String key : keys) {
      JsonNode child = object.get(key);
      JsonNode replaced;
      if (segment.eachElement()) {
        JsonNode array = child;
        if (child != null && child.isTextual()) {
          JsonNode parsed = StringifiedJson.parseContainer(child.textValue());
          array = parsed != null ? parsed : child;
        }
        if (array != null && array.isArray()) {
          forEachChild(array, element -> apply(element, segments, index + 1, scalarsOnly));
        }
        replaced = array;
      } else {
        replaced = apply(child, segments, index + 1, scalarsOnly);
      }
      if (replaced != child) {
        object.set(key, replaced);
      }
    }
    return object;
  }

  private JsonNode leaf(JsonNode node, boolean scalarsOnly) {
    if (node.isTextual()) {
      return TextNode.valueOf(cipher.encrypt(node.textValue()));
    }
    if (node.isContainerNode()) {
      // Scalars as text, so the raw (all strings) and the typed form of a value give one token.
      return scalarsOnly
          ? node
          : TextNode.valueOf(cipher.encrypt(StringifiedJson.scalarsAsStrings(node).toString()));
    }
    return TextNode.valueOf(cipher.encrypt(node.asText()));
  }

  private interface ChildFn {
    JsonNode apply(JsonNode child);
  }

  /** Applies fn to each child of an object or array, storing what it returns. */
  private static void forEachChild(JsonNode node, ChildFn fn) {
    if (node instanceof ArrayNode array) {
      for (int i = 0; i < array.size(); i++) {
        JsonNode child = array.get(i);
        JsonNode replaced = fn.apply(child);
        if (replaced != child) {
          array.set(i, replaced);
        }
      }
    } else if (node instanceof ObjectNode object) {
      // Replacing the value of an entry while iterating is not a structural change of the map,
      // so no copy of the entries is needed (this walk visits every node of a record).
      for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> entry = it.next();
        JsonNode replaced = fn.apply(entry.getValue());
        if (replaced != entry.getValue()) {
          entry.setValue(replaced == null ? object.nullNode() : replaced);
        }
      }
    }
  }
}
