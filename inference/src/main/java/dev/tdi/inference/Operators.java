package dev.tdi.inference;

import dev.tdi.substrate.program.Conv2dOperator;
import dev.tdi.substrate.program.ConvTranspose2dOperator;
import dev.tdi.substrate.program.InvalidProgramException;
import dev.tdi.substrate.program.Operator;
import dev.tdi.unet.Layer;
import dev.tdi.unet.LayerInput;
import java.util.SplittableRandom;

/** Turns U-Net layer inputs into substrate operators, and estimates operator norms. */
public final class Operators {
    private Operators() {
    }

    /** The substrate operator of one layer input (PyTorch Conv2d / ConvTranspose2d semantics on both sides). */
    public static Operator of(Layer layer, LayerInput in) {
        if (in.kind() == null) {
            throw new CompileException("layer '" + layer.name() + "': input from '" + in.source()
                    + "' has no operator kind; the compiler accepts CONV and CONV_TRANSPOSE");
        }
        Operator op;
        try {
            op = switch (in.kind()) {
                case CONV -> new Conv2dOperator(in.inChannels(), in.inHeight(), in.inWidth(), in.outChannels(),
                        in.kernel(), in.kernel(), in.stride(), in.padding(), in.weight());
                case CONV_TRANSPOSE -> new ConvTranspose2dOperator(in.inChannels(), in.inHeight(), in.inWidth(),
                        in.outChannels(), in.kernel(), in.kernel(), in.stride(), in.padding(), in.outputPadding(),
                        in.weight());
            };
        } catch (InvalidProgramException e) {
            throw new CompileException("layer '" + layer.name() + "': input from '" + in.source() + "' ("
                    + in.kind() + ") cannot be compiled: " + e.getMessage(), e);
        }
        if (op.rows() != layer.size()) {
            throw new CompileException("layer '" + layer.name() + "': input from '" + in.source() + "' ("
                    + op.describe() + ") produces " + op.rows() + " values but the layer has "
                    + layer.channels() + "x" + layer.height() + "x" + layer.width() + " = " + layer.size()
                    + " units (shape mismatch)");
        }
        return op;
    }

    /**
     * The spectral norm ||W||_2 by power iteration on W^T W (deterministic start; {@code iterations} rounds).
     * Used to bound the curvature a consumer's residual adds to its source module.
     */
    public static double spectralNorm(Operator w, int iterations) {
        double[] v = new double[w.cols()];
        SplittableRandom r = new SplittableRandom(12345);
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextDouble() - 0.5;
        }
        normalise(v);
        double[] y = new double[w.rows()];
        double[] z = new double[w.cols()];
        double sigma2 = 0;
        for (int it = 0; it < iterations; it++) {
            java.util.Arrays.fill(y, 0);
            java.util.Arrays.fill(z, 0);
            w.apply(v, 0, y, 0);
            w.applyTranspose(y, 0, z, 0);
            sigma2 = dot(v, z);
            double n = Math.sqrt(dot(z, z));
            if (n == 0) {
                return 0;
            }
            for (int i = 0; i < v.length; i++) {
                v[i] = z[i] / n;
            }
        }
        return Math.sqrt(Math.max(sigma2, 0));
    }

    private static void normalise(double[] v) {
        double n = Math.sqrt(dot(v, v));
        for (int i = 0; i < v.length; i++) {
            v[i] /= n;
        }
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
