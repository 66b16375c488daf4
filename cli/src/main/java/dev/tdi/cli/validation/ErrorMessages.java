package dev.tdi.cli.validation;

import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.regex.Pattern;

/**
 * Turns any exception into the one line a user reads: the message without Java exception class names, file-system
 * errors as "path: reason" (Java's own message for them is often just the path), several lines joined into one.
 */
public final class ErrorMessages {
    private static final Pattern CLASS_NAME =
            Pattern.compile("\\b(?:[a-z_][a-z0-9_]*\\.)+[A-Z][A-Za-z0-9_$]*(?:Exception|Error)\\b:? ?");

    private ErrorMessages() {
    }

    /** The one-line message for an error a command raised. */
    public static String oneLine(Throwable e) {
        Throwable t = e;
        if (t instanceof UncheckedIOException && t.getCause() != null) {
            t = t.getCause();
        }
        String m;
        if (t instanceof FileSystemException fs) {
            m = fs.getFile() + (fs.getOtherFile() == null ? "" : " -> " + fs.getOtherFile()) + ": " + reason(fs);
        } else if (t instanceof OutOfMemoryError) {
            m = String.format(java.util.Locale.ROOT, "out of memory: the Java heap (%.0f MiB) is too small for this"
                    + " input; choose smaller sizes or raise it with TDI_JAVA_OPTS=-Xmx...",
                    Runtime.getRuntime().maxMemory() / 1048576.0);
        } else if (t instanceof StackOverflowError) {
            m = "the input nests too deeply (stack overflow)";
        } else {
            m = t.getMessage();
            if (m == null || m.isBlank()) {
                m = "internal error (" + plainWords(t.getClass().getSimpleName()) + " without a message); set"
                        + " TDI_DEBUG=1 for the stack trace and please report it";
            }
        }
        return flatten(CLASS_NAME.matcher(m).replaceAll(""));
    }

    /** The reason of a file-system error in words ("permission denied", "no such file or directory", ...). */
    public static String reason(Throwable e) {
        if (e instanceof FileSystemException fs && fs.getReason() != null) {
            return fs.getReason().toLowerCase(java.util.Locale.ROOT);
        }
        if (e instanceof AccessDeniedException || e instanceof SecurityException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "already exists, and is not a directory";
        }
        if (e instanceof NotDirectoryException) {
            return "not a directory";
        }
        if (e instanceof DirectoryNotEmptyException) {
            return "directory not empty";
        }
        if (e instanceof FileSystemLoopException) {
            return "a symbolic link loop";
        }
        String m = e.getMessage();
        return m == null ? "input/output error" : flatten(CLASS_NAME.matcher(m).replaceAll(""));
    }

    private static String plainWords(String className) {
        return className.replaceAll("(Exception|Error)$", "").replaceAll("([a-z])([A-Z])", "$1 $2")
                .toLowerCase(java.util.Locale.ROOT);
    }

    private static String flatten(String s) {
        return s.strip().replaceAll("\\s*[\\r\\n]+\\s*", "; ");
    }
}
