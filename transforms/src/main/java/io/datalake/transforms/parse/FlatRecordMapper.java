package io.datalake.transforms.parse;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.transforms.kinds.RecordKind;
import io.datalake.transforms.model.RecordRejectedException;
import io.datalake.transforms.schema.LakeTable;
import java.time.Instant;
import java.util.List;

/**
 * Flat records, one row each in their kind's primary table (journey and portal sessions and
 * events): the record must have its kind's record id, tenant and event time; the tenant is stored,
 * normalised, in the table's tenant column.
 */
public final class FlatRecordMapper implements RecordMapper {
  private final LakeTable table;
  private final String idField;
  private final String tenantField;
  private final String eventTimeField;

  public FlatRecordMapper(RecordKind kind) {
    this.table = kind.primaryTable();
    this.idField = kind.recordIdField();
    this.tenantField = kind.tenantField();
    this.eventTimeField = kind.eventTimeField();
  }

  @Override
  public MappedRecord map(ObjectNode record) throws RecordRejectedException {
    Fields.requiredText(record, idField, idField);
    String org = Fields.requiredTenant(record, tenantField, tenantField);
    Instant time = Fields.requiredTime(record, eventTimeField, eventTimeField);
    record.put(table.tenantColumn(), org);
    return new MappedRecord(org, time, List.of(new MappedRecord.TableRow(table, record)));
  }
}
