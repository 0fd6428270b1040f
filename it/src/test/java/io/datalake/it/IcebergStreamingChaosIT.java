package io.datalake.it;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The long case of {@link IcebergStreamingRecoveryIT} ({@code ./datalake chaos}): six SIGKILLs at
 * random moments, each followed by {@code --resume}; every id exactly once in the Iceberg tables.
 */
public class IcebergStreamingChaosIT {
  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  @Test
  public void sixSigkillsWithResumeLeaveEveryIdExactlyOnceInTheIcebergTables() throws Exception {
    IcebergStreamingKills.run("iceberg-chaos", temp.newFolder().toPath(), 6);
  }
}
