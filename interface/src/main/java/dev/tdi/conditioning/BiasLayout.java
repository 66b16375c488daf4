package dev.tdi.conditioning;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The bias fields an oracle writes, in a fixed order (sorted by name), flattened into one vector of C channels:
 * field f occupies [offset(f), offset(f) + length(f)).
 */
public final class BiasLayout {
    private final List<String> names;
    private final int[] lengths;
    private final int[] offsets;
    private final int channels;

    public BiasLayout(Map<String, Integer> fields) {
        TreeMap<String, Integer> sorted = new TreeMap<>(fields);
        names = List.copyOf(sorted.keySet());
        lengths = new int[names.size()];
        offsets = new int[names.size()];
        int c = 0;
        int i = 0;
        for (var e : sorted.entrySet()) {
            if (e.getValue() < 0) {
                throw new IllegalArgumentException("bias field " + e.getKey() + " has negative length");
            }
            offsets[i] = c;
            lengths[i] = e.getValue();
            c += e.getValue();
            i++;
        }
        channels = c;
    }

    /** The layout of an oracle's answer. */
    public static BiasLayout of(Map<String, float[]> biases) {
        Map<String, Integer> f = new LinkedHashMap<>();
        biases.forEach((k, v) -> f.put(k, v.length));
        return new BiasLayout(f);
    }

    public List<String> names() {
        return Collections.unmodifiableList(names);
    }

    /** Total channels C over all fields. */
    public int channels() {
        return channels;
    }

    public int length(String field) {
        return lengths[index(field)];
    }

    private int index(String field) {
        int i = names.indexOf(field);
        if (i < 0) {
            throw new IllegalArgumentException("no bias field " + field);
        }
        return i;
    }

    /** The fields concatenated in layout order; refuses a map with other fields or lengths. */
    public double[] flatten(Map<String, float[]> biases) {
        if (biases.size() != names.size()) {
            throw new IllegalArgumentException("expected bias fields " + names + ", got " + biases.keySet());
        }
        double[] out = new double[channels];
        for (int i = 0; i < names.size(); i++) {
            float[] v = biases.get(names.get(i));
            if (v == null || v.length != lengths[i]) {
                throw new IllegalArgumentException("bias field " + names.get(i) + ": expected " + lengths[i]
                        + " channels, got " + (v == null ? "none" : Integer.toString(v.length)));
            }
            for (int j = 0; j < v.length; j++) {
                out[offsets[i] + j] = v[j];
            }
        }
        return out;
    }

    /** The inverse of {@link #flatten}: a new ordered map of float arrays. */
    public Map<String, float[]> unflatten(double[] flat) {
        if (flat.length != channels) {
            throw new IllegalArgumentException("expected " + channels + " channels, got " + flat.length);
        }
        Map<String, float[]> out = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            float[] v = new float[lengths[i]];
            for (int j = 0; j < v.length; j++) {
                v[j] = (float) flat[offsets[i] + j];
            }
            out.put(names.get(i), v);
        }
        return out;
    }

    /** The oracle's biases for each input, flattened; every answer must have this layout. */
    public List<double[]> flattenAll(BiasOracle oracle, List<ConditioningInput> inputs) {
        List<double[]> out = new ArrayList<>(inputs.size());
        for (ConditioningInput c : inputs) {
            out.add(flatten(oracle.biases(c)));
        }
        return out;
    }

    /** The mean over inputs of the oracle's flattened biases. */
    public double[] mean(BiasOracle oracle, List<ConditioningInput> inputs) {
        if (inputs.isEmpty()) {
            throw new IllegalArgumentException("no calibration inputs");
        }
        double[] m = new double[channels];
        for (double[] b : flattenAll(oracle, inputs)) {
            for (int j = 0; j < channels; j++) {
                m[j] += b[j];
            }
        }
        for (int j = 0; j < channels; j++) {
            m[j] /= inputs.size();
        }
        return m;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < names.size(); i++) {
            b.append(i == 0 ? "" : ", ").append(names.get(i)).append('[').append(lengths[i]).append(']');
        }
        return b.append(" = ").append(channels).append(" channels").toString();
    }
}
