package dev.tdi.cli;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The plug-in path: where {@code tdi} looks for third-party backends, coupling strategies and conditioning
 * interfaces, in this order:
 * <ol>
 *   <li>every {@code --plugins PATH} option (repeatable; each may itself be a path-separated list),</li>
 *   <li>the {@code TDI_PLUGINS} environment variable (a path-separated list),</li>
 *   <li>the {@code plugins/} folder beside the installation ({@code tdi.home}, set by the launcher), if present,</li>
 *   <li>the launcher's {@code CLASSPATH} (system property {@code tdi.classpath}), with class-path meaning:
 *       jars, class folders and {@code dir/*}.</li>
 * </ol>
 * A plug-in path entry is a jar or a folder of jars (every {@code *.jar} in it, sorted). The jars are loaded by one
 * {@link URLClassLoader} parented to the application's loader and made the thread's context class loader before
 * any command looks anything up, so ServiceLoader finds their {@code SubstrateProvider}s and Guice modules.
 */
public final class PluginPath {
    /** The environment variable naming plug-in folders or jars. */
    public static final String ENV = "TDI_PLUGINS";

    private final List<Path> entries;
    private final List<String> sources;

    private PluginPath(List<Path> entries, List<String> sources) {
        this.entries = List.copyOf(entries);
        this.sources = List.copyOf(sources);
    }

    /**
     * The path from the command line's {@code --plugins} values, the environment, {@code tdi.home} and
     * {@code tdi.classpath}. A named entry that does not exist is an error naming where it came from.
     */
    public static PluginPath resolve(List<String> options, String env, String home, String classpath) {
        Set<Path> urls = new LinkedHashSet<>();
        List<String> sources = new ArrayList<>();
        for (String o : options) {
            for (String e : split(o)) {
                add(urls, Path.of(e), "--plugins");
                sources.add("--plugins " + e);
            }
        }
        if (env != null) {
            for (String e : split(env)) {
                add(urls, Path.of(e), ENV);
                sources.add(ENV + " " + e);
            }
        }
        if (home != null && !home.isBlank()) {
            Path dir = Path.of(home).resolve("plugins");
            if (Files.isDirectory(dir)) {
                add(urls, dir, "tdi.home");
                sources.add("installation " + dir);
            }
        }
        if (classpath != null) {
            for (String e : split(classpath)) {
                addClassPathEntry(urls, e);
                sources.add("CLASSPATH " + e);
            }
        }
        return new PluginPath(new ArrayList<>(urls), sources);
    }

    /** The path for this process: {@code options} plus TDI_PLUGINS, tdi.home and tdi.classpath. */
    public static PluginPath resolve(List<String> options) {
        return resolve(options, System.getenv(ENV), System.getProperty("tdi.home"), System.getProperty("tdi.classpath"));
    }

    private static List<String> split(String list) {
        return Stream.of(list.split(File.pathSeparator)).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private static void add(Set<Path> urls, Path entry, String from) {
        if (Files.isRegularFile(entry) && entry.toString().endsWith(".jar")) {
            urls.add(entry.toAbsolutePath().normalize());
        } else if (Files.isDirectory(entry)) {
            urls.addAll(jarsIn(entry));
        } else {
            throw new IllegalArgumentException(from + ": '" + entry + "' " + (Files.exists(entry)
                    ? "is neither a .jar file nor a folder" : "does not exist")
                    + "; a plug-in path entry is a jar or a folder of jars");
        }
    }

    private static void addClassPathEntry(Set<Path> urls, String entry) {
        if (entry.endsWith("/*") || entry.endsWith(File.separator + "*")) {
            Path dir = Path.of(entry.substring(0, entry.length() - 2));
            if (Files.isDirectory(dir)) {
                urls.addAll(jarsIn(dir));
            }
        } else if (Files.exists(Path.of(entry))) { // a class folder or a jar, as java -cp reads it
            urls.add(Path.of(entry).toAbsolutePath().normalize());
        }
    }

    private static List<Path> jarsIn(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".jar") && Files.isRegularFile(p))
                    .map(p -> p.toAbsolutePath().normalize()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list plug-in folder " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The jars and class folders to load, in order. */
    public List<Path> entries() {
        return entries;
    }

    /** Where each part of the path came from, for listings. */
    public List<String> sources() {
        return sources;
    }

    /** True when there is nothing to load. */
    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** A loader over the entries, parented to {@code parent}. */
    public URLClassLoader loader(ClassLoader parent) {
        URL[] urls = new URL[entries.size()];
        for (int i = 0; i < urls.length; i++) {
            try {
                urls[i] = entries.get(i).toUri().toURL();
            } catch (MalformedURLException e) {
                throw new IllegalArgumentException("plug-in path entry " + entries.get(i) + ": " + e.getMessage(), e);
            }
        }
        return new URLClassLoader("tdi-plugins", urls, parent);
    }

    /** The {@code --plugins} values in {@code args} ({@code --plugins X} or {@code --plugins=X}, before "--"). */
    static List<String> optionValues(String[] args) {
        List<String> values = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--")) {
                break;
            }
            if (args[i].equals("--plugins") && i + 1 < args.length) {
                values.add(args[++i]);
            } else if (args[i].startsWith("--plugins=")) {
                values.add(args[i].substring("--plugins=".length()));
            }
        }
        return values;
    }
}
