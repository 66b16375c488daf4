package dev.tdi.inference;

import dev.tdi.coupling.CouplingStrategies;
import dev.tdi.substrate.Capabilities;
import dev.tdi.substrate.Range;
import dev.tdi.substrate.SubstrateRegistry;
import dev.tdi.substrate.UnsupportedProgramException;
import dev.tdi.unet.UNet;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Checks, in seconds, that a backend can hold the program a job will compile, before the job spends ~45 s on
 * calibration: the network is compiled with each coupling spec from two probe inputs (the calibration only changes
 * the weights, not which factor and operator kinds appear or how many units there are), and the program is checked
 * against the backend's factor kinds, operator kinds and unit limit. Dynamic ranges, bias magnitudes and coupling
 * counts depend on the calibrated weights and are checked when the real program is loaded.
 */
public final class ShapeCheck {
    private ShapeCheck() {
    }

    /**
     * Throws {@link UnsupportedProgramException} naming every structural reason {@code backend} cannot hold the
     * network compiled with any of {@code couplings}.
     */
    public static void require(String backend, UNet net, List<String> couplings) {
        Capabilities caps = SubstrateRegistry.provider(backend).capabilities();
        List<String> problems = problems(caps, net, couplings, Catalog.current().couplings(),
                Jobs.setup(backend, 0, 1, Jobs.DEFAULT_TEMPERATURE).options());
        if (!problems.isEmpty()) {
            throw new UnsupportedProgramException(backend, problems);
        }
    }

    /** The structural problems (kinds, units) of the probe-compiled programs, each prefixed by its coupling spec. */
    public static List<String> problems(Capabilities caps, UNet net, List<String> couplings,
                                        CouplingStrategies strategies, UNetCompiler.Options options) {
        Capabilities shape = caps.toBuilder().maxCouplings(Long.MAX_VALUE).couplingRange(Range.UNBOUNDED)
                .stiffnessRange(Range.UNBOUNDED).maxBiasMagnitude(Double.POSITIVE_INFINITY).build();
        int probes = 2;
        float[] x = new float[probes * net.inputSize()];
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextDouble() * 2 - 1);
        }
        int[] t = {0, net.config().diffusionSteps() - 1};
        var skips = UNetCompiler.skipConnections(net, net.forward(x, t));
        LinkedHashSet<String> problems = new LinkedHashSet<>();
        for (String spec : couplings) {
            var coupled = strategies.couple(spec, skips);
            CompiledUNet c = UNetCompiler.compile(net, coupled.coupled(), coupled.strategy().spec(), options);
            for (String p : shape.problemsWith(c.program())) {
                problems.add("with --coupling " + spec + ": " + p);
            }
        }
        return new ArrayList<>(problems);
    }
}
