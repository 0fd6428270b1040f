package io.datalake.transforms.snapshot;

import io.datalake.transforms.model.LakeRow;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;

/**
 * The operations that decide an entity's state, keyed by tenant and entity, as compact {@link
 * EntityState} bytes: what the roll-up groups or keeps in state. Rows of other tables and relation
 * operations are left out (they change no state).
 */
class KeyByEntity extends DoFn<LakeRow, KV<String, byte[]>> {
  @ProcessElement
  public void process(@Element LakeRow row, OutputReceiver<KV<String, byte[]>> out) {
    EntityState state = EntityState.fromRow(row);
    if (state == null) {
      return;
    }
    Object entity = row.record().get("entity_id");
    if (entity == null) {
      return; // the parse step never lets one through; nothing to key it by
    }
    out.output(KV.of(SnapshotRows.key(row.tenant(), entity.toString()), state.toBytes()));
  }
}
