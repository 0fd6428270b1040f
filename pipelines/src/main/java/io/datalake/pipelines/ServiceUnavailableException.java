package io.datalake.pipelines;

/**
 * A service the run needs (Kafka, ClickHouse, S3, a Flink cluster) did not answer, or refused the
 * run's credentials, before the run started. Not a usage error: the command line may be right and
 * the service down, so {@code ./datalake} prints the message and what to check on one line and
 * exits 1, without a stack trace.
 */
public final class ServiceUnavailableException extends RuntimeException {
  public ServiceUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
