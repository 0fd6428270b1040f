package io.datalake.transforms.kinds;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.transforms.parse.RecordMapper;
import io.datalake.transforms.schema.JsonTyper;
import io.datalake.transforms.schema.LakeTable;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.Set;

/**
 * One kind of record the pipeline reads, described in one place: where its records come from (input
 * folder, default Kafka topic), which of their fields hold the tenant, the event time and the
 * record's id, how a record becomes rows (its mapper and JSON style), the lake tables those rows
 * belong to, its default PII paths and dropped fields, and how to make sample records of it.
 * Everything else (reading, parsing, the lake and warehouse tables, metrics, the generator, the
 * benchmark) derives from it. Built-in kinds are in {@link RecordKinds#builtIn()}; a kind of one's
 * own is added with {@link RecordKinds#with}.
 *
 * <p>A descriptor is checked when built: a kind with no tables, not exactly one primary table, or
 * fields that are not the primary table's columns fails with a message naming it. Its identity is
 * its name: encoded data carries the name, never a position in a list.
 */
public final class RecordKind implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Makes the kind's mapper (one per worker: mappers need not be thread-safe). */
  @FunctionalInterface
  public interface MapperFactory extends Serializable {
    RecordMapper create(RecordKind kind);
  }

  /**
   * Fills a sample record of the kind (a copy of one of its bundled samples, its event time set
   * already) with the values of generated event {@code n}: ids, tenant, PII. Used by the event
   * generator ({@code ./datalake produce}, the benchmark) and tests.
   */
  public interface Sample extends Serializable {
    void fill(ObjectNode record, long n, String id, Random random);

    /**
     * The id event {@code n} has in the kind's primary table: the generated {@code id} unless the
     * kind numbers its records itself.
     */
    default String recordId(long n, String id) {
      return id;
    }

    /** The {@code n} of a {@link #recordId} this kind made itself; -1 when it is a generated id. */
    default long numberOf(String recordId) {
      return -1;
    }
  }

  private final String name;
  private final String folder;
  private final String defaultTopic;
  private final String tenantField;
  private final String eventTimeField;
  private final String recordIdField;

  /** {@link #routingFields()}: one list per kind, which the PII encryptor caches by identity. */
  private final List<String> routingFields;

  private final MapperFactory mapper;
  private final JsonTyper.JsonStyle jsonStyle;
  private final List<LakeTable> tables;
  private final List<String> piiPaths;
  private final List<String> droppedFields;
  private final Sample sample;

  private RecordKind(Builder b) {
    this.name = b.name;
    this.folder = b.folder == null ? b.name : b.folder;
    this.defaultTopic = b.topic == null ? b.name : b.topic;
    this.tenantField = b.tenantField;
    this.eventTimeField = b.eventTimeField;
    this.recordIdField = b.recordIdField;
    this.mapper = b.mapper;
    this.jsonStyle = b.jsonStyle;
    this.tables = List.copyOf(b.tables);
    this.piiPaths = List.copyOf(b.piiPaths);
    this.droppedFields = List.copyOf(b.droppedFields);
    this.sample = b.sample;
    String why = problem();
    if (why != null) {
      throw new IllegalArgumentException("Kind of record " + name + ": " + why);
    }
    this.routingFields = List.of(tenantField, eventTimeField);
  }

  private String problem() {
    if (name == null || !name.matches("[a-z][a-z0-9-]*")) {
      return "a kind's name is lower-case letters, digits and '-' (it names folders, topics and"
          + " metrics)";
    }
    if (!folder.matches("[A-Za-z0-9._-]+") || defaultTopic.isBlank()) {
      return "its input folder and default topic must be plain names";
    }
    if (tenantField == null || eventTimeField == null || recordIdField == null) {
      return "tenant, event-time and record-id fields must all be declared";
    }
    if (mapper == null) {
      return "no mapper";
    }
    if (tables.isEmpty()) {
      return "no lake tables";
    }
    if (tables.stream().filter(LakeTable::primary).count() != 1) {
      return "exactly one of its tables must be primary (one row per accepted record), got "
          + tables.stream().filter(LakeTable::primary).map(LakeTable::name).toList();
    }
    Set<String> names = new HashSet<>();
    for (LakeTable table : tables) {
      if (!names.add(table.name())) {
        return "table " + table.name() + " is declared twice";
      }
      if (table.parent() != null && !tables.contains(table.parent().table())) {
        return "table "
            + table.name()
            + " is a child of "
            + table.parent().table().name()
            + ", which is not one of this kind's tables";
      }
    }
    LakeTable primary = primaryTable();
    if (primary.rowType().field(recordIdField) == null) {
      return "record-id field " + recordIdField + " is not a column of " + primary.name();
    }
    return null;
  }

  /** A new kind's declaration; folder and default topic are its name unless set. */
  public static Builder named(String name) {
    return new Builder(name);
  }

  /** The kind's name: also the kind of its dead letters and the suffix of its metrics. */
  public String name() {
    return name;
  }

  /** The batch input folder under {@code --input}. */
  public String folder() {
    return folder;
  }

  /** The Kafka topic read unless {@code --topics} names another. */
  public String defaultTopic() {
    return defaultTopic;
  }

  /** The field of the source record that holds its tenant (a path, for documentation). */
  public String tenantField() {
    return tenantField;
  }

  /** The top-level field holding a record's event time. */
  public String eventTimeField() {
    return eventTimeField;
  }

  /**
   * The fields that route a record, its tenant and its event time: the PII value rules leave them
   * alone (an id that looks like an address is encrypted, the same token wherever it appears, so
   * ids still join).
   */
  public List<String> routingFields() {
    return routingFields;
  }

  /** The field identifying one record, also its column in the primary table. */
  public String recordIdField() {
    return recordIdField;
  }

  /** A new mapper of this kind's records. */
  public RecordMapper newMapper() {
    return mapper.create(this);
  }

  public JsonTyper.JsonStyle jsonStyle() {
    return jsonStyle;
  }

  /** The lake tables its rows go to, parents before children. */
  public List<LakeTable> tables() {
    return tables;
  }

  /** The table with one row per accepted record. */
  public LakeTable primaryTable() {
    return tables.stream().filter(LakeTable::primary).findFirst().orElseThrow();
  }

  /** The table of this kind with that name. */
  public LakeTable table(String tableName) {
    for (LakeTable table : tables) {
      if (table.name().equals(tableName)) {
        return table;
      }
    }
    throw new IllegalArgumentException("Kind " + name + " has no table " + tableName);
  }

  /** The PII paths of the built-in policy (see {@code PiiPolicy} for their syntax). */
  public List<String> piiPaths() {
    return piiPaths;
  }

  /** Top-level fields dropped before typing by default ({@code --dropFields}). */
  public List<String> droppedFields() {
    return droppedFields;
  }

  /** How to fill sample records of this kind; null when the kind has none. */
  public Sample sample() {
    return sample;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RecordKind k && name.equals(k.name);
  }

  @Override
  public int hashCode() {
    return name.hashCode();
  }

  @Override
  public String toString() {
    return name;
  }

  /** Declares a kind step by step; {@link #build()} checks it. */
  public static final class Builder {
    private final String name;
    private String folder;
    private String topic;
    private String tenantField;
    private String eventTimeField;
    private String recordIdField;
    private MapperFactory mapper;
    private JsonTyper.JsonStyle jsonStyle = JsonTyper.JsonStyle.AS_IS;
    private final List<LakeTable> tables = new ArrayList<>();
    private List<String> piiPaths = List.of();
    private List<String> droppedFields = List.of();
    private Sample sample;

    private Builder(String name) {
      this.name = name;
    }

    public Builder folder(String value) {
      folder = value;
      return this;
    }

    public Builder defaultTopic(String value) {
      topic = value;
      return this;
    }

    /** Where the tenant is: the field's path in the source record (documentation, samples). */
    public Builder tenantField(String value) {
      tenantField = value;
      return this;
    }

    public Builder eventTimeField(String value) {
      eventTimeField = value;
      return this;
    }

    public Builder recordIdField(String value) {
      recordIdField = value;
      return this;
    }

    public Builder mapper(MapperFactory value) {
      mapper = Objects.requireNonNull(value);
      return this;
    }

    /** How JSON columns keep scalars; {@link JsonTyper.JsonStyle#AS_IS} unless set. */
    public Builder jsonStyle(JsonTyper.JsonStyle value) {
      jsonStyle = Objects.requireNonNull(value);
      return this;
    }

    public Builder tables(LakeTable... value) {
      tables.addAll(List.of(value));
      return this;
    }

    public Builder piiPaths(String... value) {
      piiPaths = List.of(value);
      return this;
    }

    public Builder droppedFields(String... value) {
      droppedFields = List.of(value);
      return this;
    }

    public Builder sample(Sample value) {
      sample = value;
      return this;
    }

    public RecordKind build() {
      return new RecordKind(this);
    }
  }
}
