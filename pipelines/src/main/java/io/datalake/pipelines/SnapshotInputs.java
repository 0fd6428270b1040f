package io.datalake.pipelines;

import io.datalake.transforms.io.WriteLakeTables;
import io.datalake.transforms.kinds.EntityOperations;
import io.datalake.transforms.snapshot.SnapshotRows;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which lake files the snapshot of month M is computed from, per tenant: the tenant's snapshot
 * files of month M-1 (its seed) and its other files of M-1 (the operations since), or, for a tenant
 * without a snapshot file of M-1, every file of its months before M (its full history). Made from a
 * listing of {@code entity_operations}' files; it only decides, it reads nothing.
 *
 * <p>Snapshot files hold only snapshot rows, in partition {@code day=01} (under {@code hour=00}
 * with hourly partitions) of their month. {@code ./datalake snapshot} writes one per tenant and
 * month, named {@link #filePrefix} (the month, never the run): a rerun replaces it instead of
 * adding a second version beside it. The pipeline's own snapshot rows ({@code --snapshots=true},
 * the stream) are in files of its lake branch {@code snapshot}, {@code part-<runId>-snapshot-...}:
 * they seed as well, and the command removes those of the month it replaces.
 *
 * @param seeds the snapshot files of M-1: their snapshot rows seed the roll-up
 * @param operations every other file to read: only their operations count (snapshot rows that
 *     another writer put in them are left out)
 * @param own the command's snapshot files of month M already in the lake, by tenant folder ({@code
 *     org_id=...}): the run overwrites them, or removes those of tenants with no active entity left
 * @param replaced the other snapshot files of month M (the pipeline's): removed once the run has
 *     written the month's rows
 * @param seededTenants the tenant folders whose snapshot of M-1 seeds this one
 * @param historyTenants the tenant folders computed from their full history (no snapshot of M-1)
 */
public record SnapshotInputs(
    YearMonth month,
    List<String> seeds,
    List<String> operations,
    Map<String, List<String>> own,
    List<String> replaced,
    Set<String> seededTenants,
    Set<String> historyTenants) {

  /** {@code <table>/org_id=<t>/year=YYYY/month=MM/day=DD[/hour=HH]/<file>.parquet}, at the end. */
  private static final Pattern FILE =
      Pattern.compile(
          "(?:^|/)"
              + Pattern.quote(EntityOperations.OPERATIONS.name())
              + "/(org_id=[^/]+)/year=(-?\\d+)/month=(\\d{2})/day=(\\d{2})(?:/hour=\\d{2})?/([^/]+\\.parquet)$");

  /** The pipeline's snapshot files: its lake branch {@code snapshot} (DatalakeGraph). */
  private static final Pattern BRANCH_FILE = Pattern.compile("^part-.+-snapshot-.*\\.parquet$");

  /** The command's snapshot files, of any month. */
  private static final Pattern OWN_FILE = Pattern.compile(SnapshotRows.COMMAND_FILE_NAMES);

  /** The run id of month {@code month}'s snapshot files: their names are made of it. */
  public static String runId(YearMonth month) {
    return SnapshotRows.COMMAND_RUN_ID_PREFIX + month;
  }

  /** The name every snapshot file of {@code month} that the command writes starts with. */
  public static String filePrefix(YearMonth month) {
    return WriteLakeTables.filePrefix(runId(month)) + "-";
  }

  /** The glob of every file of {@code entity_operations} under the lake root (ending in /). */
  public static String glob(String lake, boolean hourly) {
    return lake
        + EntityOperations.OPERATIONS.name()
        + "/*/*/*/*"
        + (hourly ? "/*" : "")
        + "/*.parquet";
  }

  /** The inputs of {@code month}'s snapshot, from the paths of the table's files. */
  public static SnapshotInputs plan(YearMonth month, List<String> files) {
    YearMonth previous = month.minusMonths(1);
    Map<String, List<LakeFile>> byTenant = new TreeMap<>();
    for (String path : files) {
      Matcher m = FILE.matcher(path);
      if (m.find()) {
        YearMonth fileMonth =
            YearMonth.of(Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
        String name = m.group(5);
        boolean own = OWN_FILE.matcher(name).matches();
        boolean snapshot = own || (m.group(4).equals("01") && BRANCH_FILE.matcher(name).matches());
        byTenant
            .computeIfAbsent(m.group(1), t -> new ArrayList<>())
            .add(new LakeFile(path, fileMonth, snapshot, own));
      }
    }
    List<String> seeds = new ArrayList<>();
    List<String> operations = new ArrayList<>();
    Map<String, List<String>> own = new TreeMap<>();
    List<String> replaced = new ArrayList<>();
    Set<String> seededTenants = new TreeSet<>();
    Set<String> historyTenants = new TreeSet<>();
    for (Map.Entry<String, List<LakeFile>> tenant : byTenant.entrySet()) {
      boolean seeded =
          tenant.getValue().stream().anyMatch(f -> f.snapshot() && f.month().equals(previous));
      boolean read = false;
      for (LakeFile file : tenant.getValue()) {
        if (file.snapshot() && file.month().equals(month)) {
          if (file.own()) {
            own.computeIfAbsent(tenant.getKey(), t -> new ArrayList<>()).add(file.path());
          } else {
            replaced.add(file.path());
          }
        }
        if (!file.month().isBefore(month) || (seeded && !file.month().equals(previous))) {
          continue;
        }
        if (file.snapshot() && seeded) {
          seeds.add(file.path());
          read = true;
        } else if (!file.snapshot()) {
          // Earlier snapshot files hold nothing a full history does not (and may be outdated).
          operations.add(file.path());
          read = true;
        }
      }
      if (read) {
        (seeded ? seededTenants : historyTenants).add(tenant.getKey());
      }
    }
    return new SnapshotInputs(
        month, seeds, operations, own, replaced, seededTenants, historyTenants);
  }

  private record LakeFile(String path, YearMonth month, boolean snapshot, boolean own) {}
}
