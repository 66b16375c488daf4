package dev.tdi.cli.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdi.cli.TdiCommand;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fuzz suite of issue 14: every malformed file and careless command line {@link MalformedInputs} generates is
 * run in-process through picocli and must end, within {@link #LIMIT}, in exit code 1 and exactly one error line on
 * stderr (besides a note on results about to be replaced), {@code tdi <command>: error: ...}, that names the file
 * or option and shows no Java exception name or stack trace. The default corpus is small (286 cases, seconds);
 * {@code -Dtdi.fuzz=full} runs the larger, seeded random one ({@code -Dtdi.fuzz.seed=N} to change the seed).
 */
public class MalformedInputTest {
    /** Per case; a hang or a wrongly accepted run of real work ends here as a failure. */
    static final Duration LIMIT = Duration.ofSeconds(20);
    private static final Pattern JAVA_NAME = Pattern.compile("(?:[a-z]+\\.)+[A-Z]\\w*(?:Exception|Error)|\\bat dev\\."
            + "|Exception\\b|\\bat java\\.");

    @TempDir
    static Path dir;

    /** Exit code, stdout and stderr of one in-process run. */
    public record Result(int code, String out, String err) {
    }

    /** Runs {@code tdi args} in-process, capturing stdout and stderr. */
    public static Result run(List<String> args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = TdiCommand.execute(args.toArray(new String[0]));
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** Asserts the one-line error policy on a result. */
    static void assertOneLineError(Result r, String mustName, String what) {
        assertNotEquals(0, r.code(), what + ": accepted; stdout: " + r.out() + " stderr: " + r.err());
        // a note that results of an earlier run are about to be replaced may precede the error (README policy)
        List<String> lines = r.err().lines().filter(l -> !l.isBlank() && !l.matches("tdi [a-z-]+: note: .*"))
                .toList();
        assertEquals(1, lines.size(), what + ": stderr is not one line:\n" + r.err());
        String line = lines.get(0);
        assertTrue(line.startsWith("tdi") && line.contains(": error: "), what + ": " + line);
        assertFalse(JAVA_NAME.matcher(line).find(), what + ": shows a Java exception: " + line);
        assertFalse(JAVA_NAME.matcher(r.out()).find(), what + ": stdout shows a Java exception: " + r.out());
        for (String word : mustName.split("\\|")) {
            assertTrue(line.contains(word), what + ": does not name " + word + ": " + line);
        }
    }

    @TestFactory
    Stream<DynamicTest> everyMalformedInputEndsInAClearOneLineError() throws Exception {
        boolean full = "full".equals(System.getProperty("tdi.fuzz"));
        long seed = Long.getLong("tdi.fuzz.seed", 14);
        List<MalformedInputs.Case> cases = MalformedInputs.generate(dir, full, seed);
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.toString(), () -> {
            Result r = assertTimeoutPreemptively(LIMIT, () -> run(c.args()), () -> c + " did not finish within "
                    + LIMIT);
            assertOneLineError(r, c.mustName(), c + " " + c.args());
        }));
    }

    @Test
    void theCorpusCoversEveryKindOfTheIssue() throws Exception {
        Set<String> kinds = new TreeSet<>();
        Set<String> commands = new TreeSet<>();
        for (MalformedInputs.Case c : MalformedInputs.generate(dir.resolve("kinds"), false, 1)) {
            kinds.add(c.kind());
            commands.add(c.args().get(0));
        }
        assertEquals(new TreeSet<>(List.of("safetensors", "non-finite weights", "input file", "config", "idx",
                "option", "output path", "input path", "checkpoint")), kinds);
        assertTrue(commands.containsAll(List.of("run", "reproduce", "generate", "sample", "train", "unet-forward",
                "bench", "fpga-emulator")), commands.toString());
    }
}
