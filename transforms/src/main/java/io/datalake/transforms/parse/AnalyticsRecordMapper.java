package io.datalake.transforms.parse;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.transforms.model.RecordRejectedException;
import io.datalake.transforms.schema.LakeTable;
import java.time.Instant;
import java.util.List;

/** Journey and portal sessions and events: flat records, one row each. */
final class AnalyticsRecordMapper implements RecordMapper {
  private final LakeTable table;

  AnalyticsRecordMapper(LakeTable table) {
    this.table = table;
  }

  @Override
  public MappedRecord map(ObjectNode record) throws RecordRejectedException {
    Fields.requiredText(record, "id", "id");
    String org = Fields.requiredTenant(record, "org_id", "org_id");
    Instant time = Fields.requiredTime(record, table.eventTimeColumn(), table.eventTimeColumn());
    record.put("org_id", org);
    return new MappedRecord(org, time, List.of(new MappedRecord.TableRow(table, record)));
  }
}
