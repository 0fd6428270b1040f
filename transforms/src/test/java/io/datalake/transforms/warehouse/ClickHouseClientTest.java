package io.datalake.transforms.warehouse;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import com.clickhouse.client.ClickHouseNode;
import com.clickhouse.jdbc.internal.ClickHouseJdbcUrlParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The JDBC URL ClickHouseIO writes with: TLS kept for https, credentials only inside it. */
public class ClickHouseClientTest {
  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  private static ClickHouseNode parse(String jdbcUrl) throws Exception {
    return ClickHouseJdbcUrlParser.parse(jdbcUrl, new Properties()).getServer();
  }

  @Test
  public void anHttpsUrlKeepsTlsOnTheInsertPath() throws Exception {
    String url = new ClickHouseClient("https://ch.example.com:8443", "").jdbcUrl("lake", "18.16.1");
    assertThat(url, containsString("ssl=true"));
    ClickHouseNode node = parse(url);
    assertThat(node.getHost(), equalTo("ch.example.com"));
    assertThat(node.getPort(), equalTo(8443));
    assertThat(node.getConfig().isSsl(), equalTo(true));
  }

  @Test
  public void anHttpUrlStaysPlain() throws Exception {
    String url = new ClickHouseClient("http://127.0.0.1:8123", "").jdbcUrl("lake", "18.16.1");
    assertThat(url, not(containsString("ssl=")));
    assertThat(parse(url).getConfig().isSsl(), equalTo(false));
  }

  @Test
  public void thePasswordOfTheCredentialsFileIsInTheJdbcUrlOnly() throws Exception {
    Path file = temp.newFile("ch.properties").toPath();
    Files.writeString(file, "user=writer\npassword=s3cr3t-pw,with=odd&chars\n");
    ClickHouseClient client = new ClickHouseClient("http://127.0.0.1:8123", file.toString());
    String url = client.jdbcUrl("lake", "18.16.1");
    assertThat(
        parse(url).getCredentials().get().getPassword(), equalTo("s3cr3t-pw,with=odd&chars"));
    assertThat(parse(url).getCredentials().get().getUserName(), equalTo("writer"));
    assertThat(client.toString(), not(containsString("s3cr3t")));
    assertThat(client.url(), not(containsString("s3cr3t")));
  }
}
