package dev.tdi.substrate.sim;

import dev.tdi.substrate.Capabilities;
import dev.tdi.substrate.Feature;
import dev.tdi.substrate.NoiseModel;
import dev.tdi.substrate.NumberFormat;
import dev.tdi.substrate.Range;
import dev.tdi.substrate.Substrate;
import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.SubstrateProvider;
import java.util.Set;

/**
 * Provider {@code sim}: the SIMD Langevin simulator. Settings: {@code threads} (default: available processors;
 * results do not depend on it), {@code vector} ({@code false} forces the scalar kernels) and {@code range}
 * ({@code analog}, the default: the coupling and stiffness ranges of {@link #ANALOG_RANGE}, so that what runs here
 * could run on an analog device; {@code unbounded}: float32's range, for numerical experiments) and {@code conv}
 * ({@code auto}, the default: each convolution direction on the stencil or the blocked matrix kernel as the
 * measured shape rule picks; {@code stencil} or {@code gemm} force one form). Without module
 * {@code jdk.incubator.vector} it still loads and runs on scalar kernels, and its description says so.
 */
public final class SimProvider implements SubstrateProvider {
    /** The provider name. */
    public static final String NAME = "sim";
    static final Set<String> SETTINGS = Set.of("threads", "vector", "range", "conv");

    /**
     * The default coupling and stiffness range: largest magnitude 1e3 (kT at temperature 1) and largest/smallest
     * non-zero ratio 1e3 (about 10 bits). Assumed, not measured: a single analog conductance or capacitor DAC holds
     * a few bits (3 to 6 for multilevel RRAM: G. Pedretti and D. Ielmini, "In-Memory Computing with Resistive
     * Memory Circuits: Status and Outlook", Electronics 10, 1063 (2021)); cells that sum several devices reach more
     * (W. Song et al., "Programming memristor arrays with arbitrarily high precision for analog computing",
     * Science 383, 903 (2024)). 1e3 is the optimistic end of that span for a per-coupling cell.
     */
    public static final Range ANALOG_RANGE = new Range(1e3, 1e3);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        String reason = KernelsLoader.fallbackReason();
        if (reason == null) {
            return "SIMD Langevin simulator in float32 (" + Kernels.load(true).description()
                    + "), batched chains, deterministic multi-threading";
        }
        return "Langevin simulator in float32 on the SCALAR FALLBACK (" + reason
                + "): same results, several times slower";
    }

    /** True when this JVM runs the Vector API kernels. */
    public static boolean vectorized() {
        return Kernels.load(true).vectorized();
    }

    @Override
    public Capabilities capabilities() {
        return capabilitiesStatic();
    }

    static Capabilities capabilitiesStatic() {
        return capabilities(true);
    }

    /** The capabilities with the analog range ({@code true}, the default) or without a range bound. */
    static Capabilities capabilities(boolean analogRange) {
        Range range = analogRange ? ANALOG_RANGE : Range.UNBOUNDED;
        return Capabilities.everything(Integer.MAX_VALUE - 8, Long.MAX_VALUE, 1 << 16, NumberFormat.float32(),
                new NoiseModel(NoiseModel.Kind.PSEUDO_RANDOM,
                        "counter-based: lowbias32 hash of (chain seed, step, unit), Box-Muller with polynomial"
                                + " log/sin, identical on vector and scalar paths"))
                .toBuilder().couplingRange(range).stiffnessRange(range).feature(Feature.SCHEDULES)
                .feature(Feature.PER_CHAIN_INPUTS).build();
    }

    @Override
    public Substrate open(SubstrateConfig config) {
        config.requireOnly(NAME, SETTINGS);
        int threads = config.getInt("threads", Runtime.getRuntime().availableProcessors());
        if (threads < 1) {
            throw new dev.tdi.substrate.program.InvalidProgramException("sim setting threads must be >= 1, found "
                    + threads);
        }
        boolean vector = Boolean.parseBoolean(config.get("vector", "true"));
        String range = config.get("range", "analog");
        if (!range.equals("analog") && !range.equals("unbounded")) {
            throw new dev.tdi.substrate.program.InvalidProgramException("sim setting range must be analog or"
                    + " unbounded, found '" + range + "'");
        }
        ConvForm conv = ConvForm.parse(config.get("conv", "auto"));
        return new SimSubstrate(Kernels.load(vector), threads, capabilities(range.equals("analog")), conv);
    }
}
