package dev.tdi.conditioning;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How far fixed biases fall short of the input-specific bias signal the digital network applies, measured in the
 * bias domain (the device's DAC fields), on inputs held out from calibration.
 *
 * <h2>Definitions</h2>
 * For evaluation inputs c_1 .. c_M, all C bias channels (every field, flattened), the oracle's biases b(c) and their
 * calibration mean b_bar (the fixed biases of the {@code none} interface):
 * <pre>
 *   signal          sigma_sig  = sqrt( 1/(M C) sum_{m,j} (b_j(c_m) - b_bar_j)^2 )       the input-specific signal
 *   residual of I   sigma_I    = sqrt( 1/(M C) sum_{m,j} (b^I_j(c_m) - b_j(c_m))^2 )   what interface I gets wrong
 *   ratio of I      rho_I      = sigma_sig / sigma_I                                   signal-to-error ratio
 *   deficit         D_I        = sigma_none / sigma_I = rho_I / rho_none
 * </pre>
 * The fixed biases carry no input-specific signal at all, so their residual is the whole signal: sigma_none equals
 * sigma_sig on the calibration inputs and about that on held-out ones (rho_none ~ 1). The <b>conditioning deficit</b>
 * D_I is the factor by which the fixed biases' conditioning error exceeds the error left by interface I: how many
 * times too little input-specific signal the coupling constants alone carry, measured against what I delivers.
 * The headline figure is D for the minimal interface; D for the oracle is infinite on an ideal device.
 *
 * <h2>Device-limited variant</h2>
 * A real device writes biases through DACs of limited range and resolution. With {@link DeviceLimits}(range R,
 * bits n), every bias an interface writes is first clipped to [-R, R] and rounded to the grid of 2^n levels
 * spanning it (step 2R / (2^n - 1)); the fixed biases go through the same DACs. The residuals are then taken against
 * the exact (unquantised) oracle, which gives sigma_I^dev, rho_I^dev and D_I^dev. For the oracle, sigma_oracle^dev
 * is the device floor: the best conditioning any interface can reach on that device, and D_oracle^dev is the
 * largest deficit that device can resolve. Biases are in the units the oracle gives them (the layer pre-activation
 * scale); a caller whose device range is set in kT at temperature T converts R into those units (a bias of h
 * contributes -h x to the energy, so R = (range in kT) * kT / (unit scale)). Temperature and the readout window
 * act on the states, not on the biases, and enter the decoder cosine instead.
 */
public final class ConditioningDeficit {
    private ConditioningDeficit() {
    }

    /**
     * A DAC: biases clipped to [-range, range], then rounded to 2^bits levels.
     *
     * @param range the largest magnitude the device's bias fields can hold (oracle units)
     * @param bits  DAC resolution, 1 .. 30
     */
    public record DeviceLimits(double range, int bits) {
        public DeviceLimits {
            if (!(range > 0) || Double.isInfinite(range)) {
                throw new IllegalArgumentException("bias range must be positive and finite, got " + range);
            }
            if (bits < 1 || bits > 30) {
                throw new IllegalArgumentException("DAC bits must be in 1..30, got " + bits);
            }
        }

        /** The DAC step 2 range / (2^bits - 1). */
        public double step() {
            return 2 * range / ((1L << bits) - 1);
        }

        /** The value the device actually holds when asked for {@code v}. */
        public double quantise(double v) {
            double c = Math.max(-range, Math.min(range, v));
            double q = Math.round((c + range) / step()) * step() - range;
            return Math.max(-range, Math.min(range, q));
        }
    }

    /**
     * One interface, measured.
     *
     * @param residualRms       sigma_I
     * @param ratio             rho_I = signal / residual (infinite for an exact interface)
     * @param deficit           D_I = sigma_none / sigma_I
     * @param deviceResidualRms sigma_I^dev (NaN without device limits)
     * @param deviceRatio       rho_I^dev
     * @param deviceDeficit     D_I^dev = sigma_none^dev / sigma_I^dev
     */
    public record Entry(String spec, long parameters, double residualRms, double ratio, double deficit,
                        double deviceResidualRms, double deviceRatio, double deviceDeficit) {
    }

    /**
     * The measurement.
     *
     * @param signalRms  sigma_sig
     * @param none       the fixed biases
     * @param interfaces the others, in the order given
     * @param limits     the device, or null
     * @param inputs     M, the number of evaluation inputs
     * @param channels   C
     */
    public record Report(double signalRms, Entry none, List<Entry> interfaces, DeviceLimits limits, int inputs,
                         int channels) {
        public Report {
            interfaces = List.copyOf(interfaces);
        }

        /** The entry for a spec (e.g. "oracle"), or null. */
        public Entry entry(String spec) {
            if (none.spec().equals(spec)) {
                return none;
            }
            return interfaces.stream().filter(e -> e.spec().equals(spec)).findFirst().orElse(null);
        }

        /** A fixed-width table. */
        public String format() {
            StringBuilder b = new StringBuilder();
            b.append(String.format(Locale.ROOT, "conditioning signal RMS %.6g over %d inputs x %d channels%s%n",
                    signalRms, inputs, channels, limits == null ? ""
                            : String.format(Locale.ROOT, "; device: range %.4g, %d-bit DAC (step %.3g)",
                            limits.range(), limits.bits(), limits.step())));
            b.append(String.format(Locale.ROOT, "%-28s %10s %12s %10s %10s %12s %10s%n", "interface", "params",
                    "residual", "ratio", "deficit", "residual/dev", "deficit/dev"));
            List<Entry> all = new ArrayList<>();
            all.add(none);
            all.addAll(interfaces);
            for (Entry e : all) {
                b.append(String.format(Locale.ROOT, "%-28s %10d %12.4g %10.4g %10.4g %12.4g %10.4g%n", e.spec(),
                        e.parameters(), e.residualRms(), e.ratio(), e.deficit(), e.deviceResidualRms(),
                        e.deviceDeficit()));
            }
            return b.toString();
        }
    }

    /**
     * Measures the fixed biases (fitted here on {@code calibration}) and each of {@code interfaces} on
     * {@code evaluation} (which should be held out from calibration).
     *
     * @param limits the device's DAC, or null for the ideal device only
     */
    public static Report measure(BiasOracle oracle, List<ConditioningInput> calibration,
                                 List<ConditioningInput> evaluation, List<ConditioningInterface> interfaces,
                                 DeviceLimits limits) {
        if (evaluation.isEmpty()) {
            throw new IllegalArgumentException("no evaluation inputs");
        }
        FixedBiasInterface fixed = FixedBiasInterface.fit(calibration, oracle);
        BiasLayout layout = fixed.layout();
        double[] mean = fixed.mean();
        List<double[]> truth = layout.flattenAll(oracle, evaluation);
        int c = layout.channels();
        double count = (double) evaluation.size() * c;
        double sig = 0;
        for (double[] t : truth) {
            for (int j = 0; j < c; j++) {
                sig += (t[j] - mean[j]) * (t[j] - mean[j]);
            }
        }
        double signal = Math.sqrt(sig / count);
        double[] noneRes = residuals(fixed, layout, evaluation, truth, limits);
        Entry none = entry(fixed, signal, noneRes, noneRes);
        List<Entry> out = new ArrayList<>();
        for (ConditioningInterface i : interfaces) {
            out.add(entry(i, signal, residuals(i, layout, evaluation, truth, limits), noneRes));
        }
        return new Report(signal, none, out, limits, evaluation.size(), c);
    }

    /** [ideal residual RMS, device residual RMS (NaN without limits)]. */
    private static double[] residuals(ConditioningInterface i, BiasLayout layout, List<ConditioningInput> inputs,
                                      List<double[]> truth, DeviceLimits limits) {
        double e = 0;
        double ed = 0;
        for (int m = 0; m < inputs.size(); m++) {
            double[] bi = layout.flatten(i.biases(inputs.get(m)));
            double[] t = truth.get(m);
            for (int j = 0; j < bi.length; j++) {
                double d = bi[j] - t[j];
                e += d * d;
                if (limits != null) {
                    double dd = limits.quantise(bi[j]) - t[j];
                    ed += dd * dd;
                }
            }
        }
        double count = (double) inputs.size() * layout.channels();
        return new double[] {Math.sqrt(e / count), limits == null ? Double.NaN : Math.sqrt(ed / count)};
    }

    private static Entry entry(ConditioningInterface i, double signal, double[] res, double[] noneRes) {
        return new Entry(i.spec(), i.parameters(), res[0], signal / res[0], noneRes[0] / res[0], res[1],
                signal / res[1], noneRes[1] / res[1]);
    }
}
