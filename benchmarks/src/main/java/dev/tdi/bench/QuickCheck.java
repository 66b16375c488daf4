package dev.tdi.bench;

import dev.tdi.substrate.Substrate;
import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.SubstrateRegistry;
import dev.tdi.substrate.program.Program;
import dev.tdi.substrate.sim.SimSubstrate;

/** Development probe: java ... dev.tdi.bench.QuickCheck kind d k chains backend. */
public final class QuickCheck {
    private QuickCheck() {
    }

    public static void main(String[] a) {
        if (a[0].equals("stream")) {
            System.out.println(MachineProbe.stream(1 << 25, Integer.parseInt(a[1]), 5));
            System.out.printf("fma %.1f GFlop/s%n", MachineProbe.fmaPeak(Integer.parseInt(a[1]), 20_000_000) / 1e9);
            return;
        }
        BenchPrograms.Kind kind = BenchPrograms.Kind.of(a[0]);
        int d = Integer.parseInt(a[1]), k = Integer.parseInt(a[2]), chains = Integer.parseInt(a[3]);
        Program p = BenchPrograms.build(kind, d, k, 1);
        try (Substrate s = SubstrateRegistry.open(a[4], a[4].equals("sim")
                ? SubstrateConfig.of("range=unbounded") : SubstrateConfig.defaults())) {
            s.program(p);
            StepTimer.Timing t = StepTimer.time(s, chains, 2_000_000_000L, 200_000_000L, 5);
            String extra = "";
            if (s instanceof SimSubstrate sim) {
                long[] c = sim.costPerStep(chains);
                extra = String.format(" bytes %d flops %d -> %.1f GB/s %.1f GFlop/s", c[0], c[1], c[0] / t.medianNs(),
                        c[1] / t.medianNs());
            }
            System.out.printf("%s D=%d k=%d C=%d %s: %.0f ns/step (best %.0f, %d steps/run)%s%n", kind, p.units(), k,
                    chains, a[4], t.medianNs(), t.bestNs(), t.stepsPerRun(), extra);
        }
    }
}
