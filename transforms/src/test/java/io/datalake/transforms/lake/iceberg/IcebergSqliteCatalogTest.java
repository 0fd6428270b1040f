package io.datalake.transforms.lake.iceberg;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;

import io.datalake.transforms.kinds.RecordKinds;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Two clients of one JDBC catalog on a SQLite file, as a running pipeline and a {@code ./datalake
 * lake} command are: each commits while the other is open. Iceberg's JdbcCatalog leaves the
 * metadata ResultSets of its start-up open (its {@code getTables} check of the catalog tables), and
 * on SQLite an open read statement keeps the file's shared lock, so the other client's commit
 * failed with SQLITE_BUSY ("database is locked"), whatever the busy timeout.
 */
public class IcebergSqliteCatalogTest {
  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  private IcebergCatalogConfig sqlite() throws Exception {
    return new IcebergCatalogConfig(
        "jdbc",
        temp.newFolder("wh").toString(),
        "jdbc:sqlite:" + temp.getRoot().toPath().resolve("catalog.db"),
        null,
        "lake");
  }

  @Test
  public void aCommandCommitsWhileThePipelinesCatalogIsOpenAndTheOtherWayRound() throws Exception {
    IcebergCatalogConfig config = sqlite();
    IcebergLakeTables.prepare(config, RecordKinds.builtIn(), false, "ZSTD");
    Catalog pipeline = config.catalog();
    Catalog command = config.catalog();
    try {
      Table byPipeline = pipeline.loadTable(config.id(IcebergTestTables.TABLE));
      Table byCommand = command.loadTable(config.id(IcebergTestTables.TABLE));
      IcebergTestTables.appendSmallFiles(byCommand, "c1", "org1", "2026-01-02T03:00:00Z", 2, 1);
      IcebergTestTables.appendSmallFiles(byPipeline, "p1", "org1", "2026-01-02T04:00:00Z", 2, 1);
      IcebergTestTables.appendSmallFiles(byCommand, "c2", "org2", "2026-01-02T05:00:00Z", 1, 1);
      byPipeline.refresh();
      assertThat(IcebergTestTables.rows(byPipeline), hasSize(5));
    } finally {
      IcebergCatalogConfig.close(command);
      IcebergCatalogConfig.close(pipeline);
    }
  }

  @Test
  public void twoClientsOpenedOnANewFileBothCreateAndCommit() throws Exception {
    IcebergCatalogConfig config = sqlite();
    Catalog first = config.catalog();
    Catalog second = config.catalog();
    try {
      IcebergLakeTables.prepare(config, RecordKinds.builtIn(), false, "ZSTD");
      Table a = first.loadTable(config.id(IcebergTestTables.TABLE));
      Table b = second.loadTable(config.id(IcebergTestTables.TABLE));
      IcebergTestTables.appendSmallFiles(a, "a", "org1", "2026-01-02T03:00:00Z", 1, 1);
      IcebergTestTables.appendSmallFiles(b, "b", "org1", "2026-01-02T03:00:00Z", 1, 1);
      a.refresh();
      assertThat(IcebergTestTables.rows(a), hasSize(2));
    } finally {
      IcebergCatalogConfig.close(second);
      IcebergCatalogConfig.close(first);
    }
  }

  /** The DirectRunner's committers: one client per table, committing at the same time. */
  @Test
  public void clientsCommittingDifferentTablesAtOnceAllSucceed() throws Exception {
    IcebergCatalogConfig config = sqlite();
    IcebergLakeTables.prepare(config, RecordKinds.builtIn(), false, "ZSTD");
    List<String> tables =
        List.of("journey_events", "journey_sessions", "portal_events", "portal_sessions");
    ExecutorService pool = Executors.newFixedThreadPool(tables.size());
    try {
      List<Future<Integer>> done = new ArrayList<>();
      for (String name : tables) {
        done.add(
            pool.submit(
                () -> {
                  Catalog client = config.catalog();
                  try {
                    Table table = client.loadTable(config.id(name));
                    for (int i = 0; i < 3; i++) {
                      table
                          .newAppend()
                          .appendFile(
                              IcebergTestTables.write(
                                  table, "t" + i, List.of(IcebergTestTables.row(table))))
                          .commit();
                    }
                    table.refresh();
                    return IcebergTestTables.snapshots(table);
                  } finally {
                    IcebergCatalogConfig.close(client);
                  }
                }));
      }
      for (Future<Integer> f : done) {
        assertThat(f.get(), is(3));
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
