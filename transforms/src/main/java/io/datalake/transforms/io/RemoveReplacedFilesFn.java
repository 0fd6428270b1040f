package io.datalake.transforms.io;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.MoveOptions;
import org.apache.beam.sdk.io.fs.ResolveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * After a writer's file is published, deletes the files in the same partition folder that hold the
 * same rows from another writer, so the later writer's copy is the only one: the monthly snapshot
 * rows that {@code ./datalake snapshot} wrote ({@code part-snapshot-YYYY-MM-...}) when a batch with
 * {@code --snapshots} writes that month again ({@link WriteLakeTables#withReplacedFiles}). The
 * writer's own files ({@code <ownPrefix>-...}) are never deleted, whatever the pattern says. Runs
 * once the file is in place, so a reader sees two copies for a moment, never none; safe to retry.
 */
class RemoveReplacedFilesFn extends DoFn<KV<String, String>, Void> {
  private static final Logger LOG = LoggerFactory.getLogger(RemoveReplacedFilesFn.class);

  private final String namePattern;
  private final String ownPrefix;
  private transient Pattern names;
  private transient Set<String> doneFolders;

  /** {@code namePattern}: a regular expression a replaced file's name matches as a whole. */
  RemoveReplacedFilesFn(String namePattern, String ownPrefix) {
    this.namePattern = namePattern;
    this.ownPrefix = ownPrefix + "-";
  }

  @StartBundle
  public void startBundle() {
    if (names == null) {
      names = Pattern.compile(namePattern);
    }
    doneFolders = new HashSet<>();
  }

  @ProcessElement
  public void process(@Element KV<String, String> published) throws IOException {
    ResourceId folder =
        FileSystems.matchNewResource(published.getValue(), false).getCurrentDirectory();
    if (!doneFolders.add(folder.toString())) {
      return; // the bundle's other files of this partition: listed once
    }
    MatchResult match =
        FileSystems.match(
            folder
                .resolve(
                    "*" + WriteLakeTables.PARQUET_SUFFIX,
                    ResolveOptions.StandardResolveOptions.RESOLVE_FILE)
                .toString(),
            EmptyMatchTreatment.ALLOW);
    List<ResourceId> replaced = new ArrayList<>();
    for (MatchResult.Metadata metadata : match.metadata()) {
      String name = metadata.resourceId().getFilename();
      if (name != null && !name.startsWith(ownPrefix) && names.matcher(name).matches()) {
        replaced.add(metadata.resourceId());
      }
    }
    if (!replaced.isEmpty()) {
      LOG.info(
          "datalake: deleting {} file(s) whose rows this run wrote again in {}: {}",
          replaced.size(),
          published.getKey(),
          replaced.stream().map(ResourceId::getFilename).toList());
      FileSystems.delete(replaced, MoveOptions.StandardMoveOptions.IGNORE_MISSING_FILES);
    }
  }
}
