package dev.tdi.inference;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Energy per inference on the substrate against a GPU (DESIGN.md section 7, docs/physics.md "Energy ledger").
 * Every constant is a named, overridable parameter with its source; {@link #describe()} prints them.
 * <pre>
 * E_substrate = units x relaxation times x dissipation per unit per relaxation time x kT
 * E_DAC       = (clamped input units + conditioned bias channels) x E_DAC per conversion
 * E_ADC       = read-out units x E_ADC per conversion
 * E_interface = interface multiply-accumulates x E_MAC
 * E_GPU       = 2 x U-Net MACs x joules per FLOP   (and, beside it, the measured H100 joules per image)
 * gross saving = E_GPU / E_substrate;  net saving = E_GPU / (E_substrate + E_DAC + E_ADC + E_interface)
 * </pre>
 */
public final class EnergyLedger {

    /** One named constant: value, unit and where it comes from. */
    public record Constant(String name, double value, String unit, String source) {
    }

    private final Map<String, Constant> constants = new LinkedHashMap<>();

    /** Boltzmann constant (exact, SI 2019). */
    public static final double BOLTZMANN = 1.380649e-23;

    /** The default ledger. */
    public EnergyLedger() {
        put("temperature_K", 300, "K", "room temperature (assumption)");
        put("dissipation_kT_per_unit_per_tau", 10, "kT",
                "assumption: a unit dissipates ~10 kT per relaxation time (order of magnitude above the Landauer"
                        + " limit kT ln 2; no fabricated device is measured here)");
        put("dac_J_per_conversion", 1e-12, "J",
                "assumption in the range of 8-bit converters in B. Murmann, 'ADC Performance Survey 1997-2024'"
                        + " (Walden FoM of a few fJ/conversion-step x 256 steps ~ 1 pJ); DACs taken equal to ADCs");
        put("adc_J_per_conversion", 1e-12, "J",
                "8-bit ADC at ~4 fJ/conversion-step (Walden FoM), B. Murmann, ADC Performance Survey 1997-2024");
        put("mac_J", 4.6e-12, "J",
                "32-bit float multiply (3.7 pJ) + add (0.9 pJ) at 45 nm, M. Horowitz, 'Computing's energy"
                        + " problem', ISSCC 2014");
        put("gpu_J_per_flop", 700.0 / 989.4e12, "J/FLOP",
                "NVIDIA H100 SXM: 700 W TDP / 989.4 TFLOPS dense BF16 tensor peak (datasheet); a lower bound on"
                        + " GPU energy, since a small U-Net runs far below peak");
        put("gpu_measured_J_per_image", 1.046e-3, "J",
                "measured: H100 80GB HBM3, PyTorch 2.11 fp32 eager, U-Net [16,32,64] x 1 block, batch 4096 (the"
                        + " cheapest batch measured), whole-board power; tools/gpu_energy.py,"
                        + " docs/measurements/gpu-energy-h100.json; scaled by MACs for other architectures");
    }

    /**
     * MACs of the architecture the measured GPU figure is for: channels [16, 32, 64], one block per level, no input
     * skip (the layers of tools/gpu_energy.py).
     */
    static final long MEASURED_MODEL_MACS = dev.tdi.unet.UNet.create(dev.tdi.unet.UNetConfig.defaults()
            .withChannels(new int[]{16, 32, 64}, 1).withInputSkip(false), 0).macsPerImage();

    private void put(String name, double value, String unit, String source) {
        constants.put(name, new Constant(name, value, unit, source));
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
        constants.put(name, new Constant(name, value, c.unit(), "overridden by the user"));
        return this;
    }

    /** The constants, in order. */
    public Map<String, Constant> constants() {
        return Map.copyOf(constants);
    }

    public double value(String name) {
        return constants.get(name).value();
    }

    /** kT in joules at the ledger's temperature. */
    public double kT() {
        return BOLTZMANN * value("temperature_K");
    }

    /**
     * What one inference costs.
     *
     * @param units            free units relaxing (every layer module)
     * @param relaxationTimes  relaxation times elapsed (steps x eta: each module's own time constant is 1/w_l)
     * @param dacWrites        clamped input units + conditioned bias channels written per inference
     * @param adcReads         units read out per inference
     * @param interfaceMacs    multiply-accumulates of the digital interface
     * @param unetMacs         multiply-accumulates of one digital U-Net forward pass
     */
    public record Account(double substrateJ, double dacJ, double adcJ, double interfaceJ, double gpuJ,
                          double gpuMeasuredJ) {
        public double totalJ() {
            return substrateJ + dacJ + adcJ + interfaceJ;
        }

        public double grossSaving() {
            return gpuJ / substrateJ;
        }

        public double netSaving() {
            return gpuJ / totalJ();
        }

        /** Net saving against the measured GPU energy per image. */
        public double netSavingMeasured() {
            return gpuMeasuredJ / totalJ();
        }

        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("substrate_J", substrateJ);
            m.put("dac_J", dacJ);
            m.put("adc_J", adcJ);
            m.put("interface_J", interfaceJ);
            m.put("total_J", totalJ());
            m.put("gpu_J", gpuJ);
            m.put("saving_gross", grossSaving());
            m.put("saving_net", netSaving());
            m.put("gpu_measured_J", gpuMeasuredJ);
            m.put("saving_net_vs_measured_gpu", netSavingMeasured());
            m.put("saving_gross_vs_measured_gpu", gpuMeasuredJ / substrateJ);
            return m;
        }
    }

    public Account account(long units, double relaxationTimes, long dacWrites, long adcReads, long interfaceMacs,
                           long unetMacs) {
        double sub = units * relaxationTimes * value("dissipation_kT_per_unit_per_tau") * kT();
        double dac = dacWrites * value("dac_J_per_conversion");
        double adc = adcReads * value("adc_J_per_conversion");
        double itf = interfaceMacs * value("mac_J");
        double gpu = 2.0 * unetMacs * value("gpu_J_per_flop");
        double measured = value("gpu_measured_J_per_image") * unetMacs / (double) MEASURED_MODEL_MACS;
        return new Account(sub, dac, adc, itf, gpu, measured);
    }

    /** Every constant with its value and source, one per line. */
    public String describe() {
        StringBuilder s = new StringBuilder("energy ledger constants:\n");
        for (Constant c : constants.values()) {
            s.append(String.format(Locale.ROOT, "  %-34s %-11.4g %-7s %s%n", c.name(), c.value(), c.unit(),
                    c.source()));
        }
        return s.toString();
    }

    /** The constants as a JSON-ready map. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Constant c : constants.values()) {
            m.put(c.name(), Map.of("value", c.value(), "unit", c.unit(), "source", c.source()));
        }
        return m;
    }
}
