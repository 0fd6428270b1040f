package io.datalake.transforms.schema;

import java.util.List;
import org.apache.avro.Schema;

/**
 * One table of the lake: its row type, which column holds the event time (also its partition), and
 * its natural key (what identifies a row across versions, used by the warehouse).
 *
 * @param primary whether the table holds exactly one row per accepted input record of its kind
 *     (used to account for every input record in the run summary)
 */
public record LakeTable(
    String name,
    FieldType.RecordType rowType,
    String eventTimeColumn,
    List<String> key,
    boolean primary) {

  public Schema avroSchema() {
    return AvroSchemas.of(this);
  }
}
