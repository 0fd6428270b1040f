package io.datalake.pipelines.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datalake.pipelines.LocalFiles;
import io.datalake.transforms.kinds.RecordKinds;
import io.datalake.transforms.model.TenantId;
import io.datalake.transforms.warehouse.ClickHouseClient;
import io.datalake.transforms.warehouse.ClickHouseClient.ClickHouseException;
import io.datalake.transforms.warehouse.Sql;
import io.datalake.transforms.warehouse.TenantAccess;
import io.datalake.transforms.warehouse.TenantDatabase;
import io.datalake.transforms.warehouse.WarehouseSchema;
import io.datalake.transforms.warehouse.WarehouseTable;
import io.datalake.transforms.warehouse.WarehouseTables;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ./datalake credentials create|list|revoke}: ClickHouse users for tenants, each able to
 * read its own tenant's rows and nothing else (see {@link TenantAccess} for how, per server
 * version). The password is printed once, at creation; only its SHA-256 is stored: on a server
 * without SQL access management (18.16) in a {@code users.d/<user>.xml} file the server reloads by
 * itself, on a current server in the server's own user store ({@code CREATE USER ... sha256_hash}).
 */
@Command(
    name = "credentials",
    description =
        "ClickHouse credentials for tenants: each reads its own tenant's rows only (./datalake"
            + " credentials create --tenant ORG).",
    subcommands = {
      Credentials.Create.class,
      Credentials.ListCommand.class,
      Credentials.Revoke.class
    })
final class Credentials extends Cli.Group {
  /** What a tenant user's name is made of: {@code <tenant database>_<label>}. */
  static final Pattern LABEL = Pattern.compile("[a-z0-9][a-z0-9_]{0,31}");

  static final Pattern USER = Pattern.compile("[A-Za-z0-9_]{1,128}");

  /** The first line of a users.d file this command wrote, with what {@code list} shows. */
  static final String MARKER = "datalake-credential";

  private static final Pattern MARKER_LINE =
      Pattern.compile("<!-- " + MARKER + " ((?:\\w+=\\S* ?)+) -->");

  private static final SecureRandom RANDOM = new SecureRandom();

  /** How long create and revoke wait for the server to take a change of users.d. */
  static final Duration RELOAD_TIMEOUT = Duration.ofSeconds(60);

  /** The lock {@link UsersDir#lockOnFileServer} took: closing its channel releases it. */
  record UsersLock(FileChannel channel) implements AutoCloseable {
    /**
     * Locks {@code file} (made if missing), waiting while another process holds it; says so on
     * {@code err} first, naming the file, so a wait behind a hung command is not a silent hang.
     */
    static UsersLock acquire(Path file, PrintWriter err) throws IOException {
      FileChannel channel =
          FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      try {
        FileLock lock = channel.tryLock();
        if (lock == null) {
          err.println(
              "datalake: waiting for another credentials create or revoke to finish (it holds "
                  + file
                  + ")");
          err.flush();
          channel.lock();
        }
        return new UsersLock(channel);
      } catch (IOException | RuntimeException e) {
        channel.close();
        throw e;
      }
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }

  /** Where a server without SQL access management reads tenant users' files. */
  static final class UsersDir {
    @Option(
        names = "--usersDir",
        paramLabel = "DIR",
        description =
            "The server's users.d folder, where a server without SQL access management (18.16)"
                + " reads tenant users (default: $DATALAKE_CLICKHOUSE_USERS_DIR, the local"
                + " server's).")
    Path usersDir;

    /**
     * On a server that keeps users in files (18.16), a lock of the users folder, held by one {@code
     * create} or {@code revoke} at a time: a revoke that drops the tenant database after the
     * tenant's last credential must not run while a create of the same tenant fills that database
     * and writes its file. Null (nothing to hold) on a server with SQL access management.
     */
    UsersLock lockOnFileServer(CommandLine cl, Cli.ClickHouseConnection connection)
        throws IOException {
      if (TenantAccess.hasSqlAccessManagement(connection.admin().serverVersion())) {
        return null;
      }
      // Not .xml: the server reads only the .xml and .conf files of users.d.
      return UsersLock.acquire(usersDir(cl).resolve(".datalake-credentials.lock"), cl.getErr());
    }

