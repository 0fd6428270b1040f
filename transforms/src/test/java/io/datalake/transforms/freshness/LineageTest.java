package io.datalake.transforms.freshness;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.datalake.transforms.kinds.RecordKind;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.schema.LakeTable;
import io.datalake.transforms.warehouse.WarehouseTable;
import io.datalake.transforms.warehouse.WarehouseTables;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.Test;

/**
 * The lineage is made from the descriptors: every table has its sources, and the generated {@code
 * lineage.dot} / {@code lineage.svg} in the repository are what {@link Lineage} makes now (with
 * {@code -Dreadme.update=true} this test rewrites them instead, drawing the SVG with Graphviz).
 */
public class LineageTest {
  static final String UPDATE_COMMAND =
      "mvn -pl transforms test -Dtest=LineageTest -Dreadme.update=true";

  private final Lineage lineage = Lineage.of(RecordKinds.builtIn());

  @Test
  public void everyLakeTableComesFromItsKindWithTheSteps() {
    for (RecordKind kind : RecordKinds.builtIn().all()) {
      for (LakeTable table : kind.tables()) {
        List<Lineage.Edge> sources = lineage.sourcesOf("lake:" + table.name());
        assertThat(
            table.name(),
            sources.stream().map(Lineage.Edge::from).toList(),
            hasItem("kind:" + kind.name()));
        Lineage.Edge fromKind =
            sources.stream().filter(e -> e.from().equals("kind:" + kind.name())).findFirst().get();
        assertThat(fromKind.steps(), hasItem("ParseTypeAndEncrypt"));
        assertThat(fromKind.steps().get(0), equalTo("ReadJsonLines | ReadKafkaTopics"));
      }
    }
    assertThat(
        lineage.node("kind:checkout-orders").detail(),
        equalTo(
            "folder "
                + RecordKinds.builtIn().byName("checkout-orders").folder()
                + "/, topic "
                + RecordKinds.builtIn().byName("checkout-orders").defaultTopic()));
  }

  @Test
  public void everyWarehouseTableHasItsLakeSourceAndCurrentEntitiesItsRule() {
    for (WarehouseTable table : WarehouseTables.all()) {
      List<Lineage.Edge> sources = lineage.sourcesOf("clickhouse:" + table.name());
      assertEquals(table.name(), 1, sources.size());
      assertEquals("lake:" + table.source(), sources.get(0).from());
      assertThat(
          sources.get(0).steps(),
          hasItem("WriteWarehouse/Insert_" + table.name() + " (streaming)"));
    }
    Lineage.Edge current = lineage.sourcesOf("clickhouse:current_entities").get(0);
    assertEquals("lake:entity_operations", current.from());
    assertThat(current.relation(), containsString("latest state per org_id, entity_id"));
    assertThat(current.relation(), containsString("snapshot rows do not feed it"));
    assertThat(
        lineage.sourcesOf("lake:workflow_phases").get(0).relation(),
        equalTo("children of workflow_executions (execution_id = id)"));
    assertThat(
        lineage.sourcesOf("lake:entity_operations").stream().map(Lineage.Edge::relation).toList(),
        hasItem(containsString("monthly snapshot rows")));
  }

  @Test
  public void theJsonHoldsEveryNodeAndEdge() throws IOException {
    JsonNode json = new ObjectMapper().readTree(lineage.toJson());
    assertEquals(lineage.nodes().size(), json.get("nodes").size());
    assertEquals(lineage.edges().size(), json.get("edges").size());
    assertEquals("kind:entity-operations", json.get("nodes").get(0).get("id").asText());
  }

  /** The guard of the generated files; {@code -Dreadme.update=true} rewrites them. */
  @Test
  public void theRepositorysLineagePictureIsTheDescriptorsLineage() throws Exception {
    Path root = root();
    Path dot = root.resolve("lineage.dot");
    Path svg = root.resolve("lineage.svg");
    String generated = lineage.toDot();
    if (Boolean.getBoolean("readme.update")) {
      Files.writeString(dot, generated, StandardCharsets.UTF_8);
      Process process =
          new ProcessBuilder("dot", "-Tsvg", dot.toString(), "-o", svg.toString())
              .inheritIO()
              .start();
      if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
        fail("dot -Tsvg lineage.dot failed (Graphviz: apt-get install graphviz)");
      }
      return;
    }
    if (!Files.exists(dot) || !Files.readString(dot, StandardCharsets.UTF_8).equals(generated)) {
      fail(
          "lineage.dot differs from the kind descriptors' lineage; regenerate with\n  "
              + UPDATE_COMMAND);
    }
    String picture = Files.readString(svg, StandardCharsets.UTF_8);
    for (Lineage.Node node : lineage.nodes()) {
      // Graphviz escapes '-' (and '>') in titles as character references.
      String title = node.id().replace("-", "&#45;");
      if (!picture.contains("<title>" + title + "</title>")) {
        fail(
            "lineage.svg was not drawn from the current lineage.dot (no "
                + node.id()
                + "); regenerate with\n  "
                + UPDATE_COMMAND);
      }
    }
  }

  /** The checkout's root: where the transforms/ folder is. */
  private static Path root() {
    Path here = Paths.get(System.getProperty("basedir", "")).toAbsolutePath();
    for (Path dir = here; dir != null; dir = dir.getParent()) {
      if (Files.isDirectory(dir.resolve("transforms")) && Files.exists(dir.resolve("pom.xml"))) {
        return dir;
      }
    }
    throw new IllegalStateException("no checkout root above " + here);
  }
}
