package io.datalake.transforms.model;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.not;

import io.datalake.transforms.io.LakePaths;
import io.datalake.transforms.schema.LakeTable;
import io.datalake.transforms.schema.LakeTables;
import io.datalake.transforms.schema.Timestamps;
import io.datalake.transforms.warehouse.WarehouseTable;
import io.datalake.transforms.warehouse.WarehouseTables;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.Test;

/** The tenant-id rule, and that every id it admits, at its longest, fits every sink's names. */
public class TenantIdTest {
  /** The longest ids: plain, and with every byte after the first one ClickHouse escapes. */
  static final List<String> LONGEST =
      List.of(
          "T" + "x".repeat(62) + "9",
          "a" + ".".repeat(63),
          "0" + "-".repeat(63),
          "Z" + "_".repeat(63));

  @Test
  public void theRuleAdmitsAndRefuses() throws Exception {
    for (String ok :
        List.of("739224", "luxstore", "A", "org-1.eu_west", LONGEST.get(0), LONGEST.get(1))) {
      assertThat(ok, TenantId.parse(ok, "org_id"), equalTo(ok));
    }
    assertThat(
        "surrounding white space is stripped",
        TenantId.parse(" \tacme \n", "org_id"),
        equalTo("acme"));
    for (String bad :
        List.of(
            "..",
            ".",
            "-a",
            "_a",
            "a/b",
            "../x",
            "a b",
            "a'b",
            "a\"b",
            "a`b",
            "a\u0000",
            "Ünï",
            "東京",
            "a\u200b",
            "ａ",
            "x".repeat(65),
            "%2e")) {
      try {
        TenantId.parse(bad, "detail.org");
        throw new AssertionError("admitted " + bad);
      } catch (RecordRejectedException e) {
        assertThat(e.getMessage(), containsString("detail.org is not a valid tenant id"));
        if (bad.length() >= 3) {
          assertThat("never quotes the value", e.getMessage(), not(containsString(bad)));
        }
      }
    }
  }

  /**
   * ClickHouse 18.16 stores a view's definition in {@code metadata/<db>/<name>.sql} (written as
   * {@code .sql.tmp} first), escaping each byte outside {@code [A-Za-z0-9_]} as {@code %XX}; a file
   * name may have 255 bytes. BadInputCorpusIT creates these views on the real server.
   */
  @Test
  public void everyViewOfTheLongestTenantsFitsClickHouseFileNames() {
    int longest = 0;
    for (String tenant : LONGEST) {
      for (WarehouseTable table : WarehouseTables.all()) {
        int bytes = clickHouseFileName(table.viewName(tenant)).length() + ".sql.tmp".length();
        assertThat(table.viewName(tenant), bytes, lessThanOrEqualTo(255));
        longest = Math.max(longest, bytes);
      }
    }
    assertThat("the worst case, as TenantId documents it", longest, equalTo(227));
  }

  /** A local folder name has at most 255 bytes; an S3 key 1,024 with the lake prefix and file. */
  @Test
  public void lakePathsOfTheLongestTenantsFitFileSystemsAndS3() {
    long micros = Timestamps.toEpochMicros(Timestamps.parse("9999-12-31T23:00:00Z"));
    for (String tenant : LONGEST) {
      for (LakeTable table : LakeTables.all()) {
        String path = LakePaths.partition(table.name(), tenant, micros, true);
        assertThat(path, containsString("/org_id=" + tenant + "/"));
        for (String segment : path.split("/")) {
          assertThat(
              segment, segment.getBytes(StandardCharsets.UTF_8).length, lessThanOrEqualTo(255));
        }
        assertThat(path, path.getBytes(StandardCharsets.UTF_8).length, lessThanOrEqualTo(150));
      }
    }
  }

  /** ClickHouse's escapeForFileName: bytes outside [A-Za-z0-9_] as %XX. */
  static String clickHouseFileName(String name) {
    StringBuilder out = new StringBuilder();
    for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_') {
        out.append(c);
      } else {
        out.append('%').append(String.format("%02X", (int) c));
      }
    }
    return out.toString();
  }
}
