package io.datalake.transforms.parse;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.transforms.model.RecordRejectedException;
import org.checkerframework.checker.nullness.qual.Nullable;

/** Reshapes one parsed record of one kind into rows of its lake tables. */
public interface RecordMapper {
  MappedRecord map(ObjectNode record) throws RecordRejectedException;

  /**
   * The tenant of a record {@link #map} refused, when it can still be read (its dead letter is then
   * the tenant's); null when it cannot.
   */
  @Nullable String tenantOf(ObjectNode record);
}
