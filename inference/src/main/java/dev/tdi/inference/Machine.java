package dev.tdi.inference;

import java.nio.file.Files;
import java.nio.file.Path;

/** The machine a figure was measured on: CPU model, cores, JDK, OS. */
public final class Machine {
    private Machine() {
    }

    public static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (Exception e) {
            // fall through
        }
        return System.getProperty("os.arch");
    }

    /** One line: CPU, cores, JDK, OS. */
    public static String describe() {
        return cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " cores, JDK "
                + Runtime.version() + " (" + System.getProperty("java.vm.name") + "), "
                + System.getProperty("os.name") + " " + System.getProperty("os.arch");
    }
}
