package io.datalake.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.datalake.transforms.model.LakeRow;
import io.datalake.transforms.model.RecordRejectedException;
import io.datalake.transforms.parse.DroppedFields;
import io.datalake.transforms.parse.RecordParser;
import io.datalake.transforms.pii.PiiEncryptor;
import io.datalake.transforms.pii.PiiKeyset;
import io.datalake.transforms.pii.PiiPolicy;
import io.datalake.transforms.warehouse.ClickHouseWarehouseIO;
import io.datalake.transforms.warehouse.WarehouseColumn;
import io.datalake.transforms.warehouse.WarehouseTable;
import io.datalake.transforms.warehouse.WarehouseTables;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * The outside peer for the warehouse sink: ClickHouse's own bulk insert of the pipeline's rows, one
 * {@code INSERT INTO <table> FORMAT JSONEachRow} over HTTP per warehouse table, into fresh tables
 * made by the project's {@link ClickHouseWarehouseIO#prepareSchema} in a scratch database.
 *
 * <p>The rows are the pipeline's: each record is parsed, PII-encrypted and mapped with the
 * project's {@link RecordParser} (as the baseline does), and each lake row becomes the rows of the
 * warehouse tables it feeds through the tables' own column definitions ({@link WarehouseColumn}, as
 * ClickHouseIO's rows are made), with the load id {@code prepareSchema} gave; timestamps as seconds
 * since 1970 (ClickHouse's DateTime), flags as 0/1, lists as arrays, nested values as JSON text.
 * That preparation is written to one spool file per table and is not timed.
 *
 * <p>Timed: only the inserts: from the first request to the last answer, the tables one after
 * another, each body streamed from its spool file (just written, so in the page cache). Prints
 * {@code PEER name=clickhouse-bulk seconds=S bytes=B rows.<table>=N ...}.
 */
public final class ClickHouseBulkPeer {
  private static final JsonFactory JSON = new JsonFactory();

  /** Rows of one block the server parses from an insert's body (a part each). */
  static final int INSERT_BLOCK_ROWS = 20_000;

  private ClickHouseBulkPeer() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> flags =
        Baseline.flags(
            "ClickHouseBulkPeer",
            args,
            Set.of("input", "spool", "clickhouse", "credentials", "database", "dropFields"));
    Path input = Path.of(Baseline.required(flags, "input"));
    Path spool = Path.of(Baseline.required(flags, "spool"));
    String url = Baseline.required(flags, "clickhouse");
    String credentials = flags.getOrDefault("credentials", "");
    ClickHouseWarehouseIO.Write write =
        ClickHouseWarehouseIO.prepareSchema(
            ClickHouseWarehouseIO.write()
                .withUrl(url)
                .withCredentialsFile(credentials)
                .withDatabase(Baseline.required(flags, "database"))
                .withKeyset(PiiKeyset.development()));
    Files.createDirectories(spool);
    Map<String, Long> rows = new TreeMap<>();
    Map<String, Path> files = spool(input, spool, write, flags, rows);

    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    String authorization = authorization(credentials);
    String base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    long bytes = 0;
    long t0 = System.nanoTime();
    for (Map.Entry<String, Path> e : files.entrySet()) {
      String sql = "INSERT INTO `" + write.database() + "`.`" + e.getKey() + "` FORMAT JSONEachRow";
      // Still one request per table, but parsed into blocks of INSERT_BLOCK_ROWS rows: as one
      // block, the 71k orders of a 500k-record input (14 KB each) needed 3.9 GB of server memory
      // and passed its limit.
      HttpRequest request =
          HttpRequest.newBuilder(
                  URI.create(
                      base
                          + "/?max_insert_block_size="
                          + INSERT_BLOCK_ROWS
                          + "&query="
                          + URLEncoder.encode(sql, StandardCharsets.UTF_8)))
              .timeout(Duration.ofMinutes(30))
              .header("Authorization", authorization)
              .POST(HttpRequest.BodyPublishers.ofFile(e.getValue()))
              .build();
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException(
            "ClickHouse refused the insert into "
                + e.getKey()
                + " ("
                + response.statusCode()
                + "): "
                + response.body().trim());
      }
      bytes += Files.size(e.getValue());
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    StringBuilder line = new StringBuilder("PEER name=clickhouse-bulk");
    line.append(String.format(Locale.ROOT, " seconds=%.3f bytes=%d", seconds, bytes));
    rows.forEach((t, n) -> line.append(" rows.").append(t).append('=').append(n));
    System.out.println(line);
    InputFiles.deleteTree(spool);
  }

  /** Writes each warehouse table's rows as JSON lines to its spool file; returns the files. */
  private static Map<String, Path> spool(
      Path input,
      Path spool,
      ClickHouseWarehouseIO.Write write,
      Map<String, String> flags,
      Map<String, Long> rows)
      throws Exception {
    RecordParser parser =
        new RecordParser(
            new PiiEncryptor(PiiKeyset.development().cipher()),
            PiiPolicy.defaults(),
            DroppedFields.parse(flags.getOrDefault("dropFields", "checkout-orders:customData")));
    String loadId = write.loadId();
    Map<String, JsonGenerator> out = new LinkedHashMap<>();
    Map<String, Path> files = new LinkedHashMap<>();
    for (WarehouseTable table : write.tables()) {
      Path file = spool.resolve(table.name() + ".jsonl");
      OutputStream stream = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
      JsonGenerator g = JSON.createGenerator(stream);
      g.setRootValueSeparator(null);
      out.put(table.name(), g);
      files.put(table.name(), file);
    }
    Map<String, List<WarehouseTable>> fed = new LinkedHashMap<>();
    for (WarehouseTable table : write.tables()) {
      fed.computeIfAbsent(table.source(), s -> new java.util.ArrayList<>()).add(table);
    }
    for (Baseline.InputFile file : Baseline.inputFiles(input)) {
      Baseline.read(
          file,
          batch -> {
            for (int i = 0; i < batch.n(); i++) {
              byte[] bytes = batch.lines()[i];
              if (bytes == null) {
                continue; // a dead letter in the pipeline: no warehouse row
              }
              RecordParser.ParsedRecord parsed;
              try {
                parsed = parser.parse(file.kind(), bytes);
              } catch (RecordRejectedException e) {
                continue; // a dead letter in the pipeline: no warehouse row
              }
              for (RecordParser.TypedRow row : parsed.rows()) {
                LakeRow lakeRow =
                    new LakeRow(
                        row.table(), parsed.tenant(), parsed.eventTimeMicros(), row.record());
                for (WarehouseTable table : fed.getOrDefault(row.table(), List.of())) {
                  if (write(out.get(table.name()), table, lakeRow, loadId)) {
                    rows.merge(table.name(), 1L, Long::sum);
                  }
                }
              }
            }
          });
    }
    for (JsonGenerator g : out.values()) {
      g.close();
    }
    // A table without rows gets no insert (an empty body is refused).
    files.keySet().removeIf(t -> !rows.containsKey(t));
    return files;
  }

  /** One warehouse row as a JSON object line; false when a value does not fit (a dead letter). */
  private static boolean write(JsonGenerator g, WarehouseTable table, LakeRow row, String loadId)
      throws IOException {
    Object[] values = new Object[table.columns().size()];
    for (int i = 0; i < values.length; i++) {
      WarehouseColumn c = table.columns().get(i);
      try {
        values[i] = c.name().equals(WarehouseTables.LOAD_ID) ? loadId : c.value().of(row);
      } catch (RecordRejectedException e) {
        return false;
      }
    }
    g.writeStartObject();
    for (int i = 0; i < values.length; i++) {
      g.writeFieldName(table.columns().get(i).name());
      value(g, values[i]);
    }
    g.writeEndObject();
    g.writeRaw('\n');
    return true;
  }

  private static void value(JsonGenerator g, Object v) throws IOException {
    if (v == null) {
      g.writeNull();
    } else if (v instanceof org.joda.time.Instant t) {
      g.writeNumber(Math.floorDiv(t.getMillis(), 1000L));
    } else if (v instanceof Long l) {
      g.writeNumber(l);
    } else if (v instanceof Integer n) {
      g.writeNumber(n);
    } else if (v instanceof Short n) {
      g.writeNumber(n);
    } else if (v instanceof Double d) {
      g.writeNumber(d);
    } else if (v instanceof Boolean b) {
      g.writeNumber(b ? 1 : 0);
    } else if (v instanceof List<?> list) {
      g.writeStartArray();
      for (Object e : list) {
        value(g, e);
      }
      g.writeEndArray();
    } else {
      g.writeString(v.toString());
    }
  }

  /** Basic authorization from the credentials file (user, password), else user default. */
  private static String authorization(String credentials) throws IOException {
    String user = "default";
    String password = "";
    if (!credentials.isBlank()) {
      Properties props = new Properties();
      try (InputStream in = Files.newInputStream(Path.of(credentials))) {
        props.load(in);
      }
      user = props.getProperty("user", user);
      password = props.getProperty("password", "");
    }
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }
}
