package dev.tdi.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BackendsCommandTest {

    private static String run(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            assertEquals(0, TdiCommand.execute(args));
        } finally {
            System.setOut(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void listsTheReferenceBackendWithItsCapabilities() {
        String out = run("backends");
        assertTrue(out.contains("reference - "), out);
        assertTrue(out.contains("RESIDUAL_RELU"), out);
        assertTrue(out.contains("CONV_TRANSPOSE2D"), out);
        assertTrue(out.contains("number format"), out);
    }

    @Test
    void printsJson() {
        var json = JsonParser.parseString(run("backends", "--json")).getAsJsonObject();
        var backends = json.getAsJsonArray("backends");
        boolean found = false;
        for (var b : backends) {
            var o = b.getAsJsonObject();
            if (o.get("name").getAsString().equals("reference")) {
                found = true;
                assertEquals(5, o.getAsJsonArray("operatorKinds").size());
                assertEquals("float64", o.getAsJsonObject("numberFormat").get("name").getAsString());
            }
        }
        assertTrue(found, "reference must be listed: " + json);
    }
}