    Path usersDir(CommandLine cl) {
      if (usersDir != null) {
        return usersDir;
      }
      String local = System.getenv("DATALAKE_CLICKHOUSE_USERS_DIR");
      if (local == null || local.isBlank()) {
        throw new ParameterException(
            cl,
            "this ClickHouse keeps users in files: name its users.d folder with --usersDir (the"
                + " local server's is $DATALAKE_CLICKHOUSE_USERS_DIR, set by ./datalake)");
      }
      return Path.of(local);
    }
  }

  // ------------------------------------------------------------------ create

  @Command(
      name = "create",
      description =
          "Makes a user that reads only this tenant's rows and prints username, password, host,"
              + " port, database, a JDBC URL and an ODBC string. The password is shown only now.")
  static final class Create implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Cli.HelpOption help;
    @Mixin Cli.ClickHouseConnection connection;
    @Mixin UsersDir users;

    @Option(
        names = "--tenant",
        required = true,
        paramLabel = "ORG",
        description = "The tenant (org_id; for VTEX tables the host name).")
    String tenant;

    @Option(
        names = "--name",
        paramLabel = "LABEL",
        description =
            "A label that ends the user name: a-z, 0-9 and _, at most 32 (default: random).")
    String label;

    @Option(names = "--json", description = "Print one JSON object instead of key: value lines.")
    boolean json;

    @Option(
        names = "--publicUrl",
        paramLabel = "URL",
        description =
            "The address tenants connect to, printed as host and port (default: --clickhouseUrl).")
    String publicUrl;

    @Option(
        names = "--nativePort",
        paramLabel = "PORT",
        description =
            "The server's native (TCP) port, which clickhouse-client uses, printed as native_port"
                + " (default: $DATALAKE_CLICKHOUSE_TCP_PORT for a server on this machine, else"
                + " 9000).")
    Integer nativePort;

    @Override
    public Integer call() throws IOException, InterruptedException {
      CommandLine cl = spec.commandLine();
      checkArguments(cl); // before the server is asked anything
      // Settled before the user is made: a failure after it would lose the password shown once.
      URI address = URI.create(publicUrl != null ? publicUrl : connection.url());
      int tcpPort = nativePort(cl, address);
      try (UsersLock lock = users.lockOnFileServer(cl, connection)) {
        return create(cl, address, tcpPort);
      } catch (ClickHouseException | IllegalStateException e) {
        return error(cl, e.getMessage());
      }
    }

    private void checkArguments(CommandLine cl) {
      checkTenant(cl, tenant);
      if (label != null && !LABEL.matcher(label).matches()) {
        throw new ParameterException(
            cl,
            "--name must be 1 to 32 of a-z, 0-9 and _, starting with a letter or digit: " + label);
      }
    }

