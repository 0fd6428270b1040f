package io.datalake.transforms.model;

import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Thrown by parsing and typing code for a record that cannot go into the lake. The message names
 * the field and the problem, never the value (it may be PII).
 */
public class RecordRejectedException extends Exception {
  private final String step;
  private @Nullable String tenant;

  public RecordRejectedException(String step, String message) {
    super(message, null, false, false);
    this.step = step;
  }

  public String step() {
    return step;
  }

  /** The record's tenant, when it was read before the refusal; null otherwise. */
  public @Nullable String tenant() {
    return tenant;
  }

  /**
   * Names the record's tenant (once known, by the step that read it), so that its dead letter is
   * the tenant's; a tenant named already is kept.
   */
  public RecordRejectedException ofTenant(@Nullable String recordTenant) {
    if (tenant == null) {
      tenant = recordTenant;
    }
    return this;
  }
}
