package dev.tdi.inference;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Energy, latency and power of one inference on the substrate against a GPU (docs/physics.md, section 8). Every
 * constant is a named, overridable parameter with its source and its grade; {@link #describe()} prints them. Every
 * term of an {@link Account} is graded too: <b>measured</b> (on hardware), <b>simulated</b> (from the run's own
 * dynamics), <b>projected</b> (from a datasheet or a scaling argument) or <b>assumed</b>.
 * <pre>
 * latency      = steps x eta x tau                                   (steps simulated, tau assumed)
 * E_relax      = sum over phases of (U_start - U_end) / T  kT         (simulated: the run's own energy trace)
 * E_static     = units x P_unit x latency                            (assumed P_unit)
 * E_hold       = held units x E_hold                                 (scheduled plans; assumed)
 * E_DAC        = (input copies + conditioned bias channels) x E_DAC  (assumed)
 * E_ADC        = output units x reads per unit x E_ADC               (assumed; one read of the integrating hold,
 *                                                                     or one per step of a free run's window)
 * E_interface  = interface MACs x 2 x GPU J/FLOP                     (the GPU's own node; 45 nm fp32 beside it)
 * E_GPU        = 2 x U-Net MACs x GPU J/FLOP (TDP / peak), and the measured H100 J/image scaled by MACs
 * net saving   = E_GPU / (E_relax + E_static + E_hold + E_DAC + E_ADC + E_interface)
 * </pre>
 */
public final class EnergyLedger {

    /** How a figure is known. */
    public enum Grade {
        /** Read off hardware. */
        MEASURED,
        /** Computed from tdi's own simulation of the dynamics. */
        SIMULATED,
        /** From a datasheet or a scaling argument, not measured here. */
        PROJECTED,
        /** A stated assumption. */
        ASSUMED;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One named constant: value, unit, grade and where it comes from. */
    public record Constant(String name, double value, String unit, Grade grade, String source) {
    }

    private final Map<String, Constant> constants = new LinkedHashMap<>();

    /** Boltzmann constant (exact, SI 2019). */
    public static final double BOLTZMANN = 1.380649e-23;

    /** The default ledger. */
    public EnergyLedger() {
        put("temperature_K", 300, "K", Grade.ASSUMED, "room temperature");
        put("tau_s", 1e-6, "s", Grade.ASSUMED,
                "device time per relaxation time 1/w of a unit; the order of the RLC cells of Normal Computing's"
                        + " stochastic processing unit (D. Melanson et al., 'Thermodynamic computing system for AI"
                        + " applications', Nature Communications 2025; arXiv:2312.04836), a printed-circuit device;"
                        + " an integrated cell could be faster");
        put("unit_static_W", 1e-7, "W", Grade.ASSUMED,
                "static power of one analog unit (an integrator cell biased at ~100 nA from 1 V, the order of"
                        + " low-power subthreshold amplifiers); paid by every unit for the whole latency");
        put("hold_J_per_unit", 1e-14, "J", Grade.ASSUMED,
                "one integrating sample-and-hold capture (C V^2 with C = 10 fF at 1 V), once per unit per"
                        + " scheduled inference");
        put("dac_J_per_conversion", 1e-12, "J", Grade.ASSUMED,
                "8-bit converters in B. Murmann, 'ADC Performance Survey 1997-2024' (Walden FoM of a few"
                        + " fJ/conversion-step x 256 steps ~ 1 pJ); DACs taken equal to ADCs");
        put("adc_J_per_conversion", 1e-12, "J", Grade.ASSUMED,
                "8-bit ADC at ~4 fJ/conversion-step (Walden FoM), B. Murmann, ADC Performance Survey 1997-2024");
        put("mac_J_45nm", 4.6e-12, "J", Grade.PROJECTED,
                "32-bit float multiply (3.7 pJ) + add (0.9 pJ) at 45 nm, M. Horowitz, 'Computing's energy"
                        + " problem', ISSCC 2014: printed beside the interface's cost at the GPU's node");
        put("gpu_J_per_flop", 700.0 / 989.4e12, "J/FLOP", Grade.PROJECTED,
                "NVIDIA H100 SXM: 700 W TDP / 989.4 TFLOPS dense BF16 tensor peak (datasheet); a lower bound on"
                        + " GPU energy, since a small U-Net runs far below peak; also the interface's cost per FLOP");
        put("gpu_measured_J_per_image", 1.046e-3, "J", Grade.MEASURED,
                "H100 80GB HBM3, PyTorch 2.11 fp32 eager, U-Net [16,32,64] x 1 block, batch 4096 (the"
                        + " cheapest batch measured), whole-board power; tools/gpu_energy.py,"
                        + " docs/measurements/gpu-energy-h100.json; scaled by MACs for other architectures");
    }

    /**
     * MACs of the architecture the measured GPU figure is for: channels [16, 32, 64], one block per level, no input
     * skip (the layers of tools/gpu_energy.py).
     */
    static final long MEASURED_MODEL_MACS = dev.tdi.unet.UNet.create(dev.tdi.unet.UNetConfig.defaults()
            .withChannels(new int[]{16, 32, 64}, 1).withInputSkip(false), 0).macsPerImage();

    private void put(String name, double value, String unit, Grade grade, String source) {
        constants.put(name, new Constant(name, value, unit, grade, source));
    }

    /** Overrides a constant by name ({@code name=value}); an unknown name lists the known ones. */
    public EnergyLedger with(String name, double value) {
        Constant c = constants.get(name);
        if (c == null) {
            throw new IllegalArgumentException("unknown energy constant '" + name + "'; known: "
                    + String.join(", ", constants.keySet()));
        }
        if (!(value > 0) || !Double.isFinite(value)) {
            throw new IllegalArgumentException("energy constant " + name + " must be finite and > 0, found " + value);
        }
        constants.put(name, new Constant(name, value, c.unit(), Grade.ASSUMED, "overridden by the user"));
        return this;
    }

    /** The constants, in order. */
    public Map<String, Constant> constants() {
        return java.util.Collections.unmodifiableMap(constants);
    }

    public double value(String name) {
        return constants.get(name).value();
    }

    /** kT in joules at the ledger's temperature. */
    public double kT() {
        return BOLTZMANN * value("temperature_K");
    }

    /**
     * What one inference does, as the run measured it.
     *
     * @param units          free units of the program (every layer module)
     * @param steps          steps per inference
     * @param eta            relaxation times per step (dt w of each module)
     * @param releasedKT     energy the relaxation released, in kT at the run's temperature (NaN: not measured)
     * @param heldUnits      units captured by sample-and-hold per inference (0 for a free run)
     * @param dacWrites      clamped input copies + conditioned bias channels written per inference
     * @param adcReads       ADC conversions per inference
     * @param interfaceMacs  multiply-accumulates of the digital interface
     * @param unetMacs       multiply-accumulates of one digital U-Net forward pass
     */
    public record Usage(long units, long steps, double eta, double releasedKT, long heldUnits, long dacWrites,
                        long adcReads, long interfaceMacs, long unetMacs) {
    }

    /** One inference's cost, term by term, in joules and seconds. */
    public record Account(double latencyS, double staticPowerW, double relaxJ, double staticJ, double holdJ,
                          double dacJ, double adcJ, double interfaceJ, double interface45nmJ, double gpuJ,
                          double gpuMeasuredJ, double releasedKT) {

        /** The substrate's own energy: relaxation heat + static + hold (NaN heat counts as unmeasured, 0). */
        public double substrateJ() {
            return (Double.isNaN(relaxJ) ? 0 : relaxJ) + staticJ + holdJ;
        }

        public double totalJ() {
            return substrateJ() + dacJ + adcJ + interfaceJ;
        }

        /** Against the GPU's TDP at its tensor peak (a lower bound on the GPU's energy). */
        public double netSaving() {
            return gpuJ / totalJ();
        }

        /** Against the measured GPU energy per image. */
        public double netSavingMeasured() {
            return gpuMeasuredJ / totalJ();
        }

        /** The GPU against the substrate alone (no converters, no interface). */
        public double grossSaving() {
            return gpuJ / substrateJ();
        }

        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("latency_s", graded(latencyS, Grade.ASSUMED, "simulated steps x assumed tau"));
            m.put("static_power_W", graded(staticPowerW, Grade.ASSUMED, "units x assumed unit static power"));
            m.put("released_kT", graded(releasedKT, Grade.SIMULATED, "the run's energy trace, (U_start - U_end)/T"));
            m.put("relax_J", graded(relaxJ, Grade.SIMULATED, "released kT x kT at the ledger's temperature"));
            m.put("static_J", graded(staticJ, Grade.ASSUMED, "static power x latency"));
            m.put("hold_J", graded(holdJ, Grade.ASSUMED, "held units x assumed capture energy"));
            m.put("dac_J", graded(dacJ, Grade.ASSUMED, "writes x assumed J/conversion"));
            m.put("adc_J", graded(adcJ, Grade.ASSUMED, "reads x assumed J/conversion"));
            m.put("interface_J", graded(interfaceJ, Grade.PROJECTED, "interface FLOPs at the GPU's J/FLOP"));
            m.put("interface_45nm_J", graded(interface45nmJ, Grade.PROJECTED, "interface MACs at 45 nm fp32"));
            m.put("substrate_J", substrateJ());
            m.put("total_J", totalJ());
            m.put("gpu_J", graded(gpuJ, Grade.PROJECTED, "2 x U-Net MACs x H100 TDP/peak"));
            m.put("gpu_measured_J", graded(gpuMeasuredJ, Grade.MEASURED, "H100 J/image, scaled by MACs"));
            m.put("saving_net", netSaving());
            m.put("saving_net_vs_measured_gpu", netSavingMeasured());
            m.put("saving_gross", grossSaving());
            return m;
        }

        private static Map<String, Object> graded(double v, Grade g, String how) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("value", Double.isFinite(v) ? v : null);
            m.put("grade", g.label());
            m.put("how", how);
            return m;
        }
    }

    /** Costs one inference. */
    public Account account(Usage u) {
        double latency = u.steps() * u.eta() * value("tau_s");
        double staticW = u.units() * value("unit_static_W");
        double relax = u.releasedKT() * kT();
        double hold = u.heldUnits() * value("hold_J_per_unit");
        double dac = u.dacWrites() * value("dac_J_per_conversion");
        double adc = u.adcReads() * value("adc_J_per_conversion");
        double itf = 2.0 * u.interfaceMacs() * value("gpu_J_per_flop");
        double itf45 = u.interfaceMacs() * value("mac_J_45nm");
        double gpu = 2.0 * u.unetMacs() * value("gpu_J_per_flop");
        double measured = value("gpu_measured_J_per_image") * u.unetMacs() / (double) MEASURED_MODEL_MACS;
        return new Account(latency, staticW, relax, staticW * latency, hold, dac, adc, itf, itf45, gpu, measured,
                u.releasedKT());
    }

    /** Every constant with its value, grade and source, one per line. */
    public String describe() {
        StringBuilder s = new StringBuilder("energy ledger constants:\n");
        for (Constant c : constants.values()) {
            s.append(String.format(Locale.ROOT, "  %-26s %-11.4g %-7s %-9s %s%n", c.name(), c.value(), c.unit(),
                    c.grade().label(), c.source()));
        }
        return s.toString();
    }

    /** The constants as a JSON-ready map. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Constant c : constants.values()) {
            m.put(c.name(), Map.of("value", c.value(), "unit", c.unit(), "grade", c.grade().label(),
                    "source", c.source()));
        }
        return m;
    }
}
