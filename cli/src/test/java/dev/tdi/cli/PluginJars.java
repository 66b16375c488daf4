package dev.tdi.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/** Builds a plug-in jar outside the reactor: javac against tdi's API classes, then java.util.jar. */
final class PluginJars {
    private PluginJars() {
    }

    /** The jars or class folders holding these classes (tdi's API and what its signatures use). */
    static String classPathOf(Class<?>... classes) {
        List<String> entries = new ArrayList<>();
        for (Class<?> c : classes) {
            try {
                String p = Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
                if (!entries.contains(p)) {
                    entries.add(p);
                }
            } catch (java.net.URISyntaxException e) {
                throw new IllegalStateException(e);
            }
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    /** Compiles every .java under {@code sources} and jars the classes with every file under {@code resources}. */
    static Path build(Path sources, Path resources, String classPath, Path work, Path jar) throws IOException {
        Path classes = Files.createDirectories(work.resolve(jar.getFileName() + ".classes"));
        List<String> args = new ArrayList<>(List.of("--release", "25", "-proc:none", "-cp", classPath, "-d",
                classes.toString()));
        try (Stream<Path> s = Files.walk(sources)) {
            s.filter(p -> p.toString().endsWith(".java")).map(Path::toString).sorted().forEach(args::add);
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter log = new StringWriter();
        var out = new java.io.PrintWriter(log);
        int rc = javac.run(null, new OutputStream() {
            @Override public void write(int b) { log.write(b); }
        }, new OutputStream() {
            @Override public void write(int b) { log.write(b); }
        }, args.toArray(String[]::new));
        out.flush();
        if (rc != 0) {
            throw new IllegalStateException("javac failed for " + sources + ":\n" + log);
        }
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        try (JarOutputStream j = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
            for (Path root : resources == null ? List.of(classes) : List.of(classes, resources)) {
                if (!Files.isDirectory(root)) {
                    continue;
                }
                try (Stream<Path> s = Files.walk(root)) {
                    for (Path f : s.filter(Files::isRegularFile).sorted().toList()) {
                        j.putNextEntry(new JarEntry(root.relativize(f).toString().replace('\\', '/')));
                        Files.copy(f, j);
                        j.closeEntry();
                    }
                }
            }
        }
        return jar;
    }
}
