package dev.tdi.conditioning;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A synthetic oracle: fields of per-channel biases that are smooth functions of tau = t / (T - 1), each channel a
 * random mix of a few shared smooth shapes (so the signal has low intrinsic dimension, like a FiLM projection of a
 * time embedding), plus an optional per-label offset.
 */
final class SyntheticOracle implements BiasOracle {
    private final Map<String, double[][]> mix = new LinkedHashMap<>(); // field -> [channel][shape + 1]
    private final Map<String, double[][]> labelShift = new LinkedHashMap<>();
    private final int shapes = 4;

    SyntheticOracle(Map<String, Integer> fields, int labels, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        fields.forEach((name, c) -> {
            double[][] m = new double[c][shapes + 1];
            double[][] l = new double[c][Math.max(labels, 0)];
            for (int j = 0; j < c; j++) {
                m[j][0] = 2 * r.nextGaussian(); // the static part
                for (int s = 1; s <= shapes; s++) {
                    m[j][s] = r.nextGaussian();
                }
                for (int k = 0; k < labels; k++) {
                    l[j][k] = 0.5 * r.nextGaussian();
                }
            }
            mix.put(name, m);
            labelShift.put(name, l);
        });
    }

    static double shape(int s, double tau) {
        return switch (s) {
            case 1 -> Math.tanh(4 * (tau - 0.3));
            case 2 -> Math.exp(-tau * 3) - 0.5;
            case 3 -> Math.sin(2 * Math.PI * tau) * 0.7;
            case 4 -> tau * tau - 0.33;
            default -> throw new IllegalArgumentException();
        };
    }

    @Override
    public Map<String, float[]> biases(ConditioningInput input) {
        double tau = (double) input.timestep() / (input.timesteps() - 1);
        Map<String, float[]> out = new LinkedHashMap<>();
        mix.forEach((name, m) -> {
            float[] v = new float[m.length];
            for (int j = 0; j < m.length; j++) {
                double s = m[j][0];
                for (int k = 1; k <= shapes; k++) {
                    s += m[j][k] * shape(k, tau);
                }
                if (input.label() >= 0) {
                    s += labelShift.get(name)[j][input.label()];
                }
                v[j] = (float) s;
            }
            out.put(name, v);
        });
        return out;
    }

    static Map<String, Integer> fields() {
        Map<String, Integer> f = new LinkedHashMap<>();
        f.put("enc0", 8);
        f.put("mid", 6);
        f.put("dec0", 10);
        return f;
    }

    /** Every {@code every}-th step starting at {@code offset}, out of T. */
    static List<ConditioningInput> steps(int timesteps, int offset, int every, int label) {
        List<ConditioningInput> l = new ArrayList<>();
        for (int t = offset; t < timesteps; t += every) {
            l.add(new ConditioningInput(t, timesteps, label));
        }
        return l;
    }
}
