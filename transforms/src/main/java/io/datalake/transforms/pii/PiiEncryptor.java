package io.datalake.transforms.pii;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.datalake.transforms.schema.JsonText;
import io.datalake.transforms.schema.StringifiedJson;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

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
 * it. Under {@code **}, which looks at every string, only strings that start with {@code {} or
 * {@code [}, do not parse and could hide keys ({@link StringifiedJson#looksLikeBrokenDocument}) are
 * encrypted so; text that merely starts with a bracket and blank strings are left alone.
 *
 * <p>A key named at the end of a {@code **} path ({@code **.email}) is PII whatever its value's
 * shape: a scalar is encrypted, and an array or object keeps its shape with every scalar in it
 * encrypted ({@code "ip": ["203.0.113.7", "10.0.0.1"]} used to stay in plain text).
 *
 * <p>Speed: the walk runs for every record (PII was 13% of a streaming run's CPU). The sets of
 * path positions a node can be reached with are few for a policy, so each set's plan (what to do
 * at a node, which positions each child gets) is worked out once and reused, like a lazily built
 * automaton: at a node the walk does lookups, not list building. Not thread-safe: one per worker.
 */
public final class PiiEncryptor {
  private final PiiCipher cipher;

  /** Values encrypted so far: tells whether a walk below a node encrypted anything. */
  private long tokens;

  private static final int MAX_FOLDED_KEYS = 4096;

  /** Longer keys (a record may hold megabytes of key) are folded each time, not remembered. */
  private static final int MAX_REMEMBERED_KEY_LENGTH = 64;

  /**
   * The key under which epilot lists an attribute's related entities ({@code {"$relation":
   * [{"entity_id": ...}]}}). An attribute a {@code **} search names ({@code billing_address},
   * {@code contactEmail}) may hold relations; its scalars are encrypted, but not the {@link
   * #RELATION_ID_KEY} of an element of its relation list, an id that must still join. Anything else
   * in a relation (a label, tags) is encrypted as before, and a path that names the id does.
   */
  static final String RELATION_KEY = "$relation";

  /**
   * The key under which epilot lists references to parts of related entities ({@code
   * {"$relation_ref": [{"entity_id": ..., "_id": ..., "path": "address"}]}}, a contract's billing
   * address): its elements' {@link #RELATION_REF_ID_KEYS} stay readable as a relation's id does.
   */
  static final String RELATION_REF_KEY = "$relation_ref";

  /** The id of a related entity in an element of a {@link #RELATION_KEY} list. */
  static final String RELATION_ID_KEY = "entity_id";

  /**
   * What says which part of which entity an element of a {@link #RELATION_REF_KEY} list refers to:
   * the entity's id, the part's id and the attribute holding it ({@code address}).
   */
  static final Set<String> RELATION_REF_ID_KEYS = Set.of(RELATION_ID_KEY, "_id", "path");

  /**
   * What a node is to the relation rule: nothing, a relation list or an element of one, a reference
   * list or an element of one.
   */
  private enum Relation {
    NONE,
    LIST,
    ELEMENT,
    REF_LIST,
    REF_ELEMENT;

    /** What an element of this node is. */
    Relation element() {
      return switch (this) {
        case LIST -> ELEMENT;
        case REF_LIST -> REF_ELEMENT;
        default -> NONE;
      };
    }

    /** What the node under {@code key} of this one is. */
    static Relation under(String key) {
      if (RELATION_KEY.equals(key)) {
        return LIST;
      }
      return RELATION_REF_KEY.equals(key) ? REF_LIST : NONE;
    }

    /** Whether {@code key} of an element of this kind holds an id that must join. */
    boolean isId(String key) {
      return (this == ELEMENT && RELATION_ID_KEY.equals(key))
          || (this == REF_ELEMENT && RELATION_REF_ID_KEYS.contains(key));
    }
  }

  /**
   * A key folded both ways ({@link PiiPath#foldCase}, {@link PiiPath#foldWords}), and the forms a
   * search also compares ({@link PiiPath#unqualified}: none for most keys).
   */
  private record FoldedKey(String byCase, String byWords, List<String> unqualified) {}

  /** Keys as paths compare them, by key ({@link #folded}). */
  private final Map<String, FoldedKey> foldedKeys = new HashMap<>();

  /** The plan of each set of positions met so far; bounded by the policy, not by the input. */
  private final Map<List<Step>, Plan> plans = new HashMap<>();

  /** The starting plan of each kind's paths (the policy hands out the same list every time). */
  private final Map<List<PiiPath>, Plan> starts = new IdentityHashMap<>();

  public PiiEncryptor(PiiCipher cipher) {
    this.cipher = cipher;
  }

  public void encrypt(ObjectNode record, List<PiiPath> paths) {
    encrypt(record, paths, List.of());
  }

  /**
   * Encrypts the PII of {@code record} that {@code paths} reach. The value rules (an e-mail address
   * in a string) leave {@code routingFields} alone (dotted paths: the kind's tenant and event time,
   * which the mapper reads after this): a tenant that looks like an address still routes the
   * record. Give the same list instance every time (it is cached).
   */
  public void encrypt(ObjectNode record, List<PiiPath> paths, List<String> routingFields) {
    if (paths.isEmpty()) {
      return;
    }
    Exempt exempt = exempts.computeIfAbsent(routingFields, Exempt::of);
    Plan start = starts.get(paths);
    if (start == null) {
      List<Step> steps = new ArrayList<>(paths.size());
      for (PiiPath path : paths) {
        addClosed(steps, new Step(path.segments(), 0, false, false, false));
      }
      start = plan(steps);
      starts.put(paths, start);
    }
    walk(record, start, 1, Relation.NONE, exempt);
  }

  /** The routing fields of each kind, as a tree of keys (the parser hands out one list a kind). */
  private final Map<List<String>, Exempt> exempts = new IdentityHashMap<>();

  /**
   * Fields the pipeline reads to route and key a record, as a tree of keys: {@code detail.org} is
   * {@code detail} then {@code org}. The value rules do not apply at a field of it.
   */
  private static final class Exempt {
    private final Map<String, Exempt> children = new HashMap<>();
    private boolean field;

    static Exempt of(List<String> fields) {
      Exempt root = new Exempt();
      for (String path : fields) {
        Exempt at = root;
        for (String key : path.split("\\.")) {
          at = at.children.computeIfAbsent(key, k -> new Exempt());
        }
        at.field = true;
      }
      return root;
    }

    static Exempt child(Exempt exempt, String key) {
      return exempt == null || exempt.children.isEmpty() ? null : exempt.children.get(key);
    }

    static boolean isField(Exempt exempt) {
      return exempt != null && exempt.field;
    }
  }

  /**
   * A position in one path: {@code segments[index..]} remain to be matched from the node it is at.
   * Steps are made once and their successors remembered, so equal positions are the same object
   * (equality is identity, which makes sets of them cheap map keys).
   */
  private static final class Step {
    final List<PiiPath.Segment> segments;
    final int index;

    /**
     * The path went through {@code **}: a container it ends on is not encrypted whole, its scalars
     * are, one by one.
     */
    final boolean scalarsOnly;

    /** Reached by {@code **} looking at every node, not by a name: the node need not be JSON. */
    final boolean speculative;

    /** Applies to each element when the node is an array ({@code name[]}). */
    final boolean elements;

    private Step advanced;
    private Step anyDepthChild;
    private Step afterAnyDepth;
    private Step withoutElements;

    Step(
        List<PiiPath.Segment> segments,
        int index,
        boolean scalarsOnly,
        boolean speculative,
        boolean elements) {
      this.segments = segments;
      this.index = index;
      this.scalarsOnly = scalarsOnly;
      this.speculative = speculative;
      this.elements = elements;
    }

    boolean terminal() {
      return index == segments.size();
    }

    boolean anyDepth() {
      return index < segments.size() && segments.get(index).anyDepth();
    }

    PiiPath.Segment segment() {
      return segments.get(index);
    }

    /** The position at a child whose key this step's segment matched. */
    Step advanced() {
      if (advanced == null) {
        advanced = new Step(segments, index + 1, scalarsOnly, false, segment().eachElement());
      }
      return advanced;
    }

    /** The position a {@code **} step hands to every child. */
    Step anyDepthChild() {
      if (anyDepthChild == null) {
        anyDepthChild = new Step(segments, index, true, true, false);
      }
      return anyDepthChild;
    }

    /** The position after a {@code **} step at the same node ({@code **} matching no key). */
    Step afterAnyDepth() {
      if (afterAnyDepth == null) {
        afterAnyDepth = new Step(segments, index + 1, true, true, false);
      }
      return afterAnyDepth;
    }

    Step withoutElements() {
      if (withoutElements == null) {
        withoutElements = new Step(segments, index, scalarsOnly, speculative, false);
      }
      return withoutElements;
    }
  }

  /** What to do at a node reached with one set of positions, and what its children get. */
  private final class Plan {
    final List<Step> steps;
    final boolean terminal;
    final boolean whole;
    final boolean needsJson;
    final boolean hasElements;

    /** With name[] steps: the plan when the node is not an array, and when it is. */
    private Plan notArray;

    private Plan asArray;

    /** For arrays: the plan of every element. */
    private Plan elementPlan;

    /** For objects: the plan of a child no name or pattern selects, and of each named key. */
    private Plan otherChild;

    private Map<String, Plan> namedChild;

    /**
     * With patterns or searched names: the plan of each key met, bounded like {@link #foldedKeys}.
     */
    private Map<String, Plan> keyedChild;

    private final List<Step> patterns = new ArrayList<>();
    private final List<Step> anyDepthChildren = new ArrayList<>();

    /** Names of named paths, in one case. */
    private final Map<String, List<Step>> byName = new HashMap<>();

    /** Names a {@code **} search looks for, folded by words. */
    private final Map<String, List<Step>> byWordName = new HashMap<>();

    private final List<Step> forEachElement = new ArrayList<>();

    Plan(List<Step> steps) {
      this.steps = steps;
      boolean terminal = false;
      boolean whole = false;
      boolean needsJson = false;
      boolean hasElements = false;
      for (Step step : steps) {
        hasElements |= step.elements;
        if (step.terminal()) {
          terminal = true;
          whole |= !step.scalarsOnly;
          if (step.scalarsOnly) {
            // A key that a ** path names holds PII whatever its value's shape: a container there
            // keeps its shape (the same key may be named again inside it, as in epilot's
            // email[].email), and every scalar in it is encrypted, at any depth.
            addClosed(anyDepthChildren, step);
          }
        } else {
          needsJson |= !step.speculative;
          if (step.anyDepth()) {
            addClosed(anyDepthChildren, step.anyDepthChild());
          } else if (step.segment().isName()) {
            addClosed(
                (step.segment().words() ? byWordName : byName)
                    .computeIfAbsent(step.segment().literal(), k -> new ArrayList<>(2)),
                step.advanced());
          } else {
            patterns.add(step);
          }
          if (!step.anyDepth()) {
            forEachElement.add(step); // a name applied to an array applies to each element
          }
        }
      }
      this.terminal = terminal;
      this.whole = whole;
      this.needsJson = needsJson;
      this.hasElements = hasElements;
    }

    Plan notArray() {
      if (notArray == null) {
        List<Step> here = new ArrayList<>();
        for (Step step : steps) {
          addClosed(here, step.elements ? step.withoutElements() : step);
        }
        notArray = plan(here);
      }
      return notArray;
    }

    Plan asArray() {
      if (asArray == null) {
        List<Step> here = new ArrayList<>();
        List<Step> forElements = new ArrayList<>();
        for (Step step : steps) {
          if (step.elements) {
            addClosed(forElements, step.withoutElements());
          } else {
            addClosed(here, step);
          }
        }
        Plan array = plan(here);
        List<Step> children = new ArrayList<>(array.elementSteps());
        for (Step step : forElements) {
          addClosed(children, step);
        }
        asArray = new Plan(array.steps);
        asArray.elementPlan = plan(children);
      }
      return asArray;
    }

    private List<Step> elementSteps() {
      List<Step> children = new ArrayList<>(anyDepthChildren);
      for (Step step : forEachElement) {
        addClosed(children, step);
      }
      return children;
    }

    Plan elementPlan() {
      if (elementPlan == null) {
        elementPlan = plan(elementSteps());
      }
      return elementPlan;
    }

    /** The plan of the child under {@code key}. */
    Plan child(String key) {
      if (patterns.isEmpty() && byWordName.isEmpty()) {
        String byCase = folded(key).byCase();
        if (byName.containsKey(byCase)) {
          return namedChild(byCase);
        }
        if (otherChild == null) {
          otherChild = plan(anyDepthChildren);
        }
        return otherChild;
      }
      // Patterns (consent_*, *email, *) and searched names: keys are input, so each key's plan is
      // remembered in a bounded map (maps keyed by data, such as ids, would grow it without end).
      if (keyedChild == null) {
        keyedChild = new HashMap<>();
      }
      Plan plan = keyedChild.get(key);
      if (plan == null) {
        FoldedKey folded = folded(key);
        List<Step> steps = new ArrayList<>(anyDepthChildren);
        addAll(steps, byName.get(folded.byCase()));
        addAll(steps, byWordName.get(folded.byWords()));
        for (String form : folded.unqualified()) {
          addAll(steps, byWordName.get(form));
        }
        for (Step step : patterns) {
          if (matchesAnyForm(step.segment(), folded)) {
            addClosed(steps, step.advanced());
          }
        }
        plan = plan(steps);
        remember(keyedChild, key, plan);
      }
      return plan;
    }

    /** The plan of the child under a key of {@link #byName}, given in one case. */
    Plan namedChild(String byCase) {
      if (namedChild == null) {
        namedChild = new HashMap<>();
      }
      Plan plan = namedChild.get(byCase);
      if (plan == null) {
        List<Step> steps = new ArrayList<>(anyDepthChildren);
        addAll(steps, byName.get(byCase));
        plan = plan(steps);
        namedChild.put(byCase, plan);
      }
      return plan;
    }

    /** Whether only named keys have positions (no ** and no pattern): look them up. */
    boolean namesOnly() {
      return anyDepthChildren.isEmpty() && patterns.isEmpty() && byWordName.isEmpty();
    }
  }

  private static boolean matchesAnyForm(PiiPath.Segment segment, FoldedKey folded) {
    if (segment.matches(folded.byCase(), folded.byWords())) {
      return true;
    }
    for (String form : folded.unqualified()) {
      if (segment.matches(folded.byCase(), form)) {
        return true;
      }
    }
    return false;
  }

  /**
   * {@code key} folded both ways as paths compare it, remembered: Jackson hands out the same String
   * for a key name in every record, so a lookup here costs what the plans' own lookups cost, where
   * folding would allocate for every camelCase key. Bounded: keys of maps keyed by data (ids,
   * emails) are input.
   */
  private FoldedKey folded(String key) {
    FoldedKey folded = foldedKeys.get(key);
    if (folded == null) {
      String byWords = PiiPath.foldWords(key);
      folded = new FoldedKey(PiiPath.foldCase(key), byWords, PiiPath.unqualified(byWords));
      remember(foldedKeys, key, folded);
    }
    return folded;
  }

  /**
   * Remembers {@code value} for a key of the input in {@code map}, which is bounded: a key longer
   * than {@link #MAX_REMEMBERED_KEY_LENGTH} is not kept, and a full map starts again.
   */
  private static <V> void remember(Map<String, V> map, String key, V value) {
    if (key.length() <= MAX_REMEMBERED_KEY_LENGTH) {
      if (map.size() >= MAX_FOLDED_KEYS) {
        map.clear();
      }
      map.put(key, value);
    }
  }

  /** Adds each step of {@code more} (may be null) once. */
  private static void addAll(List<Step> steps, List<Step> more) {
    if (more != null) {
      for (Step step : more) {
        addClosed(steps, step);
      }
    }
  }

  private Plan plan(List<Step> steps) {
    Plan plan = plans.get(steps);
    if (plan == null) {
      List<Step> key = List.copyOf(steps);
      plan = new Plan(key);
      plans.put(key, plan);
    }
    return plan;
  }

  /** Adds a step once, and for a {@code **} step also the steps after it at the same node. */
  private static void addClosed(List<Step> steps, Step step) {
    for (Step present : steps) {
      if (present == step) {
        return;
      }
    }
    steps.add(step);
    if (step.anyDepth()) {
      addClosed(steps, step.afterAnyDepth());
    }
  }

  /**
   * Visits {@code node}, at {@code depth} in the record (the record is 1), with the plan of the
   * positions that reach it; returns the node that replaces it (itself when changed in place or
   * unchanged).
   */
  private JsonNode walk(JsonNode node, Plan plan, int depth, Relation relation, Exempt exempt) {
    if (node == null || node.isNull() || node.isMissingNode() || plan.steps.isEmpty()) {
      return node;
    }
    // JSON text this walk reads in place of its string, and the tokens made before it.
    String fromText = null;
    long tokensBefore = tokens;
    if (plan.hasElements) {
      // name[]: each element of an array, or the value itself when it is not an array.
      if (node.isTextual()) {
        JsonNode parsed = StringifiedJson.parseContainer(node.textValue(), depth);
        if (parsed != null) {
          fromText = node.textValue();
          node = parsed;
        }
      }
      plan = node.isArray() ? plan.asArray() : plan.notArray();
    }
    if (node.isValueNode()) {
      if (plan.terminal) {
        if (!plan.whole && isFlag(node)) {
          // Found by a search (**): a flag beside the PII (has_email, isMobile, "verified" under
          // an email, a browser's "sec-ch-ua-mobile": "?0") says nothing of the person; a named
          // path's flag is encrypted.
          return node;
        }
        return scalarToken(node);
      }
      if (!node.isTextual() || node.textValue().isBlank()) {
        return node;
      }
      String text = node.textValue();
      JsonNode parsed = StringifiedJson.parseContainer(text, depth);
      if (parsed == null) {
        // Not JSON: plain text stays (a product called "[2] Camiseta"), unless a named path goes
        // on inside it, it could hide keys (JSON cut short, a printed object), unseen, or it holds
        // an e-mail address or a URL's credential, whatever its key.
        return plan.needsJson
                || StringifiedJson.looksLikeBrokenDocument(text)
                || (!Exempt.isField(exempt)
                    && mayHoldValuePii(text)
                    && (EmailAddresses.in(text) || UrlCredentials.in(text)))
            ? TextNode.valueOf(token(text))
            : node;
      }
      fromText = text;
      node = parsed;
    } else if (plan.whole) {
      if (holdsRelations(node)) {
        // An attribute that relates entities (billing_contact under billing_*): its scalars are
        // encrypted, the related entities' ids not, so that it still joins.
        return encryptKeepingRelationIds(node, Relation.NONE);
      }
      // Scalars as text, so the raw (all strings) and the typed form of a value give one token.
      return TextNode.valueOf(token(JsonText.scalarsAsStrings(node)));
    }
    if (node instanceof ArrayNode array) {
      Plan element = plan.elementPlan();
      if (!element.steps.isEmpty()) {
        for (int i = 0; i < array.size(); i++) {
          JsonNode child = array.get(i);
          JsonNode replaced = walk(child, element, depth + 1, relation.element(), null);
          if (replaced != child) {
            array.set(i, replaced);
          }
        }
      }
    } else if (node instanceof ObjectNode object) {
      if (plan.namesOnly()) {
        // Only names: visit the keys they name (in any case), not every key's subtree.
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> entry = it.next();
          String key = folded(entry.getKey()).byCase();
          if (plan.byName.containsKey(key)) {
            JsonNode child = entry.getValue();
            JsonNode replaced =
                walk(
                    child,
                    plan.namedChild(key),
                    depth + 1,
                    Relation.NONE,
                    Exempt.child(exempt, entry.getKey()));
            if (replaced != child) {
              entry.setValue(replaced == null ? object.nullNode() : replaced);
            }
          }
        }
      } else {
        // A form answer's value the label rule encrypted is not walked again (it would be
        // encrypted twice under a key that is PII itself).
        String answered = encryptLabelledValue(object, plan, depth);
        // Replacing the value of an entry while iterating is not a structural change of the map,
        // so no copy of the entries is needed (this walk visits every node of a record).
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> entry = it.next();
          JsonNode child = entry.getValue();
          String key = entry.getKey();
          if (key.equals(answered)) {
            continue;
          }
          Plan childPlan = plan.child(key);
          if (relation.isId(key) && isIdValue(child) && childPlan.terminal && !childPlan.whole) {
            continue; // a related entity's id, reached by a search only
          }
          if (childPlan.terminal && !childPlan.whole && isYesNoAnswer(key, child)) {
            continue; // found by a search, but a question's yes or no
          }
          JsonNode replaced =
              walk(child, childPlan, depth + 1, Relation.under(key), Exempt.child(exempt, key));
          if (replaced != child) {
            entry.setValue(replaced == null ? object.nullNode() : replaced);
          }
        }
      }
    }
    if (fromText != null && tokens == tokensBefore) {
      // Nothing in it was PII: a column that declares a string gets the text as it came.
      StringifiedJson.keptAsItCame(fromText);
    }
    return node;
  }

  /** The keys a form's field names itself by, beside its answer. */
  private static final List<String> LABEL_KEYS =
      List.of("label", "name", "key", "question", "title");

  /** The keys of a form field's answer. */
  private static final List<String> ANSWER_KEYS = List.of("value", "answer");

  /**
   * A form's answer as a pair, {@code {"label": "E-Mail", "value": "..."}} (also {@code name},
   * {@code key}, {@code question} or {@code title} beside {@code value} or {@code answer}): the
   * label is the key the answer would have had. When a search finds that key PII ({@code E-Mail},
   * {@code Telefonnummer}, {@code Vorname}), the answer is encrypted as it would be under it. Only
   * objects of a form field's size (a dozen keys). Returns the answer's key when it did (the caller
   * then leaves the answer alone), else null.
   */
  private String encryptLabelledValue(ObjectNode object, Plan plan, int depth) {
    if (object.size() > 12) {
      return null;
    }
    for (String answerKey : ANSWER_KEYS) {
      JsonNode value = object.get(answerKey);
      if (value == null || value.isNull()) {
        continue;
      }
      for (String labelKey : LABEL_KEYS) {
        JsonNode label = object.get(labelKey);
        if (label == null || !label.isTextual() || label.textValue().length() > 64) {
          continue;
        }
        Plan labelled = plan.child(label.textValue());
        if (labelled.terminal
            && !namesAField(value, plan)
            && (labelled.whole || !isYesNoAnswer(label.textValue(), value))) {
          JsonNode replaced = walk(value, labelled, depth + 1, Relation.NONE, null);
          if (replaced != value) {
            object.set(answerKey, replaced);
          }
          return answerKey;
        }
      }
    }
    return null;
  }

  /**
   * Whether a labelled value is itself the name of a PII field: a choice's code ({@code {"label":
   * "E-Mail", "value": "email"}} among a form's options), not an answer.
   */
  private boolean namesAField(JsonNode value, Plan plan) {
    return value.isTextual()
        && value.textValue().length() <= 32
        && plan.child(value.textValue()).terminal;
  }

  /**
   * Whether {@code text} has a character the value rules look for: {@code @} (an e-mail address),
   * {@code %} (one URL-encoded) or {@code =} (a URL's parameter). One pass, where the rules' own
   * scans are four; most strings have none of them.
   */
  private static boolean mayHoldValuePii(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '@' || c == '%' || c == '=') {
        return true;
      }
    }
    return false;
  }

  /** Whether {@code node} is an object with a relation or reference list ({@code $relation}). */
  private static boolean holdsRelations(JsonNode node) {
    return node instanceof ObjectNode object
        && ((object.get(RELATION_KEY) instanceof ArrayNode)
            || (object.get(RELATION_REF_KEY) instanceof ArrayNode));
  }

  /**
   * {@code node} with each scalar encrypted but the ids of its relations' elements ({@link
   * Relation#isId}); empty lists and objects stay as they are.
   */
  private JsonNode encryptKeepingRelationIds(JsonNode node, Relation relation) {
    if (node.isNull() || node.isMissingNode()) {
      return node;
    }
    if (node.isValueNode()) {
      return scalarToken(node);
    }
    if (node instanceof ArrayNode array) {
      for (int i = 0; i < array.size(); i++) {
        array.set(i, encryptKeepingRelationIds(array.get(i), relation.element()));
      }
    } else if (node instanceof ObjectNode object) {
      for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> entry = it.next();
        if (!(relation.isId(entry.getKey()) && isIdValue(entry.getValue()))) {
          entry.setValue(
              encryptKeepingRelationIds(entry.getValue(), Relation.under(entry.getKey())));
        }
      }
    }
    return node;
  }

  /**
   * Whether a relation's id holds an id, not a name or an address put there: a scalar without
   * spaces or {@code @}, of at most 64 characters (epilot's are UUIDs).
   */
  private static boolean isIdValue(JsonNode value) {
    if (!value.isValueNode() || value.isNull()) {
      return false;
    }
    String text = value.asText();
    return text.length() <= 64
        && text.indexOf('@') < 0
        && text.chars().noneMatch(Character::isWhitespace);
  }

  /** Answers to a yes/no question, in the languages of this project's sources, lower case. */
  private static final Set<String> YES_NO = Set.of("ja", "nein", "yes", "no", "oui", "non");

  /**
   * Whether {@code answer} answers {@code question} yes or no: a key or a form's label that ends in
   * {@code ?} ({@code "Kontakt per E-Mail?"}, with a required field's {@code *}), and a flag or a
   * yes or no. It says nothing of the person; a question that asks for the data itself ({@code
   * "Ihre Telefonnummer?"}) gets the data, which is encrypted.
   */
  static boolean isYesNoAnswer(String question, JsonNode answer) {
    int end = question.length();
    while (end > 0
        && (Character.isWhitespace(question.charAt(end - 1))
            || question.charAt(end - 1) == '*'
            || question.charAt(end - 1) == ':')) {
      end--;
    }
    if (end == 0 || question.charAt(end - 1) != '?') {
      return false;
    }
    return isFlag(answer)
        || (answer.isTextual()
            && YES_NO.contains(answer.textValue().strip().toLowerCase(Locale.ROOT)));
  }

  /**
   * Whether a scalar is a yes/no flag: a boolean, or one written as text ({@code "true"}, {@code
   * "False"}, {@code "?1"} as browsers send client hints). No phone number, address or name is one
   * of these; {@code 0}, {@code 1}, {@code "yes"} and {@code "no"} are not taken for flags, as they
   * may be a house number or a country ({@code NO}, Norway).
   */
  static boolean isFlag(JsonNode node) {
    if (node.isBoolean()) {
      return true;
    }
    if (!node.isTextual()) {
      return false;
    }
    String text = node.textValue().strip();
    return switch (text.length()) {
      case 2 -> text.equals("?0") || text.equals("?1");
      case 4 -> text.equalsIgnoreCase("true");
      case 5 -> text.equalsIgnoreCase("false");
      default -> false;
    };
  }

  /** A scalar's token, of its text ({@code 12} and {@code "12"} give one token). */
  private TextNode scalarToken(JsonNode scalar) {
    return TextNode.valueOf(token(scalar.isTextual() ? scalar.textValue() : scalar.asText()));
  }

  private String token(String value) {
    tokens++;
    return cipher.encrypt(value);
  }
}
