package io.datalake.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.time.YearMonth;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.Test;

public class SnapshotInputsTest {
  private static final String LAKE = "s3://bucket/lake/entity_operations/";

  private static String file(String tenant, String yearMonthDay, String name) {
    String[] d = yearMonthDay.split("-");
    return LAKE
        + "org_id="
        + tenant
        + "/year="
        + d[0]
        + "/month="
        + d[1]
        + "/day="
        + d[2]
        + "/"
        + name
        + ".parquet";
  }

  private static final String A_JAN = file("a", "2024-01-05", "part-r1-00000-of-00001");
  private static final String A_FEB = file("a", "2024-02-07", "part-r1-00000-of-00001");
  private static final String A_FEB_SNAPSHOT =
      file("a", "2024-02-01", "part-snapshot-2024-02-00000-of-00001");
  private static final String A_MAR_SNAPSHOT =
      file("a", "2024-03-01", "part-snapshot-2024-03-00000-of-00001");
  private static final String A_MAR = file("a", "2024-03-09", "part-r1-00000-of-00001");
  private static final String B_JAN = file("b", "2024-01-05", "part-r1-00000-of-00001");
  private static final String B_FEB = file("b", "2024-02-01", "part-r1-00000-of-00001");
  private static final String B_FEB_PIPELINE =
      file("b", "2024-02-01", "part-r1-snapshot-00000-of-00001");
  private static final String B_MAR_PIPELINE =
      file("b", "2024-03-01", "part-r1-snapshot-00000-of-00001");
  private static final String C_JAN = file("c%3A1", "2024-01-05", "part-r1-00000-of-00001");
  private static final String C_JAN_SNAPSHOT =
      file("c%3A1", "2024-01-01", "part-snapshot-2024-01-00000-of-00001");
  private static final String C_APR = file("c%3A1", "2024-04-02", "part-r1-00000-of-00001");

  private static final List<String> LAKE_FILES =
      List.of(
          A_JAN,
          A_FEB,
          A_FEB_SNAPSHOT,
          A_MAR_SNAPSHOT,
          A_MAR,
          B_JAN,
          B_FEB,
          B_FEB_PIPELINE,
          B_MAR_PIPELINE,
          C_JAN,
          C_JAN_SNAPSHOT,
          C_APR);

  @Test
  public void aTenantWithASnapshotOfThePreviousMonthReadsThatMonthOnly() {
    SnapshotInputs march = SnapshotInputs.plan(YearMonth.of(2024, 3), LAKE_FILES);
    // a: its own snapshot of February; b: the pipeline's (--snapshots); c: none in February, so its
    // full history before March (its January snapshot file is not an operation).
    assertThat(march.seeds(), equalTo(List.of(A_FEB_SNAPSHOT, B_FEB_PIPELINE)));
    assertThat(march.operations(), equalTo(List.of(A_FEB, B_FEB, C_JAN)));
    assertThat(march.seededTenants(), equalTo(Set.of("org_id=a", "org_id=b")));
    assertThat(march.historyTenants(), equalTo(Set.of("org_id=c%3A1")));
    // March's snapshot files: a's is overwritten (or removed), b's pipeline file is replaced.
    assertThat(march.own(), equalTo(Map.of("org_id=a", List.of(A_MAR_SNAPSHOT))));
    assertThat(march.replaced(), equalTo(List.of(B_MAR_PIPELINE)));
  }

  @Test
  public void withoutAnySnapshotEveryTenantReadsItsFullHistory() {
    SnapshotInputs february = SnapshotInputs.plan(YearMonth.of(2024, 2), LAKE_FILES);
    assertThat(february.seeds(), equalTo(List.of(C_JAN_SNAPSHOT)));
    assertThat(february.operations(), equalTo(List.of(A_JAN, B_JAN, C_JAN)));
    assertThat(february.historyTenants(), equalTo(Set.of("org_id=a", "org_id=b")));
    assertThat(february.own(), equalTo(Map.of("org_id=a", List.of(A_FEB_SNAPSHOT))));
    assertThat(february.replaced(), equalTo(List.of(B_FEB_PIPELINE)));
  }

  @Test
  public void aMonthBeforeTheLakeReadsNothing() {
    SnapshotInputs old = SnapshotInputs.plan(YearMonth.of(2023, 6), LAKE_FILES);
    assertThat(old.seeds(), equalTo(List.of()));
    assertThat(old.operations(), equalTo(List.of()));
    assertThat(old.seededTenants(), equalTo(Set.of()));
  }

  @Test
  public void snapshotFilesAreNamedByTheMonthAlone() {
    assertThat(SnapshotInputs.runId(YearMonth.of(2024, 3)), equalTo("snapshot-2024-03"));
    assertThat(SnapshotInputs.filePrefix(YearMonth.of(2024, 3)), equalTo("part-snapshot-2024-03-"));
    assertThat(
        SnapshotInputs.glob("/lake/", true),
        equalTo("/lake/entity_operations/*/*/*/*/*/*.parquet"));
  }
}
