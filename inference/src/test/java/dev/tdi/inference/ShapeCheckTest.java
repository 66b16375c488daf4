package dev.tdi.inference;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdi.substrate.Capabilities;
import dev.tdi.substrate.program.OperatorKind;
import dev.tdi.unet.UNet;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A backend that cannot hold the network's shape is refused from a probe compile, before any calibration. */
class ShapeCheckTest {
    private final UNet net = TestFixtures.tinyNet(3);

    @Test
    void aMissingOperatorKindAndTooFewUnitsAreFoundWithoutCalibration() {
        Capabilities caps = Capabilities.builder().operatorKinds(EnumSet.of(OperatorKind.DENSE, OperatorKind.LOW_RANK))
                .maxUnits(100).build();
        long start = System.nanoTime();
        List<String> problems = ShapeCheck.problems(caps, net, List.of("hbc:k=2"), Catalog.builtIn().couplings(),
                UNetCompiler.Options.defaults());
        double seconds = (System.nanoTime() - start) / 1e9;
        String all = String.join("\n", problems);
        assertTrue(all.contains("with --coupling hbc:k=2: ") && all.contains("CONV2D"), all);
        assertTrue(all.contains("this backend holds at most 100"), all);
        assertTrue(all.contains("(supported: [DENSE, LOW_RANK])"), "kinds listed in a fixed order: " + all);
        assertTrue(seconds < 10, "a probe compile takes seconds, took " + seconds);
    }

    @Test
    void aBackendThatHoldsEverythingHasNoProblems() {
        assertTrue(ShapeCheck.problems(Capabilities.builder().build(), net, List.of("dense", "none"),
                Catalog.builtIn().couplings(), UNetCompiler.Options.defaults()).isEmpty());
    }
}
