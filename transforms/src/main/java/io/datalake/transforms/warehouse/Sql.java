package io.datalake.transforms.warehouse;

/** Quoting for ClickHouse SQL text. */
public final class Sql {
  private Sql() {}

  public static String identifier(String name) {
    return "`" + name.replace("\\", "\\\\").replace("`", "\\`") + "`";
  }

  public static String string(String value) {
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }
}
