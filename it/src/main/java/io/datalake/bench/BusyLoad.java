package io.datalake.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Other processes that keep cores busy while a run is measured: issue 16 asks for the streaming
 * figures "also with the machine loaded by another process using one core". Each process is a shell
 * loop of integer arithmetic ({@code sh}, no I/O, no memory to speak of): it takes a core whenever
 * the scheduler gives it one, as a neighbour's batch job would, at the same priority as the
 * pipeline and its services.
 *
 * <p>Each loop checks every few thousand iterations that the benchmark's JVM is still alive and
 * ends when it is not: a benchmark killed with {@code kill -9} leaves no loop spinning. {@link
 * #close} stops them by their pids.
 */
final class BusyLoad implements AutoCloseable {
  /**
   * The loop: arithmetic in the shell itself (builtins only: no process per iteration), and a
   * liveness check of the benchmark ({@code kill -0}, a builtin) between rounds.
   */
  static final String LOOP =
      "while kill -0 %d 2>/dev/null; do i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; done";

  private final List<Process> processes;

  private BusyLoad(List<Process> processes) {
    this.processes = processes;
  }

  /** Starts {@code count} busy processes (0: none; {@link #close} is then a no-op). */
  static BusyLoad start(int count) throws IOException {
    if (count < 0) {
      throw new IllegalArgumentException("a busy load of " + count + " processes");
    }
    List<Process> started = new ArrayList<>();
    long benchmark = ProcessHandle.current().pid();
    try {
      for (int i = 0; i < count; i++) {
        started.add(
            new ProcessBuilder("sh", "-c", String.format(Locale.ROOT, LOOP, benchmark))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start());
      }
    } catch (IOException | RuntimeException e) {
      started.forEach(Process::destroyForcibly);
      throw e;
    }
    return new BusyLoad(started);
  }

  int processCount() {
    return processes.size();
  }

  /** Their pids, for the log: an operator can see and stop them. */
  List<Long> pids() {
    return processes.stream().map(Process::pid).toList();
  }

  /** User plus system CPU seconds the loops have used since they started, all together. */
  double cpuSeconds() {
    double sum = 0;
    for (Process p : processes) {
      double s = ProcessCpu.seconds(p.pid());
      if (!Double.isNaN(s)) {
        sum += s;
      }
    }
    return sum;
  }

  /** How the machine was loaded, in words, for the report. */
  static String describe(int count) {
    return count == 0
        ? "none"
        : String.format(
            Locale.ROOT,
            "%d busy process%s (a shell loop of integer arithmetic each, same priority as the run)",
            count,
            count == 1 ? "" : "es");
  }

  /** Stops every loop (by pid) and waits for it to end. */
  @Override
  public void close() {
    for (Process p : processes) {
      p.destroyForcibly();
    }
    for (Process p : processes) {
      try {
        p.waitFor(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
