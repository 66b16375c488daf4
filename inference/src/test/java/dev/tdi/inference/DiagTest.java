package dev.tdi.inference;

import dev.tdi.substrate.*;
import dev.tdi.unet.*;
import java.util.*;
import org.junit.jupiter.api.Test;

class DiagTest {
    @Test
    void diag() throws Exception {
        UNet net = UNet.create(UNetConfig.defaults(), 1);
        Workload w = Workload.fashionMnistTest(Workload.DATASET);
        var setup = new Experiment.Setup("sim", SubstrateConfig.defaults(), 1, 4, 32, 16, 1e-4, 32, UNetCompiler.Options.defaults());
        Experiment e = new Experiment(net, w, setup, new EnergyLedger(), System.out::println);
        for (String cs : new String[]{"dense", "hbc:k=8", "none"}) {
            long t0 = System.nanoTime();
            var o = e.evaluate(cs, "x", (spec, cal, or, seed) -> TestFixtures.exactBiases(or), 1e-4);
            var m = o.toMap(); m.remove("energy");
            System.out.println(m + " wall " + (System.nanoTime() - t0) / 1e9);
        }
        System.out.println("shift " + e.decoderShift());
        System.out.println(new EnergyLedger().describe());
    }
}
