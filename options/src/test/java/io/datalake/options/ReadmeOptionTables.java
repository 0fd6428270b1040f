package io.datalake.options;

import java.io.File;
import java.io.IOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.Hidden;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.Validation;

/**
 * Writes the README's option tables from the options interfaces themselves: one table per {@code
 * *Options} interface of this package, one row per getter, from its {@link Description}, its
 * {@code @Default.*} and {@link Validation.Required}. The tables sit in README.md between {@link
 * #BEGIN} and {@link #END}; {@code ReadmeOptionTablesTest} fails when they differ from what this
 * class makes, so an option added, renamed or redescribed cannot leave the README behind.
 *
 * <p>Kept in the test sources: only the build and the developer run it, and the options jar that
 * goes to workers stays as small as it is.
 */
final class ReadmeOptionTables {
  /** The command that rewrites the tables; named by the test's failure message and the README. */
  static final String UPDATE_COMMAND =
      "mvn -pl options test -Dtest=ReadmeOptionTablesTest -Dreadme.update=true";

  /** Where the generated tables start in README.md. */
  static final String BEGIN =
      "<!-- options:begin: generated from the annotations of options/src/main/java/io/datalake/"
          + "options/*Options.java, do not edit by hand; regenerate with "
          + UPDATE_COMMAND
          + " -->";

  /** Where they end. */
  static final String END = "<!-- options:end -->";

  private static final String PACKAGE = DatalakeOptions.class.getPackageName();

  private ReadmeOptionTables() {}

  /** Rewrites README.md's tables in place: {@code main(["path/to/README.md"])}. */
  public static void main(String[] args) throws IOException {
    Path readme = args.length > 0 ? Paths.get(args[0]) : readme();
    String current = Files.readString(readme, StandardCharsets.UTF_8);
    String updated = withTables(current, tables(optionInterfaces()));
    if (!updated.equals(current)) {
      Files.writeString(readme, updated, StandardCharsets.UTF_8);
    }
    System.out.println(
        (updated.equals(current) ? "unchanged: " : "updated: ") + readme.toAbsolutePath());
  }

  /**
   * README.md of this checkout, found from the options module's folder (where Maven runs its tests)
   * or from the checkout's root.
   */
  static Path readme() {
    Path here = Paths.get(System.getProperty("basedir", "")).toAbsolutePath();
    for (Path dir = here; dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("README.md");
      if (Files.isRegularFile(candidate) && Files.isDirectory(dir.resolve("options"))) {
        return candidate;
      }
    }
    throw new IllegalStateException(
        "README.md not found in " + here + " or above (next to the options/ folder)");
  }

  /** How the begin marker line starts; the rest of that line is rewritten with {@link #BEGIN}. */
  static final String BEGIN_PREFIX = "<!-- options:begin";

  /**
   * {@code readme} with its begin marker line rewritten as {@link #BEGIN} and the text from there
   * to the end marker replaced by {@code tables}.
   */
  static String withTables(String readme, String tables) {
    int begin = readme.indexOf(BEGIN_PREFIX);
    int beginLineEnd = begin < 0 ? -1 : readme.indexOf('\n', begin);
    int end = readme.indexOf(END);
    if (begin < 0
        || beginLineEnd < 0
        || end < beginLineEnd
        || readme.indexOf(BEGIN_PREFIX, begin + 1) >= 0
        || readme.indexOf(END, end + 1) >= 0) {
      throw new IllegalStateException(
          "README.md must hold these marker lines once each, in this order (the option tables are"
              + " generated between them):\n"
              + BEGIN
              + "\n"
              + END);
    }
    return readme.substring(0, begin) + BEGIN + "\n" + tables + readme.substring(end);
  }

  /**
   * The options interfaces of this package in the order {@link DatalakeOptions} composes them, then
   * any other interface of the package (one not composed yet) by name.
   */
  static List<Class<?>> optionInterfaces() {
    Set<Class<?>> ordered = new LinkedHashSet<>();
    for (Class<?> composed : DatalakeOptions.class.getInterfaces()) {
      if (composed.getPackageName().equals(PACKAGE)) {
        ordered.add(composed);
      }
    }
    for (String name : new TreeSet<>(classNamesOfPackage())) {
      Class<?> type;
      try {
        type = Class.forName(PACKAGE + "." + name);
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException("cannot load " + name, e);
      }
      if (type.isInterface() && PipelineOptions.class.isAssignableFrom(type)) {
        ordered.add(type);
      }
    }
    List<Class<?>> withOptions = new ArrayList<>();
    for (Class<?> type : ordered) {
      if (!getters(type).isEmpty()) {
        withOptions.add(type);
      }
    }
    return withOptions;
  }