    private int create(CommandLine cl, URI address, int tcpPort)
        throws IOException, InterruptedException {
      String name = label != null ? label : HexFormat.of().formatHex(randomBytes(3));
      String database = connection.database;
      String tenantDb = TenantAccess.tenantDatabase(database, tenant);
      String user = tenantDb + "_" + name;
      ClickHouseClient admin = connection.admin();
      String version = admin.serverVersion();
      boolean sql = TenantAccess.hasSqlAccessManagement(version);
      Path file = null;
      if (!sql) {
        file = users.usersDir(cl).resolve(user + ".xml");
        if (Files.exists(file)) {
          return error(cl, "a credential " + user + " exists already; choose another --name");
        }
      }
      List<WarehouseTable> tables = WarehouseTables.all();
      // A tenant with no rows yet: its objects need the warehouse tables, made as a run would.
      WarehouseSchema.prepare(admin, database, tables);
      for (TenantAccess.Step step : TenantAccess.tenantObjects(database, tenant, tables)) {
        TenantAccess.executeUnlessExists(admin, step.sql());
      }
      if (!sql) {
        // The tenant's own database: a copy of its rows, which its user reads.
        TenantDatabase.make(admin, database, tenant, tables, RecordKinds.builtIn());
      }
      String password = HexFormat.of().formatHex(randomBytes(20));
      String hash = TenantAccess.sha256Hex(password);
      String readDatabase;
      if (sql) {
        if (!admin
            .execute("SELECT count() FROM system.users WHERE name = " + sqlString(user))
            .trim()
            .equals("0")) {
          return error(cl, "a credential " + user + " exists already; choose another --name");
        }
        for (String statement :
            TenantAccess.createUserStatements(user, hash, database, tenant, tables)) {
          admin.execute(statement);
        }
        readDatabase = database;
      } else {
        Map<String, String> about = new LinkedHashMap<>();
        about.put("tenant", tenant);
        about.put("name", name);
        about.put("database", tenantDb);
        about.put("created", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        writeUsersFile(file, TenantAccess.usersFile(user, hash, tenantDb, marker(about)));
        // Printed credentials work at once: the server reloads users.d within seconds.
        awaitLogin(connection.url(), user, password, tenantDb, true);
        readDatabase = tenantDb;
      }
      Map<String, String> out = new LinkedHashMap<>();
      out.put("username", user);
      out.put("password", password);
      out.put("host", address.getHost());
      out.put("port", String.valueOf(port(address)));
      out.put("native_port", String.valueOf(tcpPort));
      out.put("database", readDatabase);
      out.put("tenant", tenant);
      out.put("jdbc_url", jdbcUrl(address, readDatabase, sql ? null : version));
      out.put("odbc", odbc(address, readDatabase, user));
      out.put("clickhouse_client", clientCommand(address, tcpPort, user, readDatabase));
      print(cl.getOut(), out, json);
      if (!json) {
        cl.getOut().println("# the password is shown only now: only its SHA-256 is stored");
      }
      return 0;
    }

    /**
     * The native port clickhouse-client needs (port is the HTTP one, which it cannot speak: it
     * waits without a word): as given, the local server's ($DATALAKE_CLICKHOUSE_TCP_PORT), or
     * ClickHouse's usual one (9440 with TLS, else 9000).
     */
    private int nativePort(CommandLine cl, URI address) {
      if (nativePort != null) {
        return portNumber(cl, nativePort.toString(), "--nativePort");
      }
      String host = address.getHost();
      boolean local = "127.0.0.1".equals(host) || "localhost".equals(host) || "[::1]".equals(host);
      if (!local) {
        return "https".equalsIgnoreCase(address.getScheme()) ? 9440 : 9000;
      }
      return portNumber(
          cl,
          Cli.env("DATALAKE_CLICKHOUSE_TCP_PORT", "9000").strip(),
          "$DATALAKE_CLICKHOUSE_TCP_PORT (or give --nativePort)");
    }

    /**
     * {@code text} as a TCP port, 1 to 65535; a bad command line (exit 2) naming where it came
     * from.
     */
    private static int portNumber(CommandLine cl, String text, String from) {
      try {
        int port = Integer.parseInt(text);
        if (port >= 1 && port <= 65535) {
          return port;
        }
      } catch (NumberFormatException e) {
        // refused below
      }
      throw new ParameterException(cl, from + " must be a port, 1 to 65535: " + text);
    }
  }

  /**
   * The clickhouse-client command line for a tenant user, with {@code PASSWORD} where the password
   * goes: typed into a command, it would stay in the shell's history and show in {@code ps}, so it
   * is not printed there (a current client asks for it with {@code --ask-password}; 18.16's
   * cannot).
   */
  static String clientCommand(URI address, int nativePort, String user, String database) {
    String host = address.getHost();
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return "clickhouse-client --host "
        + host
        + " --port "
        + nativePort
        + ("https".equalsIgnoreCase(address.getScheme()) ? " --secure" : "")
        + " --user "
        + user
        + " --database "
        + database
        + " --password PASSWORD";
  }

  // ------------------------------------------------------------------ list

  @Command(name = "list", description = "Tenant credentials (never a password).")
  static final class ListCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Cli.HelpOption help;
    @Mixin Cli.ClickHouseConnection connection;
    @Mixin UsersDir users;

    @Option(names = "--tenant", paramLabel = "ORG", description = "Only this tenant's.")
    String tenant;

    @Option(names = "--json", description = "One JSON object a line instead of a table.")
    boolean json;

    @Override
    public Integer call() throws IOException {
      CommandLine cl = spec.commandLine();
      try {
        return list(cl);
      } catch (ClickHouseException | IllegalStateException e) {
        return error(cl, e.getMessage());
      }
    }

