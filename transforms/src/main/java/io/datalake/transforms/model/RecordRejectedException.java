package io.datalake.transforms.model;

/**
 * Thrown by parsing and typing code for a record that cannot go into the lake. The message names
 * the field and the problem, never the value (it may be PII).
 */
public class RecordRejectedException extends Exception {
  private final String step;

  public RecordRejectedException(String step, String message) {
    super(message, null, false, false);
    this.step = step;
  }

  public String step() {
    return step;
  }
}
