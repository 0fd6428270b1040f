package io.datalake.transforms.lake.iceberg;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One file's location in one canonical form, so that a storage listing and a table's metadata can
 * be compared: they may name the same object differently. Deleting by a plain string comparison
 * deletes a live file whenever the two disagree, so every clean-up of unreferenced files compares
 * {@link #canonical} forms:
 *
 * <ul>
 *   <li>the scheme: {@code s3a://} and {@code s3n://} (Hadoop's names) are {@code s3://}; a local
 *       {@code file:}, {@code file://} or {@code file:///} path is the bare path;
 *   <li>an endpoint's URL, path-style ({@code http://127.0.0.1:9090/BUCKET/KEY}, S3Proxy, MinIO) or
 *       bucket-style ({@code https://BUCKET.s3.REGION.amazonaws.com/KEY}), is {@code
 *       s3://BUCKET/KEY};
 *   <li>repeated slashes in the path are one ({@code s3://b/t//data/x}: S3 keeps both, a file
 *       system and most listings one);
 *   <li>percent-encoding is decoded until nothing changes: a listing answered with {@code
 *       encoding-type=url} that the client did not decode ({@code org_id%3Dorg1}), and Iceberg's
 *       own escaping of partition values, end in the same form.
 * </ul>
 *
 * <p>Two different objects may share a canonical form (a key holding {@code %3D} and one holding
 * {@code =}). That errs on the safe side: a clean-up then keeps a file it could have deleted, and
 * never deletes one a snapshot references.
 */
public final class IcebergLocations {
  private static final Pattern SCHEME = Pattern.compile("^([a-zA-Z][a-zA-Z0-9+.-]*):(.*)$");
  private static final Pattern BUCKET_HOST =
      Pattern.compile("^(.+)\\.s3(?:[.-][a-z0-9-]+)*\\.amazonaws\\.com(?:\\.cn)?$");

  private IcebergLocations() {}

  /** The canonical form of {@code location} (see the class comment). */
  public static String canonical(String location) {
    String decoded = decodeFully(location);
    Matcher scheme = SCHEME.matcher(decoded);
    if (!scheme.matches() || decoded.matches("^[a-zA-Z]:[\\\\/].*")) {
      return collapseSlashes(decoded); // a bare local path (or a Windows drive)
    }
    String name = scheme.group(1).toLowerCase(Locale.ROOT);
    String rest = scheme.group(2);
    switch (name) {
      case "file":
        return collapseSlashes(rest.replaceFirst("^//(localhost)?(?=/)", ""));
      case "s3":
      case "s3a":
      case "s3n":
        return "s3://" + collapseSlashes(stripAuthoritySlashes(rest));
      case "http":
      case "https":
        return fromEndpointUrl(stripAuthoritySlashes(rest));
      default:
        return name + "://" + collapseSlashes(stripAuthoritySlashes(rest));
    }
  }

  /** Whether a listed location is a folder (S3Proxy's filesystem backend lists them as objects). */
  public static boolean isFolder(String location) {
    return location.endsWith("/");
  }

  /** The file name: what follows the last slash. */
  static String fileName(String location) {
    return location.substring(location.lastIndexOf('/') + 1);
  }

  /** {@code HOST[:PORT]/PATH} of an endpoint's URL as {@code s3://BUCKET/KEY}. */
  private static String fromEndpointUrl(String hostAndPath) {
    int slash = hostAndPath.indexOf('/');
    String authority = slash < 0 ? hostAndPath : hostAndPath.substring(0, slash);
    String path = slash < 0 ? "" : collapseSlashes(hostAndPath.substring(slash + 1));
    path = path.startsWith("/") ? path.substring(1) : path;
    String host = authority.replaceFirst(":\\d+$", "").toLowerCase(Locale.ROOT);
    Matcher bucketHost = BUCKET_HOST.matcher(host);
    if (bucketHost.matches()) {
      return "s3://" + bucketHost.group(1) + "/" + path;
    }
    return "s3://" + path; // path-style: the first segment is the bucket
  }

  private static String stripAuthoritySlashes(String rest) {
    return rest.replaceFirst("^/+", "");
  }

  private static String collapseSlashes(String path) {
    return path.replaceAll("/{2,}", "/");
  }

  /**
   * Percent-decodes until the text no longer changes; a '%' not followed by two hex digits stays.
   */
  static String decodeFully(String text) {
    String current = text;
    for (int i = 0; i < 8; i++) {
      String next = decodeOnce(current);
      if (next.equals(current)) {
        return current;
      }
      current = next;
    }
    return current;
  }

  private static String decodeOnce(String text) {
    if (text.indexOf('%') < 0) {
      return text;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    StringBuilder out = new StringBuilder(text.length());
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (c == '%'
          && i + 2 < text.length()
          && isHex(text.charAt(i + 1))
          && isHex(text.charAt(i + 2))) {
        bytes.write(Integer.parseInt(text.substring(i + 1, i + 3), 16));
        i += 3;
        continue;
      }
      flush(bytes, out);
      out.append(c);
      i++;
    }
    flush(bytes, out);
    return out.toString();
  }

  private static void flush(ByteArrayOutputStream bytes, StringBuilder out) {
    if (bytes.size() > 0) {
      out.append(new String(bytes.toByteArray(), StandardCharsets.UTF_8));
      bytes.reset();
    }
  }

  private static boolean isHex(char c) {
    return Character.digit(c, 16) >= 0;
  }
}
