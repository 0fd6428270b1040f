package io.datalake.transforms.parse;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.transforms.model.RecordRejectedException;

/** Reshapes one parsed record of one kind into rows of its lake tables. */
public interface RecordMapper {
  MappedRecord map(ObjectNode record) throws RecordRejectedException;
}
