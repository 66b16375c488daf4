package dev.tdi.substrate.fpga;

import static org.junit.jupiter.api.Assertions.*;

import dev.tdi.substrate.RunResult;
import dev.tdi.substrate.RunSpec;
import dev.tdi.substrate.Substrate;
import dev.tdi.substrate.SubstrateConfig;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SmokeTest {
    @Test
    void runs() {
        try (Substrate s = new FpgaProvider().open(SubstrateConfig.defaults())) {
            s.program(Programs.everything());
            RunResult r = s.run(RunSpec.builder().steps(200, 200).temperature(0.01).chains(3).traceEvery(50).build());
            System.out.println(Arrays.toString(r.mean(0)));
            System.out.println(((FpgaSubstrate) s).compiled().report());
            System.out.println(((FpgaSubstrate) s).lastRun());
            System.out.println(Arrays.toString(r.trace().get().energy()));
        }
    }
}
