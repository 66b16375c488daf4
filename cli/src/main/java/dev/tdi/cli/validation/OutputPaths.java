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
    private static final String DIR_ACCEPTED = " (accepted: a directory you can write, existing or to be created)";
    private static final String FILE_ACCEPTED = " (accepted: a file path in a directory you can write)";

    private OutputPaths() {
    }

    /**
     * The checks that change nothing on disk: a directory option must not name an existing file, a file option
     * must not name a directory.
     */
    public static void precheck(String option, Path path, boolean file) {
        if (!file && Files.exists(path) && !Files.isDirectory(path)) {
            throw new IllegalArgumentException(option + " " + path + ": is a file, not a directory" + DIR_ACCEPTED);
        }
        if (file && Files.isDirectory(path)) {
            throw new IllegalArgumentException(option + " " + path + ": is a directory, not a file" + FILE_ACCEPTED);
        }
    }

    /**
     * Makes sure {@code dir} is a writable directory (creating it if needed) and lists which of {@code writes}
     * (names, or {@code *.ext} patterns) already exist there.
     *
     * @throws IllegalArgumentException naming the option, the path, what is wrong and what is accepted
     */
    public static List<String> prepareDirectory(String option, Path dir, List<String> writes) {
        String accepted = DIR_ACCEPTED;
        precheck(option, dir, false);
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
        String accepted = FILE_ACCEPTED;
        precheck(option, file, true);
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
