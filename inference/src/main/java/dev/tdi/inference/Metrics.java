package dev.tdi.inference;

import java.util.List;
import java.util.Map;

/**
 * Every figure tdi reports, defined once (docs/physics.md, "Metrics").
 */
public final class Metrics {
    private Metrics() {
    }

    /** cos(a, b) = a.b / (|a| |b|); 1 when both are zero, 0 when exactly one is. */
    public static double cosine(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("cosine of vectors of length " + a.length + " and " + b.length);
        }
        double ab = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += (double) a[i] * b[i];
            aa += (double) a[i] * a[i];
            bb += (double) b[i] * b[i];
        }
        if (aa == 0 && bb == 0) {
            return 1;
        }
        if (aa == 0 || bb == 0) {
            return 0;
        }
        return ab / Math.sqrt(aa * bb);
    }

    /** The concatenation of the named modules' states, in the given order. */
    public static float[] concat(Map<String, float[]> states, List<String> modules) {
        int n = 0;
        for (String m : modules) {
            n += require(states, m).length;
        }
        float[] out = new float[n];
        int o = 0;
        for (String m : modules) {
            float[] v = require(states, m);
            System.arraycopy(v, 0, out, o, v.length);
            o += v.length;
        }
        return out;
    }

    /**
     * Decoder cosine of one input: cos(d_substrate, d_oracle) of the concatenated decoder module states, the oracle
     * being the digital U-Net's activations (taps) for the same input. Report its mean over held-out inputs.
     */
    public static double decoderCosine(Map<String, float[]> substrate, Map<String, float[]> oracle,
                                       List<String> decoderModules) {
        return cosine(concat(substrate, decoderModules), concat(oracle, decoderModules));
    }

    /** Decoder shift ||d_with_skip - d_without_skip|| / ||d_without_skip|| over the concatenated decoder states. */
    public static double decoderShift(Map<String, float[]> withSkip, Map<String, float[]> withoutSkip,
                                      List<String> decoderModules) {
        float[] a = concat(withSkip, decoderModules);
        float[] b = concat(withoutSkip, decoderModules);
        double num = 0;
        double den = 0;
        for (int i = 0; i < a.length; i++) {
            double d = (double) a[i] - b[i];
            num += d * d;
            den += (double) b[i] * b[i];
        }
        return den == 0 ? (num == 0 ? 0 : Double.POSITIVE_INFINITY) : Math.sqrt(num / den);
    }

    /** ||a - b|| / ||b||. */
    public static double relativeError(float[] a, float[] b) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < a.length; i++) {
            double d = (double) a[i] - b[i];
            num += d * d;
            den += (double) b[i] * b[i];
        }
        return den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
    }

    /** Mean of an array. */
    public static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return v.length == 0 ? Double.NaN : s / v.length;
    }

    /** Minimum of an array. */
    public static double min(double[] v) {
        double m = Double.POSITIVE_INFINITY;
        for (double x : v) {
            m = Math.min(m, x);
        }
        return m;
    }

    private static float[] require(Map<String, float[]> states, String m) {
        float[] v = states.get(m);
        if (v == null) {
            throw new IllegalArgumentException("no state for module '" + m + "'; have " + states.keySet());
        }
        return v;
    }
}