    private int list(CommandLine cl) throws IOException {
      if (tenant != null) {
        checkTenant(cl, tenant);
      }
      ClickHouseClient admin = connection.admin();
      List<Map<String, String>> rows =
          TenantAccess.hasSqlAccessManagement(admin.serverVersion())
              ? listSql(admin, connection.database)
              : listFiles(users.usersDir(cl));
      PrintWriter out = cl.getOut();
      if (!json) {
        out.printf(
            "%-40s %-24s %-12s %-40s %s%n", "USERNAME", "TENANT", "NAME", "DATABASE", "CREATED");
      }
      for (Map<String, String> row : rows) {
        if (tenant != null && !tenant.equals(row.get("tenant"))) {
          continue;
        }
        if (json) {
          print(out, row, true);
        } else {
          out.printf(
              "%-40s %-24s %-12s %-40s %s%n",
              row.get("username"),
              row.get("tenant"),
              row.get("name"),
              row.get("database"),
              row.get("created"));
        }
      }
      return 0;
    }
  }

  // ------------------------------------------------------------------ revoke

  @Command(
      name = "revoke",
      description = "Removes a tenant credential; the server refuses it within seconds.")
  static final class Revoke implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Cli.HelpOption help;
    @Mixin Cli.ClickHouseConnection connection;
    @Mixin UsersDir users;

    @Parameters(paramLabel = "USER", description = "The username, as create printed it.")
    String user;

    @Override
    public Integer call() throws IOException, InterruptedException {
      CommandLine cl = spec.commandLine();
      if (!USER.matcher(user).matches()) {
        throw new ParameterException(
            cl, "USER must be letters, digits and underscores, as create printed it: " + user);
      }
      try (UsersLock lock = users.lockOnFileServer(cl, connection)) {
        return revoke(cl);
      } catch (ClickHouseException | IllegalStateException e) {
        return error(cl, e.getMessage());
      }
    }

    private int revoke(CommandLine cl) throws IOException, InterruptedException {
      ClickHouseClient admin = connection.admin();
      long start = System.nanoTime();
      if (TenantAccess.hasSqlAccessManagement(admin.serverVersion())) {
        if (listSql(admin, connection.database).stream()
            .noneMatch(r -> user.equals(r.get("username")))) {
          return error(cl, "no tenant credential " + user);
        }
        for (String statement :
            TenantAccess.dropUserStatements(user, connection.database, WarehouseTables.all())) {
          admin.execute(statement);
        }
      } else {
        Path dir = users.usersDir(cl);
        Path file = dir.resolve(user + ".xml");
        Map<String, String> revoked = Files.exists(file) ? about(file) : null;
        if (revoked == null) {
          return error(cl, "no tenant credential " + user + " in " + dir);
        }
        Files.delete(file);
        awaitLogin(connection.url(), user, "", null, false);
        printRevoked(cl, start);
        dropDatabaseAfterLastCredential(cl, admin, dir, revoked);
        return 0;
      }
      printRevoked(cl, start);
      return 0;
    }

    private void printRevoked(CommandLine cl, long start) {
      cl.getOut()
          .printf(
              "datalake: revoked %s; ClickHouse refuses it (after %d ms)%n",
              user, (System.nanoTime() - start) / 1_000_000);
    }

