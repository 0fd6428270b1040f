package io.datalake.bench;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.closeTo;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.is;

import java.util.Map;
import org.junit.Test;

public class ProcessCpuTest {
  @Test
  public void fieldsCountFromTheLastParenthesisOfTheCommandName() {
    // utime 1234 and stime 66 ticks, behind a command name holding a space and a ')'.
    String stat =
        "4242 (java (x) y) S 1 4242 4242 0 -1 4194560 1000 0 0 0 1234 66 0 0 20 0 40 0 100"
            + " 5000000 3000 18446744073709551615 1 1 0 0 0 0 0 4096 17152 0 0 0 17 1 0 0 0 0 0";
    assertThat(ProcessCpu.parse(stat), closeTo(13.0, 1e-9));
  }

  @Test
  public void thisJvmHasUsedSomeCpu() {
    double seconds = ProcessCpu.seconds(ProcessHandle.current().pid());
    assertThat(seconds > 0, is(true));
  }

  @Test
  public void aServiceOnlyInOneReadingOrStartedAgainBetweenIsLeftOut() {
    Map<String, Double> used =
        ProcessCpu.used(
            Map.of(
                "clickhouse", new ProcessCpu.Reading(10, 10.0),
                "s3proxy", new ProcessCpu.Reading(11, 5.0),
                "kafka", new ProcessCpu.Reading(12, 7.0)),
            Map.of(
                "clickhouse", new ProcessCpu.Reading(10, 12.5),
                "s3proxy", new ProcessCpu.Reading(13, 9.0)));
    assertThat(used, is(Map.of("clickhouse", 2.5)));
  }

  @Test
  public void threadsAreToldApartByTheNamesTheJvmGivesThem() {
    assertThat(ProcessCpu.kindOf("C2 CompilerThre"), is("jit"));
    assertThat(ProcessCpu.kindOf("C1 CompilerThre"), is("jit"));
    assertThat(ProcessCpu.kindOf("GC Thread#1"), is("gc"));
    assertThat(ProcessCpu.kindOf("G1 Conc#0"), is("gc"));
    assertThat(ProcessCpu.kindOf("G1 Refine#0"), is("gc"));
    assertThat(ProcessCpu.kindOf("VM Thread"), is("gc"));
    assertThat(ProcessCpu.kindOf("ReadJsonLines/S"), is("app"));
    assertThat(ProcessCpu.kindOf("java"), is("app"));
  }

  @Test
  public void thisJvmsThreadsAddUpByKind() {
    ProcessCpu.ThreadCpu threads = new ProcessCpu.ThreadCpu();
    threads.sample(ProcessHandle.current().pid());
    Map<String, Double> kinds = threads.byKind();
    assertThat(kinds.keySet(), contains("app", "jit", "gc"));
    assertThat(kinds.get("app") > 0, is(true));
  }

  @Test
  public void threadsUseBetweenReadingsCountsNewThreadsWholeAndEndedOnesNot() {
    Map<String, Double> used =
        ProcessCpu.usedByKind(
            Map.of(
                1L, new ProcessCpu.ThreadReading("app", 10.0),
                2L, new ProcessCpu.ThreadReading("gc", 3.0),
                3L, new ProcessCpu.ThreadReading("app", 4.0)),
            Map.of(
                1L, new ProcessCpu.ThreadReading("app", 12.5),
                2L, new ProcessCpu.ThreadReading("gc", 3.5),
                4L, new ProcessCpu.ThreadReading("jit", 1.25)));
    assertThat(used, is(Map.of("app", 2.5, "jit", 1.25, "gc", 0.5)));
  }
}
