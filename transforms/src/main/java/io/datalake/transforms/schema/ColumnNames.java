package io.datalake.transforms.schema;

/**
 * Column names that Parquet (through Avro) and ClickHouse can both take, made the same way
 * everywhere: letters, digits and underscores, not starting with a digit.
 */
public final class ColumnNames {
  private ColumnNames() {}

  public static String sanitize(String name) {
    StringBuilder out = new StringBuilder(name.length() + 1);
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
      out.append(ok ? c : '_');
    }
    if (out.length() == 0 || Character.isDigit(out.charAt(0))) {
      out.insert(0, '_');
    }
    return out.toString();
  }
}
