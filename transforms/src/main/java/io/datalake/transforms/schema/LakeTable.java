package io.datalake.transforms.schema;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.apache.avro.Schema;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * One table of the lake, with everything the lake and the warehouse need to know about it as typed
 * fields: nothing downstream reads meaning into a table's name. Declared by its kind of record
 * ({@code io.datalake.transforms.kinds}); a table whose declaration does not hold together fails
 * when it is built, so at class-load time, naming the table and what is wrong.
 *
 * @param rowType the row's declared columns
 * @param tenantColumn the column holding the tenant (string; part of the key; the warehouse views
 *     filter on it)
 * @param eventTimeColumn the column holding the row's event time (timestamp), which also picks its
 *     lake partition
 * @param key the natural key: what identifies a row across its versions (the warehouse's {@code
 *     ORDER BY}); string columns, the tenant column among them
 * @param versionColumn the timestamp that orders versions of one key (the warehouse's {@code
 *     _version}); the event time unless another column says which version is newer. The event time
 *     of one key must not change between versions unless it is the version column itself: the
 *     warehouse then partitions the table by event-time month
 * @param immutable rows are never versioned: each key is written once
 * @param currentState a warehouse table of each key's latest state derived from this one, with its
 *     deletion rule; null for none
 * @param parent the table this one's rows are children of; null for a top-level table
 * @param primary whether the table holds exactly one row per accepted input record of its kind
 *     (used to account for every input record in the run summary)
 * @param description what one row is, in one line (the README's table reference); null for none
 */
public record LakeTable(
    String name,
    FieldType.RecordType rowType,
    String tenantColumn,
    String eventTimeColumn,
    List<String> key,
    String versionColumn,
    boolean immutable,
    CurrentState currentState,
    Parent parent,
    boolean primary,
    String description)
    implements Serializable {

  /** Columns every table gets from the pipeline; a declaration must not use them. */
  private static final Set<String> RESERVED = Set.of(AvroSchemas.EXTRA, AvroSchemas.LATE);

  public LakeTable {
    key = List.copyOf(key);
    String why = problem(name, rowType, tenantColumn, eventTimeColumn, key, versionColumn);
    if (why == null && immutable && !versionColumn.equals(eventTimeColumn)) {
      why = "an immutable table has no versions, so its version column is its event time";
    }
    if (why == null && currentState != null) {
      why = currentState.problem(rowType, key);
    }
    if (why == null && currentState != null && !currentState.key().contains(tenantColumn)) {
      why = "the key of " + currentState.table() + " must hold the tenant column " + tenantColumn;
    }
    if (why == null && parent != null) {
      why = parent.problem(rowType);
    }
    if (why == null && parent != null && primary) {
      why = "a child table cannot be primary (it holds any number of rows per record)";
    }
    if (why != null) {
      throw new IllegalArgumentException("Lake table " + name + ": " + why);
    }
  }

  public Schema avroSchema() {
    return AvroSchemas.of(this);
  }

  /**
   * Whether the event time of a key never changes between its versions: true when rows are never
   * versioned, or when another column than the event time tells versions apart. The warehouse
   * partitions such tables by event-time month (ReplacingMergeTree replaces within a partition).
   */
  public boolean eventTimeFixedPerKey() {
    return immutable || !versionColumn.equals(eventTimeColumn);
  }

  /** A table under construction; {@code build()} checks the declaration. */
  public static Builder named(String name) {
    return new Builder(name);
  }

  private static String problem(
      String name,
      FieldType.RecordType rowType,
      String tenantColumn,
      String eventTimeColumn,
      List<String> key,
      String versionColumn) {
    if (name == null || !name.matches("[a-z][a-z0-9_]*")) {
      return "a table name is lower-case letters, digits and '_' (it names folders and"
          + " ClickHouse tables)";
    }
    for (Field field : rowType.fields()) {
      if (RESERVED.contains(field.column())) {
        return "column " + field.column() + " is reserved for the pipeline";
      }
    }
    String why = requireColumn(rowType, "tenant column", tenantColumn, FieldType.Scalar.STRING);
    if (why == null) {
      why =
          requireColumn(rowType, "event-time column", eventTimeColumn, FieldType.Scalar.TIMESTAMP);
    }
    if (why == null) {
      why = requireColumn(rowType, "version column", versionColumn, FieldType.Scalar.TIMESTAMP);
    }
    if (why == null && key.isEmpty()) {
      why = "the key has no columns";
    }
    if (why == null && !key.contains(tenantColumn)) {
      why = "the key " + key + " must hold the tenant column " + tenantColumn;
    }
    for (int i = 0; why == null && i < key.size(); i++) {
      why = requireColumn(rowType, "key column", key.get(i), FieldType.Scalar.STRING);
    }
    return why;
  }

  /** Null when {@code column} is a column of the row of that type, or what is wrong. */
  static String requireColumn(
      FieldType.RecordType rowType, String role, String column, FieldType.Scalar type) {
    Field field = column == null ? null : rowType.field(column);
    if (field == null) {
      return role
          + " "
          + column
          + " is not a column of its row type (columns: "
          + String.join(", ", rowType.fields().stream().map(Field::column).toList())
          + ")";
    }
    if (field.type() != type) {
      return role + " " + column + " is " + field.type() + ", not " + type;
    }
    return null;
  }

  /**
   * A table whose rows are children of another's (the phases of a workflow execution, the items of
   * an order): a child row belongs to the parent row whose {@code parentColumn} equals its {@code
   * column} and whose version equals its own. The warehouse's views show only the children of each
   * parent's newest version: a child missing from the newest snapshot no longer shows.
   */
  public record Parent(LakeTable table, String column, String parentColumn)
      implements Serializable {
    String problem(FieldType.RecordType rowType) {
      String why = requireColumn(rowType, "parent column", column, FieldType.Scalar.STRING);
      if (why == null) {
        why =
            requireColumn(
                table.rowType(),
                "column of parent " + table.name(),
                parentColumn,
                FieldType.Scalar.STRING);
      }
      return why;
    }
  }

  /**
   * A warehouse table of the latest state of each key of {@code key} (a subset of the source's
   * columns), derived from the source's rows: {@code columns} copied, {@code deleted = 1} when the
   * {@code operationColumn} of the latest row is one of {@code deleting}, and {@code payload}: the
   * {@code payload} member of the JSON column {@code payloadColumn}. Rows whose operation is one of
   * {@code unchanging} (entity operations: the relation operations) change nothing: they do not
   * feed the table, so they never replace the latest state. {@code sameSecondOrder}, when not null,
   * is a carried column holding a ULID (epilot's activity id): its millisecond time orders the rows
   * of one key within the second of their version time, which a source that sends whole seconds
   * (EventBridge) leaves tied.
   */
  public record CurrentState(
      String table,
      List<String> key,
      List<String> columns,
      String operationColumn,
      Set<String> deleting,
      String payloadColumn,
      Set<String> unchanging,
      @Nullable String sameSecondOrder)
      implements Serializable {
    public CurrentState {
      key = List.copyOf(key);
      columns = List.copyOf(columns);
      deleting = Set.copyOf(deleting);
      unchanging = Set.copyOf(unchanging);
    }

    /** A current state that every row of the source changes. */
    public CurrentState(
        String table,
        List<String> key,
        List<String> columns,
        String operationColumn,
        Set<String> deleting,
        String payloadColumn) {
      this(table, key, columns, operationColumn, deleting, payloadColumn, Set.of(), null);
    }

    /** Whether a source row with this value of {@link #operationColumn} changes the state. */
    public boolean changedBy(@Nullable Object operation) {
      return operation == null || !unchanging.contains(operation.toString());
    }

    String problem(FieldType.RecordType rowType, List<String> sourceKey) {
      if (!table.matches("[a-z][a-z0-9_]*")) {
        return "current-state table name " + table + " is not lower-case letters, digits, '_'";
      }
      if (deleting.isEmpty()) {
        return "the deletion rule of " + table + " names no operation";
      }
      if (!columns.contains(operationColumn)) {
        return "the operation column " + operationColumn + " of " + table + " is not carried";
      }
      List<String> all = new ArrayList<>(key);
      all.addAll(columns);
      for (String column : all) {
        if (rowType.field(column) == null) {
          return "column " + column + " of " + table + " is not a column of its row type";
        }
      }
      for (String column : key) {
        if (!sourceKey.contains(column)) {
          return "key column " + column + " of " + table + " is not part of the source's key";
        }
      }
      return requireColumn(
          rowType, "payload column of " + table, payloadColumn, FieldType.Scalar.JSON);
    }
  }

  /** Declares a table step by step; {@link #build()} checks it. */
  public static final class Builder {
    private final String name;
    private final List<Field> fields = new ArrayList<>();
    private String tenant;
    private String eventTime;
    private List<String> key = List.of();
    private String version;
    private boolean immutable;
    private CurrentState currentState;
    private Parent parent;
    private boolean primary;
    private String description;

    private Builder(String name) {
      this.name = name;
    }

    public Builder columns(List<Field> value) {
      fields.addAll(value);
      return this;
    }

    public Builder columns(Field... value) {
      return columns(Arrays.asList(value));
    }

    public Builder tenant(String column) {
      tenant = column;
      return this;
    }

    public Builder eventTime(String column) {
      eventTime = column;
      return this;
    }

    public Builder key(String... columns) {
      key = List.of(columns);
      return this;
    }

    /** The column ordering versions of a key; the event-time column unless set. */
    public Builder version(String column) {
      version = column;
      return this;
    }

    public Builder immutable() {
      immutable = true;
      return this;
    }

    public Builder primary() {
      primary = true;
      return this;
    }

    public Builder currentState(CurrentState value) {
      currentState = value;
      return this;
    }

    /** A child of {@code table}: its {@code column} holds the parent's {@code parentColumn}. */
    public Builder childOf(LakeTable table, String column, String parentColumn) {
      parent = new Parent(Objects.requireNonNull(table, "parent table"), column, parentColumn);
      return this;
    }

    /** What one row of the table is, in one line: the table reference shows it. */
    public Builder describedAs(String value) {
      description = value;
      return this;
    }

    public LakeTable build() {
      return new LakeTable(
          name,
          new FieldType.RecordType(name, List.copyOf(fields)),
          tenant,
          eventTime,
          key,
          version == null ? eventTime : version,
          immutable,
          currentState,
          parent,
          primary,
          description);
    }
  }
}