  /** Top-level class names of this package in the compiled main classes (a folder or a jar). */
  private static Set<String> classNamesOfPackage() {
    String folder = PACKAGE.replace('.', '/');
    Set<String> names = new TreeSet<>();
    File location;
    try {
      location =
          new File(
              DatalakeOptions.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException("cannot locate the compiled options classes", e);
    }
    if (location.isDirectory()) {
      File[] files = new File(location, folder).listFiles();
      for (File file : files == null ? new File[0] : files) {
        addClassName(names, file.getName());
      }
    } else {
      try (JarFile jar = new JarFile(location)) {
        for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
          String entry = e.nextElement().getName();
          if (entry.startsWith(folder + "/") && entry.indexOf('/', folder.length() + 1) < 0) {
            addClassName(names, entry.substring(folder.length() + 1));
          }
        }
      } catch (IOException e) {
        throw new IllegalStateException("cannot read " + location, e);
      }
    }
    return names;
  }

  private static void addClassName(Set<String> names, String file) {
    if (file.endsWith(".class") && !file.contains("$") && !file.equals("package-info.class")) {
      names.add(file.substring(0, file.length() - ".class".length()));
    }
  }

  /** The markdown between the markers: a heading and a table per interface. */
  static String tables(List<Class<?>> interfaces) {
    StringBuilder md = new StringBuilder();
    for (Class<?> type : interfaces) {
      md.append("\n#### `").append(type.getSimpleName()).append("`\n\n");
      md.append(table(type));
    }
    return md.append('\n').toString();
  }

  /** One interface's table: option, default, description, in the order of the option names. */
  static String table(Class<?> type) {
    StringBuilder md = new StringBuilder("| option | default | description |\n|---|---|---|\n");
    for (Method getter : getters(type)) {
      Description description = getter.getAnnotation(Description.class);
      if (description == null) {
        throw new IllegalStateException(
            type.getSimpleName()
                + "."
                + getter.getName()
                + " has no @Description: every option says what it does");
      }
      md.append("| `--")
          .append(optionName(getter))
          .append("` | ")
          .append(defaultOf(getter))
          .append(" | ")
          .append(cell(description.value()))
          .append(" |\n");
    }
    return md.toString();
  }

  /** The getters an interface declares itself (inherited ones belong to their own table). */
  static List<Method> getters(Class<?> type) {
    List<Method> getters = new ArrayList<>();
    for (Method method : type.getDeclaredMethods()) {
      boolean getter =
          method.getParameterCount() == 0
              && !Modifier.isStatic(method.getModifiers())
              && !method.isDefault()
              && !method.isSynthetic()
              && (method.getName().startsWith("get") || method.getName().startsWith("is"));
      if (getter && method.getAnnotation(Hidden.class) == null) {
        getters.add(method);
      }
    }
    // Reflection gives no declaration order; Beam's own --help sorts options by name too.
    getters.sort(Comparator.comparing(ReadmeOptionTables::optionName));
    return getters;
  }

  /** Beam's option name of a getter: {@code getClickhouseUrl} is {@code --clickhouseUrl}. */
  static String optionName(Method getter) {
    String name = getter.getName();
    String property = name.substring(name.startsWith("is") ? 2 : 3);
    if (property.length() > 1
        && Character.isUpperCase(property.charAt(0))
        && Character.isUpperCase(property.charAt(1))) {
      return property; // java.beans rule: URLPath stays URLPath
    }
    return Character.toLowerCase(property.charAt(0)) + property.substring(1);
  }

  /** The default cell: the {@code @Default.*} value, "required", or "(none)". */
  static String defaultOf(Method getter) {
    for (Annotation annotation : getter.getAnnotations()) {
      Class<? extends Annotation> kind = annotation.annotationType();
      if (kind.getEnclosingClass() == Default.class) {
        Object value;
        try {
          value = kind.getMethod("value").invoke(annotation);
        } catch (ReflectiveOperationException e) {
          throw new IllegalStateException("cannot read @" + kind.getName(), e);
        }
        if (kind == Default.InstanceFactory.class) {
          return "computed (" + cell(((Class<?>) value).getSimpleName()) + ")";
        }
        if (value instanceof Class) {
          return "`" + ((Class<?>) value).getName() + "`";
        }
        String text = String.valueOf(value);
        return text.isEmpty() ? "(empty)" : "`" + text.replace("`", "'") + "`";
      }
    }
    Validation.Required required = getter.getAnnotation(Validation.Required.class);
    if (required != null) {
      return required.groups().length == 0
          ? "**required**"
          : "**required** (one of "
              + cell(String.join(", ", Arrays.asList(required.groups())))
              + ")";
    }
    return "(none)";
  }

  /**
   * Text made safe for a markdown table cell as it reads in the source: a pipe would end the cell,
   * {@code <lake>} would be taken for an HTML tag and vanish, and {@code *.jsonl} or {@code _extra}
   * could turn into emphasis.
   */
  static String cell(String text) {
    StringBuilder out = new StringBuilder(text.length() + 16);
    for (char c : text.replace("\r\n", " ").replace('\n', ' ').toCharArray()) {
      if (c == '|' || c == '<' || c == '>' || c == '*' || c == '_' || c == '`' || c == '\\') {
        out.append('\\');
      }
      out.append(c);
    }
    return out.toString().trim();
  }
}
