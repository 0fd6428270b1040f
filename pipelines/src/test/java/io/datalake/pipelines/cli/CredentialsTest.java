package io.datalake.pipelines.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import io.datalake.transforms.warehouse.TenantAccess;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * {@code credentials}: the users.d files it writes and reads back, the connection strings it
 * prints, and the command lines it refuses (exit 2) before contacting anything.
 */
public class CredentialsTest {
  @Rule public final TemporaryFolder temp = new TemporaryFolder();

  private static final String HASH = TenantAccess.sha256Hex("pw");

  private static Cli.Outcome cli(String... args) {
    return Cli.executeCapturing(args);
  }

  /**
   * Two create or revoke processes on an 18.16 server take turns on the users folder's lock; the
   * one that waits says so and for which file (a hung holder would otherwise look like a hang). The
   * holder is another JVM: a file lock is held per process.
   */
  @Test
  public void aCommandWaitingForTheUsersLockSaysSoAndGoesOnWhenItIsFreed() throws Exception {
    Path lockFile = temp.getRoot().toPath().resolve(".datalake-credentials.lock");
    Path holderSource = temp.getRoot().toPath().resolve("HoldLock.java");
    Files.writeString(
        holderSource,
        "import java.nio.channels.FileChannel;\n"
            + "import java.nio.file.Path;\n"
            + "import java.nio.file.StandardOpenOption;\n"
            + "public class HoldLock {\n"
            + "  public static void main(String[] args) throws Exception {\n"
            + "    FileChannel c = FileChannel.open(Path.of(args[0]), StandardOpenOption.CREATE,"
            + " StandardOpenOption.WRITE);\n"
            + "    c.lock();\n"
            + "    System.out.println(\"locked\");\n"
            + "    System.out.flush();\n"
            + "    System.in.read();\n" // until the test closes its stdin
            + "  }\n"
            + "}\n");
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process holder =
        new ProcessBuilder(java.toString(), holderSource.toString(), lockFile.toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    try {
      BufferedReader out =
          new BufferedReader(
              new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
      assertThat(out.readLine(), equalTo("locked"));

      StringWriter said = new StringWriter();
      CompletableFuture<Credentials.UsersLock> waiting =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return Credentials.UsersLock.acquire(lockFile, new PrintWriter(said, true));
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
      Thread.sleep(1000);
      assertThat("still waiting while the other process holds it", waiting.isDone(), is(false));
      assertThat(
          said.toString(),
          containsString(
              "waiting for another credentials create or revoke to finish (it holds "
                  + lockFile
                  + ")"));

      holder.getOutputStream().close(); // the holder exits, its lock goes with it
      try (Credentials.UsersLock lock = waiting.get(30, TimeUnit.SECONDS)) {
        assertThat(lock.channel().isOpen(), is(true));
      }
    } finally {
      holder.destroyForcibly().waitFor();
    }

    // Free: taken at once, nothing said.
    StringWriter quiet = new StringWriter();
    try (Credentials.UsersLock lock =
        Credentials.UsersLock.acquire(lockFile, new PrintWriter(quiet, true))) {
      assertThat(quiet.toString(), equalTo(""));
    }
  }

  @Test
  public void aUsersFileSaysWhoseItIsAndIsReadBack() throws Exception {
    Path dir = temp.newFolder("users.d").toPath();
    Map<String, String> about = new LinkedHashMap<>();
    about.put("tenant", "shop--x y.example");
    about.put("name", "bi");
    about.put("database", "tenant_shop__x_y_example_0123abcd");
    about.put("created", "2026-11-30T19:00:00Z");
    Path file = dir.resolve("tenant_shop_bi.xml");
    Credentials.writeUsersFile(
        file,
        TenantAccess.usersFile(
            "tenant_shop_bi",
            HASH,
            "tenant_shop__x_y_example_0123abcd",
            Credentials.marker(about)));
    assertThat(
        PosixFilePermissions.toString(Files.getPosixFilePermissions(file)), equalTo("rw-r-----"));
    // Another file in the folder (the server's own) is none of ours.
    Files.writeString(dir.resolve("other.xml"), "<yandex/>");
    Map<String, String> read = Credentials.about(file);
    assertThat(read.get("username"), equalTo("tenant_shop_bi"));
    assertThat(read.get("tenant"), equalTo("shop--x y.example"));
    assertThat(read.get("created"), equalTo("2026-11-30T19:00:00Z"));
    assertThat(Credentials.about(dir.resolve("other.xml")), nullValue());
    List<Map<String, String>> listed = Credentials.listFiles(dir);
    assertThat(listed.size(), equalTo(1));
    assertThat(listed.get(0).get("database"), equalTo("tenant_shop__x_y_example_0123abcd"));
    try (var files = Files.list(dir)) {
      assertThat("no temporary file is left", files.count(), equalTo(2L));
    }
  }

  @Test
  public void theJdbcUrlOn1816NeedsNoSetting() {
    String url =
        Credentials.jdbcUrl(URI.create("http://db.example.com:8123"), "tenant_1", "18.16.1");
    assertThat(
        url,
        equalTo(
            "jdbc:clickhouse://db.example.com:8123/tenant_1?server_version=18.16.1"
                + "&server_time_zone=UTC&compress=0&format=TSVWithNamesAndTypes"
                + "&custom_http_params=database%3Dtenant_1%2Cdefault_format%3DTSVWithNamesAndTypes"));
    assertThat(url, not(containsString("custom_settings")));
    assertThat(
        Credentials.jdbcUrl(URI.create("https://db.example.com"), "datalake", null),
        equalTo("jdbc:clickhouse://db.example.com:8443/datalake?ssl=true"));
    assertThat(
        Credentials.odbc(URI.create("http://db.example.com:8123"), "tenant_1", "tenant_1_bi"),
        equalTo(
            "Driver={ClickHouse ODBC Driver (Unicode)};Url=http://db.example.com:8123/?database="
                + "tenant_1;Database=tenant_1;UID=tenant_1_bi;PWD=<password>"));
  }

  /** The printed clickhouse-client command: native port, TLS, never the password itself. */
  @Test
  public void theClientCommandNamesTheNativePortAndNotThePassword() {
    assertThat(
        Credentials.clientCommand(
            URI.create("http://127.0.0.1:8123"), 9000, "tenant_1_bi", "tenant_1"),
        equalTo(
            "clickhouse-client --host 127.0.0.1 --port 9000 --user tenant_1_bi --database"
                + " tenant_1 --password PASSWORD"));
    assertThat(
        Credentials.clientCommand(URI.create("https://db.example.com"), 9440, "u", "datalake"),
        equalTo(
            "clickhouse-client --host db.example.com --port 9440 --secure --user u --database"
                + " datalake --password PASSWORD"));
    assertThat(
        Credentials.clientCommand(URI.create("http://[::1]:8123"), 9000, "u", "d"),
        containsString("--host ::1 --port 9000"));
  }

  @Test
  public void badCommandLinesExitWithTwoBeforeAnythingIsContacted() {
    // Port 9 (discard) answers nothing: a command that got past its checks would fail with 1.
    String url = "--clickhouseUrl=http://127.0.0.1:9";
    Cli.Outcome noTenant = cli("credentials", "create", url);
    assertThat(noTenant.code(), equalTo(2));
    assertThat(noTenant.err(), containsString("--tenant"));
    Cli.Outcome blank = cli("credentials", "create", url, "--tenant", " ");
    assertThat(blank.code(), equalTo(2));
    assertThat(blank.err(), containsString("--tenant must be a tenant id"));
    // Ids the pipeline cannot store could never have rows: 65 characters, a space inside.
    for (String never : List.of("t".repeat(65), "two words", "-dash")) {
      Cli.Outcome bad = cli("credentials", "create", url, "--tenant", never);
      assertThat(never, bad.code(), equalTo(2));
      assertThat(bad.err(), containsString("1 to 64 ASCII letters, digits"));
    }
    Cli.Outcome port = cli("credentials", "create", url, "--tenant", "1", "--nativePort", "70000");
    assertThat(port.code(), equalTo(2));
    assertThat(port.err(), containsString("--nativePort must be a port"));
    Cli.Outcome label = cli("credentials", "create", url, "--tenant", "1", "--name", "Bad-Name");
    assertThat(label.code(), equalTo(2));
    assertThat(label.err(), containsString("--name must be 1 to 32 of a-z, 0-9 and _"));
    Cli.Outcome user = cli("credentials", "revoke", url, "x;DROP");
    assertThat(user.code(), equalTo(2));
    assertThat(user.err(), containsString("USER must be letters, digits and underscores"));
    Cli.Outcome missing = cli("credentials");
    assertThat(missing.code(), equalTo(2));
    assertThat(missing.err(), containsString("missing subcommand"));
  }

  @Test
  public void anUnreachableServerIsOneLineAndExitOne() {
    Cli.Outcome r = cli("credentials", "list", "--clickhouseUrl=http://127.0.0.1:9");
    assertThat(r.code(), equalTo(1));
    assertThat(r.err(), containsString("datalake: error: ClickHouse at http://127.0.0.1:9"));
  }
}
