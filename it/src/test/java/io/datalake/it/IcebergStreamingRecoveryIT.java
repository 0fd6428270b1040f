package io.datalake.it;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Streaming into the Iceberg lake on Flink, killed twice with SIGKILL and resumed: every id exactly
 * once in the Iceberg tables ({@link IcebergStreamingKills}); the longer case is {@link
 * IcebergStreamingChaosIT}.
 */
public class IcebergStreamingRecoveryIT {
  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  @Test
  public void twoSigkillsWithResumeLeaveEveryIdExactlyOnceInTheIcebergTables() throws Exception {
    IcebergStreamingKills.run("iceberg-kills", temp.newFolder().toPath(), 2);
  }
}