    /**
     * On 18.16, once no credential of the tenant is left, drops the tenant database (its copies of
     * the tenant's rows, and the feeds that filter every warehouse insert for it): nobody reads it
     * any more. A credential made later makes it again. A database this warehouse ({@code
     * --clickhouseDatabase}) would not have made for the tenant is left alone, and said so.
     */
    private void dropDatabaseAfterLastCredential(
        CommandLine cl, ClickHouseClient admin, Path dir, Map<String, String> revoked)
        throws IOException {
      String tenant = revoked.get("tenant");
      String tenantDb = revoked.get("database");
      if (tenant == null || tenantDb == null) {
        return;
      }
      List<String> others = new ArrayList<>();
      for (Map<String, String> other : listFiles(dir)) {
        if (tenantDb.equals(other.get("database"))) {
          others.add(other.get("username"));
        }
      }
      if (!others.isEmpty()) {
        cl.getOut()
            .printf(
                "datalake: kept the tenant database %s: %d other credential(s) of tenant %s read"
                    + " it (%s)%n",
                tenantDb, others.size(), tenant, String.join(", ", others));
        return;
      }
      if (!tenantDb.equals(TenantAccess.tenantDatabase(connection.database, tenant))) {
        cl.getOut()
            .printf(
                "datalake: kept the tenant database %s: it is not the one warehouse %s makes for"
                    + " tenant %s; run revoke with the --clickhouseDatabase the credential was"
                    + " made with to drop it, or drop it by hand%n",
                tenantDb, connection.database, tenant);
        return;
      }
      try {
        TenantDatabase.drop(admin, connection.database, tenant);
      } catch (ClickHouseException e) {
        // The credential is gone already: say what is left, and how to finish, without failing.
        cl.getOut()
            .printf(
                "datalake: could not drop the tenant database %s (%s); drop it by hand: DROP"
                    + " DATABASE %s%n",
                tenantDb, e.getMessage(), Sql.identifier(tenantDb));
        return;
      }
      cl.getOut()
          .printf(
              "datalake: dropped the tenant database %s (its copies of tenant %s's rows): it was"
                  + " the tenant's last credential; a new one makes it again%n",
              tenantDb, tenant);
    }
  }

  // ------------------------------------------------------------------ helpers

  static void checkTenant(CommandLine cl, String tenant) {
    // Only an id the pipeline can store (TenantId): any other could never have rows.
    if (!TenantId.isValid(tenant)) {
      throw new ParameterException(
          cl,
          "--tenant must be a tenant id as the pipeline stores it (org_id, or a VTEX host name):"
              + " 1 to 64 ASCII letters, digits, '.', '_' or '-', starting with a letter or digit;"
              + " case counts");
    }
  }

  private static int error(CommandLine cl, String message) {
    cl.getErr().println("datalake: error: " + message);
    return 1;
  }

  private static byte[] randomBytes(int n) {
    byte[] bytes = new byte[n];
    RANDOM.nextBytes(bytes);
    return bytes;
  }

  private static String sqlString(String value) {
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }

  static int port(URI address) {
    if (address.getPort() > 0) {
      return address.getPort();
    }
    return "https".equalsIgnoreCase(address.getScheme()) ? 8443 : 8123;
  }

  /**
   * The JDBC URL of the ClickHouse driver (0.6.x) for a tenant user. It sets no ClickHouse setting:
   * a read-only user may change none. On 18.16 (measured): {@code server_version} keeps the driver
   * from calling {@code currentUser()} (unknown to 18.16); the database goes as the HTTP parameter
   * {@code database} (18.16 ignores the driver's own way); the driver reads TSVWithNamesAndTypes,
   * uncompressed, which 18.16 answers in when asked by the HTTP parameter {@code default_format} (a
   * parameter of 18.16's HTTP interface, not a setting, so read-only users may pass it).
   */
  static String jdbcUrl(URI address, String database, String version18) {
    boolean tls = "https".equalsIgnoreCase(address.getScheme());
    String base = "jdbc:clickhouse://" + address.getHost() + ":" + port(address) + "/" + database;
    if (version18 == null) {
      return base + (tls ? "?ssl=true" : "");
    }
    return base
        + "?server_version="
        + URLEncoder.encode(version18, StandardCharsets.UTF_8)
        + "&server_time_zone=UTC&compress=0&format=TSVWithNamesAndTypes&custom_http_params="
        + URLEncoder.encode(
            "database=" + database + ",default_format=TSVWithNamesAndTypes", StandardCharsets.UTF_8)
        + (tls ? "&ssl=true" : "");
  }

  /** The connection string of ClickHouse's ODBC driver (HTTP underneath); the password to add. */
  static String odbc(URI address, String database, String user) {
    return "Driver={ClickHouse ODBC Driver (Unicode)};Url="
        + address.getScheme()
        + "://"
        + address.getHost()
        + ":"
        + port(address)
        + "/?database="
        + database
        + ";Database="
        + database
        + ";UID="
        + user
        + ";PWD=<password>";
  }

  private static void print(PrintWriter out, Map<String, String> fields, boolean json) {
    if (json) {
      ObjectNode node = new ObjectMapper().createObjectNode();
      fields.forEach(node::put);
      out.println(node.toString());
      return;
    }
    fields.forEach((k, v) -> out.println(k + ": " + v));
  }

  /** The comment a users.d file starts with: this command's marker and what list shows. */
  static String marker(Map<String, String> about) {
    StringBuilder s = new StringBuilder(MARKER);
    // URL-encoded, and '-' too: an XML comment may not hold "--".
    about.forEach(
        (k, v) ->
            s.append(' ')
                .append(k)
                .append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8).replace("-", "%2D")));
    return s.toString();
  }

  /** What a users.d file written by create says about itself; null for another file. */
  static Map<String, String> about(Path file) throws IOException {
    Matcher m = MARKER_LINE.matcher(Files.readString(file, StandardCharsets.UTF_8));
    if (!m.find()) {
      return null;
    }
    Map<String, String> about = new LinkedHashMap<>();
    String name = file.getFileName().toString();
    about.put("username", name.substring(0, name.length() - ".xml".length()));
    for (String pair : m.group(1).trim().split(" ")) {
      int eq = pair.indexOf('=');
      about.put(
          pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return about;
  }

  static List<Map<String, String>> listFiles(Path dir) throws IOException {
    List<Map<String, String>> rows = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return rows;
    }
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "*.xml")) {
      stream.forEach(files::add);
    }
    files.sort(null);
    for (Path file : files) {
      Map<String, String> about = about(file);
      if (about != null) {
        rows.add(about);
      }
    }
    return rows;
  }

  /**
   * Tenant users on a server with SQL access management: those with this command's row policy on
   * the first warehouse table, the tenant read back from its filter.
   */
  static List<Map<String, String>> listSql(ClickHouseClient admin, String database) {
    WarehouseTable first = WarehouseTables.all().get(0);
    List<Map<String, String>> rows = new ArrayList<>();
    String body =
        admin.execute(
            "SELECT short_name, select_filter FROM system.row_policies WHERE database = "
                + sqlString(database)
                + " AND table = "
                + sqlString(first.name())
                + " ORDER BY short_name FORMAT TSV");
    Pattern tenantFilter = Pattern.compile("= '((?:[^'\\\\]|\\\\.)*)'");
    for (String line : body.split("\n")) {
      String[] f = line.split("\t", 2);
      if (f.length < 2 || !USER.matcher(f[0]).matches()) {
        continue;
      }
      Matcher m = tenantFilter.matcher(f[1].replace("\\'", "'").replace("\\\\", "\\"));
      Map<String, String> row = new LinkedHashMap<>();
      row.put("username", f[0]);
      row.put("tenant", m.find() ? m.group(1) : "?");
      row.put("name", "");
      row.put("database", database);
      row.put("created", "");
      rows.add(row);
    }
    return rows;
  }

  /** Writes a users.d file whole (the server may read it any moment): a temporary file, renamed. */
  static void writeUsersFile(Path file, String content) throws IOException {
    LocalFiles.replaceWhole(
        file,
        content.getBytes(StandardCharsets.UTF_8),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r-----")));
  }

  /**
   * Waits until the server lets {@code user} in ({@code in}) or no longer knows it: 18.16 reloads
   * users.d by itself, within seconds. A revoked user is told apart from a wrong password by
   * ClickHouse's error code (192 unknown user, 193 wrong password).
   */
  static void awaitLogin(String url, String user, String password, String database, boolean in)
      throws InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    String query = "/?query=SELECT%201" + (database == null ? "" : "&database=" + database);
    String authorization =
        "Basic "
            + Base64.getEncoder()
                .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    long deadline = System.nanoTime() + RELOAD_TIMEOUT.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(URI.create(url.replaceAll("/+$", "") + query))
                    .header("Authorization", authorization)
                    .timeout(Duration.ofSeconds(10))
                    .GET()
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        last = r.body().trim();
        if (in ? r.statusCode() == 200 : last.startsWith("Code: 192,")) {
          return;
        }
      } catch (IOException e) {
        last = String.valueOf(e.getMessage());
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException(
        "ClickHouse did not "
            + (in ? "take the new user " : "drop the user ")
            + user
            + " within "
            + RELOAD_TIMEOUT.toSeconds()
            + " s (is the users.d folder the server's?): "
            + last);
  }
}
