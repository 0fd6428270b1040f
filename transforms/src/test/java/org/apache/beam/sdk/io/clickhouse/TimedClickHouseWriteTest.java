package org.apache.beam.sdk.io.clickhouse;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;

import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.reflect.DoFnSignature;
import org.apache.beam.sdk.transforms.reflect.DoFnSignatures;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Duration;
import org.junit.Test;

/**
 * The timed write without a server: Beam accepts the subclass's overriding lifecycle methods, the
 * DoFn gets the write's settings and the driver properties ClickHouseIO itself would set, and the
 * steps are named as ClickHouseIO names them. That each insert is observed once is shown against a
 * real ClickHouse by ClickHouseInsertLatencyIT.
 */
public class TimedClickHouseWriteTest {
  private static final TableSchema TABLE =
      TableSchema.of(
          TableSchema.Column.of("id", TableSchema.ColumnType.STRING),
          TableSchema.Column.of("n", TableSchema.ColumnType.INT64));
  private static final Schema ROW =
      Schema.builder().addStringField("id").addInt64Field("n").build();
  private static final String URL =
      "jdbc:clickhouse://127.0.0.1:1/default?server_version=18.16.1&server_time_zone=UTC";

  private static ClickHouseIO.Write<Row> write() {
    return ClickHouseIO.<Row>write(URL, "orders")
        .withTableSchema(TABLE)
        .withInsertDeduplicate(false)
        .withMaxRetries(1000)
        .withInitialBackoff(Duration.millis(250))
        .withMaxCumulativeBackoff(Duration.standardSeconds(120))
        .withMaxInsertBlockSize(5000);
  }

  @Test
  public void beamAcceptsTheOverridingLifecycleMethods() {
    DoFnSignature signature = DoFnSignatures.getSignature(TimedClickHouseWrite.TimedWriteFn.class);
    assertThat(
        signature.processElement().targetMethod().getDeclaringClass(),
        equalTo(TimedClickHouseWrite.TimedWriteFn.class));
    assertThat(
        signature.finishBundle().targetMethod().getDeclaringClass(),
        equalTo(TimedClickHouseWrite.TimedWriteFn.class));
    assertThat(
        signature.startBundle().targetMethod().getDeclaringClass(),
        equalTo(TimedClickHouseWrite.TimedWriteFn.class));
    // ClickHouseIO's own: the connection and its backoff, unchanged.
    assertThat(
        signature.setup().targetMethod().getDeclaringClass(), equalTo(ClickHouseIO.WriteFn.class));
    assertThat(
        signature.teardown().targetMethod().getDeclaringClass(),
        equalTo(ClickHouseIO.WriteFn.class));
    assertThat(signature.fieldAccessDeclarations(), hasKey("filterFields"));
  }

  @Test
  public void theDoFnTakesTheWritesSettingsAndClickHouseIOsDriverProperties() {
    ClickHouseIO.Write<Row> write = write();
    Properties properties = TimedClickHouseWrite.insertProperties(write);
    TimedClickHouseWrite.TimedWriteFn fn =
        new TimedClickHouseWrite.TimedWriteFn(
            write, properties, TABLE, (rows, nanos, acknowledged) -> {});
    assertThat(fn.jdbcUrl(), equalTo(URL));
    assertThat(fn.table(), equalTo("orders"));
    assertThat(fn.maxInsertBlockSize(), equalTo(5000L));
    assertThat(fn.maxRetries(), equalTo(1000));
    assertThat(fn.initialBackoff(), equalTo(Duration.millis(250)));
    assertThat(fn.maxCumulativeBackoff(), equalTo(Duration.standardSeconds(120)));
    assertThat(fn.schema(), equalTo(TABLE));
    // Never deduplicated: a retried insert of the same block must not be dropped as a repeat.
    assertThat(fn.properties().get("insert_deduplication"), equalTo(false));
    assertThat(fn.properties().get("max_insert_block_size"), equalTo(5000L));
    assertThat(fn.properties().get("insert_distributed_sync"), equalTo(true));
    assertThat(write.properties().isEmpty(), equalTo(true));
  }

  @Test
  public void theStepsAreNamedAsClickHouseIONamesThem() {
    Pipeline pipeline = Pipeline.create();
    PCollection<Row> rows =
        pipeline.apply(
            Create.of(Row.withSchema(ROW).addValues("a", 1L).build()).withRowSchema(ROW));
    rows.apply("Insert_orders", write());
    rows.apply(
        "TimedInsert_orders", TimedClickHouseWrite.of(write(), (r, nanos, acknowledged) -> {}));
    List<String> steps = new ArrayList<>();
    pipeline.traverseTopologically(
        new Pipeline.PipelineVisitor.Defaults() {
          @Override
          public CompositeBehavior enterCompositeTransform(TransformHierarchy.Node node) {
            steps.add(node.getFullName());
            return CompositeBehavior.ENTER_TRANSFORM;
          }

          @Override
          public void visitPrimitiveTransform(TransformHierarchy.Node node) {
            steps.add(node.getFullName());
          }
        });
    List<String> beams = new ArrayList<>();
    List<String> timed = new ArrayList<>();
    for (String step : steps) {
      if (step.startsWith("Insert_orders/")) {
        beams.add(step.substring("Insert_orders/".length()));
      } else if (step.startsWith("TimedInsert_orders/")) {
        timed.add(step.substring("TimedInsert_orders/".length()));
      }
    }
    assertThat(steps.toString(), beams.size(), equalTo(2));
    assertThat(timed, equalTo(beams));
  }
}
