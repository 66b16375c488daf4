package dev.tdi.cli.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdi.cli.TdiCommand;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The inference commands refuse bad input with exit code 1 and a message naming the accepted values. */
class InferenceCommandsTest {

    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = TdiCommand.execute(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void helpListsTheCommands() {
        Result r = run("--help");
        assertEquals(0, r.code());
        for (String c : new String[]{"run", "reproduce", "generate"}) {
            assertTrue(r.out().contains(c), r.out());
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "run --backend warp-drive|warp-drive|reference",
        "run --coupling telepathy|telepathy|hbc",
        "run --coupling hbc:k=0|hbc|k",
        "run --interface crystal-ball|crystal-ball|minimal",
        "run --interface minimal:b=-1|minimal|b",
        "generate --coupling svd:k=0|svd|k",
        "reproduce --backend nope|nope|sim",
        "run --eval 0|--eval|1..5000",
        "generate --steps 0|--steps|1..1000",
        "generate --samples 1|--samples|2..1024",
        "generate --samples 10 --digital-samples 5|--digital-samples|>= --samples",
        "run --split train|--split|dev, test",
        "reproduce --split holdout|--split|dev, test",
        "reproduce --samples 1|--samples|0 (no generation) or >= 2",
        "train-classifier --batch 12|--batch|multiple of 8",
        "train-classifier --epochs 0|--epochs|1..",
        "run --batch 0|--batch|1..",
        "generate --batch -3|--batch|1..",
    })
    void badInputIsRefusedWithTheAcceptedValues(String args, String names, String accepted) {
        Result r = run(args.split(" "));
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.err().contains(names) && r.err().contains(accepted), r.err());
    }
}
