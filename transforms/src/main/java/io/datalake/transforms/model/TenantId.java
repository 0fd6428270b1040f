package io.datalake.transforms.model;

import java.util.regex.Pattern;

/**
 * The rule every tenant id keeps: 1 to 64 characters, ASCII letters, digits, {@code .}, {@code _}
 * and {@code -}, starting with a letter or digit ({@value #RULE}). Surrounding white space is
 * removed first, and the stripped id is what the {@code org_id} column, the lake path and the
 * ClickHouse views all use. Ids are case-sensitive.
 *
 * <p>Why these bounds: every sink takes such an id as it is. The lake folder {@code org_id=<id>}
 * needs no escaping and has at most 71 bytes (a file name may have 255); the whole partition path
 * has at most about 150 bytes, which leaves an S3 key (1,024 bytes) room for the lake prefix and
 * the file name; {@code .} and {@code ..} cannot be ids. ClickHouse 18.16 writes a view's
 * definition to a file named after the view, each byte outside {@code [A-Za-z0-9_]} escaped as
 * {@code %XX}: the longest view, {@code <id>_workflow_cancellations_final} with an id of one letter
 * and 63 dots, is 219 bytes, 227 with {@code .sql.tmp} (TenantIdTest computes it, BadInputCorpusIT
 * creates such views). SQL string literals and back-quoted identifiers (views, and database or user
 * names should tenants get their own) hold them as they are; so do Hive and Iceberg partition
 * values.
 */
public final class TenantId {
  public static final int MAX_LENGTH = 64;
  public static final String RULE = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$";
  private static final Pattern PATTERN = Pattern.compile(RULE);

  private TenantId() {}

  /**
   * The tenant id in {@code raw} (a field's text), stripped of surrounding white space, or a
   * rejection naming the field and the broken part of the rule, never the value.
   */
  public static String parse(String raw, String field) throws RecordRejectedException {
    String id = raw.strip();
    if (id.isEmpty()) {
      throw new RecordRejectedException("parse", "empty " + field);
    }
    if (id.length() > MAX_LENGTH) {
      throw new RecordRejectedException(
          "parse",
          field
              + " is not a valid tenant id: "
              + id.length()
              + " characters, at most "
              + MAX_LENGTH);
    }
    if (!PATTERN.matcher(id).matches()) {
      throw new RecordRejectedException(
          "parse",
          field
              + " is not a valid tenant id: only ASCII letters, digits, '.', '_' and '-',"
              + " starting with a letter or digit");
    }
    return id;
  }

  public static boolean isValid(String id) {
    return id != null && PATTERN.matcher(id).matches();
  }
}
