package io.datalake.pipelines;

import io.datalake.transforms.warehouse.ClickHouseWarehouseIO;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.http.HttpTimeoutException;
import java.util.Locale;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;

/**
 * The message of a failed batch run: what failed, and that a rerun of the same command completes
 * it. A rerun is safe: the run id is the digest of the input, so the lake files of this run are
 * written again under the same names (no duplicates), and rows ClickHouse already took collapse
 * under {@code FINAL}.
 */
final class BatchFailure {
  static final String RERUN =
      "Nothing needs cleaning up: run the same command again once the cause is fixed; it replaces"
          + " this run's lake files (same --runId) and ClickHouse merges the rows it already has under"
          + " FINAL.";

  private BatchFailure() {}

  /**
   * Runs a batch pipeline to its end and returns its result; a failure is explained ({@link
   * #explain}), and a run that ends other than DONE throws "{@code what} ended STATE" with the
   * rerun advice.
   */
  static PipelineResult runToCompletion(
      Pipeline pipeline, ClickHouseWarehouseIO.Write warehouse, String what) {
    PipelineResult result;
    PipelineResult.State state;
    try {
      // The Flink runner runs a batch inside run(); the DirectRunner inside waitUntilFinish().
      result = pipeline.run();
      state = result.waitUntilFinish();
    } catch (RuntimeException e) {
      throw explain(e, warehouse);
    }
    if (state != PipelineResult.State.DONE) {
      throw new IllegalStateException(what + " ended " + state + ". " + RERUN);
    }
    return result;
  }

  /**
   * The failure with what failed and how to complete the run, when a service the run writes to
   * (ClickHouse, S3) caused it; any other failure as it is.
   */
  static RuntimeException explain(RuntimeException failure, ClickHouseWarehouseIO.Write warehouse) {
    Throwable clickhouse = null;
    Throwable s3 = null;
    Throwable root = failure;
    for (Throwable t = failure; t != null; t = t.getCause()) {
      root = t;
      if (clickhouse == null && mentions(t, "clickhouse")) {
        clickhouse = t;
      }
      if (s3 == null
          && (t.getClass().getName().startsWith("software.amazon")
              || t.getClass().getSimpleName().contains("S3")
              || String.valueOf(t.getMessage()).contains("s3://"))) {
        s3 = t;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    String cause = describe(root);
    if (clickhouse != null && warehouse != null && (unreachable(root) || unreachable(clickhouse))) {
      return new IllegalStateException(
          "The batch run failed: ClickHouse at "
              + warehouse.url()
              + " did not answer ("
              + cause
              + "); it is down, frozen or unreachable. "
              + RERUN,
          failure);
    }
    if (clickhouse != null) {
      return new IllegalStateException(
          "The batch run failed while writing to ClickHouse (" + cause + "). " + RERUN, failure);
    }
    if (s3 != null) {
      return new IllegalStateException(
          "The batch run failed reading or writing S3 ("
              + cause
              + "); is the endpoint up and are the"
              + " credentials valid? "
              + RERUN,
          failure);
    }
    return failure;
  }

  private static boolean mentions(Throwable t, String what) {
    String text = (t.getClass().getName() + " " + t.getMessage()).toLowerCase(Locale.ROOT);
    return text.contains(what);
  }

  private static boolean unreachable(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof ConnectException
          || c instanceof SocketTimeoutException
          || c instanceof HttpTimeoutException) {
        return true;
      }
      String m = String.valueOf(c.getMessage()).toLowerCase(Locale.ROOT);
      if (m.contains("connection refused")
          || m.contains("timed out")
          || m.contains("unreachable")
          || m.contains("connect timed out")
          || m.contains("connection reset")) {
        return true;
      }
    }
    return false;
  }

  /** {@code failure}'s innermost cause, as {@link #describe} says it: what a service said. */
  static String rootCause(Throwable failure) {
    Throwable root = failure;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return describe(root);
  }

  /** Its class and the first line of its message. */
  private static String describe(Throwable t) {
    return t.getClass().getSimpleName()
        + (t.getMessage() == null ? "" : ": " + firstLine(t.getMessage()));
  }

  /** The first line only: drivers append the statement, which may hold row values. */
  private static String firstLine(String message) {
    int newline = message.indexOf('\n');
    String line = newline < 0 ? message : message.substring(0, newline);
    return line.length() > 300 ? line.substring(0, 300) + "…" : line;
  }
}
