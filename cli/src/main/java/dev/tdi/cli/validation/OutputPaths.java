package dev.tdi.cli.validation;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Up-front checks of where a command will write, so that a typo in {@code --out} fails in a second rather than
 * after the work: the directory is created if absent and proven writable by creating and deleting a probe file.
 */
public final class OutputPaths {
    private static final String PROBE = ".tdi-write-probe";

    private OutputPaths() {
    }

    /**
     * Makes sure {@code dir} is a writable directory (creating it if needed) and lists which of {@code writes}
     * (names, or {@code *.ext} patterns) already exist there.
     *
     * @throws IllegalArgumentException naming the option, the path, what is wrong and what is accepted
     */
    public static List<String> prepareDirectory(String option, Path dir, List<String> writes) {
        String accepted = " (accepted: a directory you can write, existing or to be created)";
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException(option + " " + dir + ": is a file, not a directory" + accepted);
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException | SecurityException e) {
            throw new IllegalArgumentException(option + " " + dir + ": cannot create the directory ("
                    + ErrorMessages.reason(e) + ")" + accepted);
        }
        Path probe = dir.resolve(PROBE);
        try {
            Files.deleteIfExists(probe);
            Files.createFile(probe);
            Files.delete(probe);
        } catch (IOException | SecurityException e) {
            throw new IllegalArgumentException(option + " " + dir + ": cannot write into the directory ("
                    + ErrorMessages.reason(e) + ")" + accepted);
        }
        List<String> found = new ArrayList<>();
        for (String w : writes) {
            if (w.startsWith("*")) {
                PathMatcher m = dir.getFileSystem().getPathMatcher("glob:" + w);
                try (Stream<Path> s = Files.list(dir)) {
                    s.map(Path::getFileName).filter(m::matches).map(Path::toString).sorted().forEach(found::add);
                } catch (IOException e) {
                    throw new IllegalArgumentException(option + " " + dir + ": cannot list the directory ("
                            + ErrorMessages.reason(e) + ")" + accepted);
                }
            } else if (Files.exists(dir.resolve(w)) && !found.contains(w)) {
                found.add(w);
            }
        }
        return found;
    }

    /**
     * Makes sure {@code file} can be written: not a directory, its folder an existing writable directory. Returns
     * the file's name when it exists (it will be replaced), else nothing.
     */
    public static List<String> prepareFile(String option, Path file) {
        String accepted = " (accepted: a file path in a directory you can write)";
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException(option + " " + file + ": is a directory, not a file" + accepted);
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new IllegalArgumentException(option + " " + file + ": the directory " + parent + " does not exist"
                    + accepted);
        }
        if (!Files.isWritable(parent) || (Files.exists(file) && !Files.isWritable(file))) {
            throw new IllegalArgumentException(option + " " + file + ": permission denied" + accepted);
        }
        return Files.exists(file) ? List.of(file.getFileName().toString()) : List.of();
    }
}
